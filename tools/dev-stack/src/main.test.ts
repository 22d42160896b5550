import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('npm run dev', () => {
  it('when PostgreSQL cannot be reached, then it exits 1 naming it and how to start it', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
    const result = spawnSync(process.execPath, [main, '--no-vault'], {
      env: { PATH: process.env.PATH, POSTGRES_PORT: String(port) },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`PostgreSQL is not reachable at 127.0.0.1:${port}`);
    expect(result.stderr).toContain('pg_ctlcluster');
  });
});
