import { createManualCredentialSource, createStaticCredentialSource } from '@flowstack/credentials';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogger, uniqueId, waitFor } from '@flowstack/test-kit';
import { adminClient, REDIS } from '../test/support.js';
import { createCache } from './cache.js';

let admin: Redis;

beforeAll(async () => {
  admin = adminClient();
  await admin.connect();
});

afterAll(async () => {
  await admin.quit();
});

/**
 * An ACL user whose real password differs from the one returned: Redis answers WRONGPASS to the
 * AUTH ioredis sends with it.
 */
async function userWithAnotherPassword() {
  const id = uniqueId();
  const username = `cache_sec_${id}`;
  await admin.call('ACL', 'SETUSER', username, 'on', `>right-${id}`, `~cache-sec:${id}:*`, '+@all');
  return { id, username, password: `pw-${id}-must-not-be-logged` };
}

/** Every captured line, parsed: a secret must be absent from all of them, not only the first. */
function assertNoSecret(lines: string[], secret: string): void {
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) expect(line).not.toContain(secret);
}

describe('cache error logs', () => {
  it('when Redis refuses AUTH (wrong password), then the log names the failed command but never the password', async () => {
    const { id, username, password } = await userWithAnotherPassword();
    const { logger, lines } = captureLogger();
    const cache = await createCache({
      ...REDIS,
      keyPrefix: `cache-sec:${id}:`,
      credentials: createStaticCredentialSource({ username, password }),
      logger,
      maxReconnectDelayMs: 100,
    });
    try {
      await waitFor(() => lines.some((line) => line.includes('WRONGPASS')), {
        timeoutMs: 10_000,
        what: 'AUTH error',
      });
      const logged = lines.filter((line) => line.includes('WRONGPASS'));
      // ioredis 6 authenticates inside HELLO, ioredis 5 with AUTH: either way the command is named.
      expect(logged[0]).toMatch(/"name":"(auth|hello)"/);
      assertNoSecret(lines, password);
    } finally {
      await cache.close();
      await admin.call('ACL', 'DELUSER', username);
    }
  });

  it('when re-authentication with rotated credentials fails on a live connection, then the warning holds no password', async () => {
    const { id, username, password } = await userWithAnotherPassword();
    const source = createManualCredentialSource({});
    const { logger, lines } = captureLogger();
    const cache = await createCache({
      ...REDIS,
      keyPrefix: `cache-sec:${id}:`,
      credentials: source,
      logger,
    });
    try {
      await waitFor(() => cache.ready, { timeoutMs: 10_000, what: 'first connection' });
      await source.rotate({ username, password });
      await waitFor(() => lines.some((line) => line.includes('re-authentication failed')), {
        timeoutMs: 10_000,
        what: 'failed re-authentication',
      });
      assertNoSecret(lines, password);
    } finally {
      await cache.close();
      await admin.call('ACL', 'DELUSER', username);
    }
  });
});
