import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTestDouble } from '../../test/http-double.js';

describe('--state-file', () => {
  it('when the double restarts on the same state file, then tokens, policies, mounts, KV, transit keys and the PKI CA survive', async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), 'vault-double-state-')), 'state.json');
    const first = await startTestDouble({ stateFile, rootToken: 'r00t' });
    await first.call('PUT', 'sys/policies/acl/keep', {
      body: { policy: 'path "secret/data/*" { capabilities = ["read"] }' },
    });
    const token = (
      await first.call('POST', 'auth/token/create', { body: { policies: ['keep'], ttl: '1h' } })
    ).body.auth.client_token as string;
    await first.call('POST', 'secret/data/persisted', { body: { data: { v: 1 } } });
    await first.call('POST', 'sys/mounts/transit', { body: { type: 'transit' } });
    const ct = (
      await first.call('POST', 'transit/encrypt/k', {
        body: { plaintext: Buffer.from('x').toString('base64') },
      })
    ).body.data.ciphertext as string;
    await first.call('POST', 'sys/mounts/pki', { body: { type: 'pki' } });
    const ca = (
      await first.call('POST', 'pki/root/generate/internal', {
        body: { common_name: 'persist', key_type: 'ec' },
      })
    ).body.data.certificate as string;
    await first.stop();

    const second = await startTestDouble({ stateFile, rootToken: 'r00t' });
    try {
      expect((await second.call('GET', 'secret/data/persisted', { token })).body.data.data).toEqual(
        { v: 1 },
      );
      expect(
        (await second.call('POST', 'secret/data/persisted', { token, body: { data: {} } })).status,
      ).toBe(403);
      const dec = await second.call('POST', 'transit/decrypt/k', { body: { ciphertext: ct } });
      expect(Buffer.from(dec.body.data.plaintext as string, 'base64').toString()).toBe('x');
      expect((await second.call('GET', 'pki/ca/pem', { token: null })).body).toBe(ca);
    } finally {
      await second.stop();
    }
    // Two PKI root keys are generated (RSA): seconds on a loaded two-core machine.
  }, 60_000);

  it('when started without a state file, then it is up in well under a second', async () => {
    const started = Date.now();
    const v = await startTestDouble();
    const elapsed = Date.now() - started;
    await v.stop();
    expect(elapsed).toBeLessThan(1_000);
  });
});
