import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLogger } from '@flowstack/observability';
import { readOrderIdSecret } from './order-id-secret.js';

const logger = createLogger({ service: 'api', level: 'silent' });

/** A Vault whose KV holds `data` at every path, recording the paths read. */
function kvHolding(data: Record<string, unknown>) {
  const reads: string[] = [];
  return {
    reads,
    readKv: (path: string, options?: { mount?: string }) => {
      reads.push(`${options?.mount ?? 'kv'}/data/${path}`);
      return Promise.resolve(data);
    },
  };
}

describe('readOrderIdSecret', () => {
  it("when Vault is on and ORDER_ID_SECRET is unset, then the key is the api's KV order_id_secret", async () => {
    const key = randomBytes(32);
    const vault = kvHolding({ order_id_secret: key.toString('base64') });
    const secret = await readOrderIdSecret({ configured: undefined, vault, logger });
    expect(secret?.equals(key)).toBe(true);
    expect(vault.reads).toEqual(['kv/data/flowstack/api/config']);
  });

  it('when ORDER_ID_SECRET is set, then it wins and Vault is not asked', async () => {
    const key = randomBytes(32);
    const vault = kvHolding({ order_id_secret: randomBytes(32).toString('base64') });
    const secret = await readOrderIdSecret({
      configured: key.toString('base64'),
      vault,
      logger,
    });
    expect(secret?.equals(key)).toBe(true);
    expect(vault.reads).toEqual([]);
  });

  it('when the KV secret has no key or a short one, then start-up fails with config-invalid and no value in the message', async () => {
    const short = randomBytes(16).toString('base64');
    for (const data of [{}, { order_id_secret: short }, { order_id_secret: 42 }]) {
      const failure = readOrderIdSecret({ configured: undefined, vault: kvHolding(data), logger });
      await expect(failure).rejects.toMatchObject({ code: 'config-invalid' });
      await expect(failure).rejects.toThrow(/run the Vault bootstrap/);
      await failure.catch((error: Error) => expect(error.message).not.toContain(short));
    }
  });

  it('when there is neither Vault nor ORDER_ID_SECRET, then there is no key (the public derivation)', async () => {
    expect(await readOrderIdSecret({ configured: undefined, vault: undefined, logger })).toBe(
      undefined,
    );
  });
});
