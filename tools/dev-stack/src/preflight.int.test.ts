import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { findUnreachable, localDependencies } from './preflight.js';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('findUnreachable', () => {
  it('when a server does not answer, then it is named with the command that starts it', async () => {
    const port = await closedPort();
    const problems = await findUnreachable(localDependencies({ REDIS_PORT: String(port) }));
    expect(problems).toEqual([
      expect.stringContaining(`Redis is not reachable at 127.0.0.1:${port}`),
    ]);
    expect(problems[0]).toContain('redis-server --daemonize yes');
  });

  it('when all three servers answer, then nothing is reported', async () => {
    expect(await findUnreachable(localDependencies({}))).toEqual([]);
  });
});
