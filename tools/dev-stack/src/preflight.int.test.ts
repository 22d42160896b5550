import { closedPort } from '@flowstack/test-kit';
import { describe, expect, it } from 'vitest';
import { findUnreachable, localDependencies } from './preflight.js';

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
