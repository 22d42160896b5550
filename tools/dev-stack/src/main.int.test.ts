import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Free ports for everything the stack would listen on, so a concurrently running `npm run dev` adds no lines. */
async function freeListenPorts(): Promise<Record<string, string>> {
  const keys = ['PORT', 'HEALTH_PORT', 'VAULT_DOUBLE_PORT', 'CONSUL_DOUBLE_PORT'];
  const ports: Record<string, string> = {};
  for (const key of [...keys, 'CONSUL_DOUBLE_DNS_PORT']) ports[key] = String(await closedPort());
  return ports;
}

describe('npm run dev', () => {
  it('when PostgreSQL cannot be reached, then it exits 1 naming it and how to start it', async () => {
    const port = await closedPort();
    const result = spawnSync(process.execPath, [main, '--no-vault'], {
      env: { PATH: process.env.PATH, POSTGRES_PORT: String(port), ...(await freeListenPorts()) },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `PostgreSQL is not reachable at 127.0.0.1:${port}; start it with: pg_ctlcluster`,
    );
  });

  it('when the RabbitMQ management API is unreachable, then it stops before starting anything with the one line that says how to enable it', async () => {
    const port = await closedPort();
    const result = spawnSync(process.execPath, [main], {
      env: {
        PATH: process.env.PATH,
        RABBITMQ_MANAGEMENT_URL: `http://127.0.0.1:${port}`,
        ...(await freeListenPorts()),
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual([
      'flowstack cannot start:',
      `RabbitMQ management API (used by Vault's RabbitMQ engine) is not reachable at http://127.0.0.1:${port}; enable it with: sudo rabbitmq-plugins enable rabbitmq_management   (or run without Vault: npm run dev -- --no-vault)`,
    ]);
    // Nothing was started: the Vault double never printed its banner.
    expect(result.stdout).toBe('');
  });
});
