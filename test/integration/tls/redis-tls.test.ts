import { createCache } from '@flowstack/cache';
import { createStaticCredentialSource, type TlsPeer } from '@flowstack/credentials';
import { createLogger } from '@flowstack/observability';
import { Redis } from 'ioredis';
import { waitFor } from '@flowstack/test-kit';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startRogueTlsListener } from './rogue-endpoints.js';
import { startTlsRedis, type TlsRedis } from './tls-redis.js';
import {
  rogueCertificates,
  startTestPki,
  type IssuedCertificate,
  type TestPki,
} from './vault-pki.js';

const logger = createLogger({ service: 'tls-test', level: 'silent' });
const NAME = 'redis.service.consul';

let pki: TestPki;
let server: IssuedCertificate;
let redis: TlsRedis;

beforeAll(async () => {
  pki = await startTestPki();
  server = await pki.issue(NAME);
  redis = await startTlsRedis(server);
}, 60_000);
afterAll(async () => {
  await redis?.stop();
  await pki?.stop();
});

async function open(
  port: number,
  password: string,
  tls: TlsPeer = { ca: server.issuingCa, serverName: NAME },
) {
  const cache = await createCache({
    host: '127.0.0.1',
    port,
    keyPrefix: 'tls-test:',
    credentials: createStaticCredentialSource({ username: 'default', password }),
    commandTimeoutMs: 1_000,
    tls,
    logger,
  });
  onTestFinished(() => cache.close());
  return cache;
}

describe('Redis over TLS with a certificate from Vault PKI', () => {
  it('when the server presents the certificate issued for its name, then the cache works over TLS', async () => {
    const cache = await open(redis.port, redis.password);
    await cache.ping();
    await cache.setJson('k', { ok: true }, 30);
    expect(await cache.getJson('k', (raw) => raw)).toEqual({ ok: true });
  });

  it('when the client expects another name, then no command succeeds', async () => {
    const cache = await open(redis.port, redis.password, {
      ca: server.issuingCa,
      serverName: 'postgres.service.consul',
    });
    await expect(cache.ping()).rejects.toThrow();
  });

  it.each(rogueCertificates(() => pki, NAME, 'postgres.service.consul', onTestFinished))(
    'when a rogue endpoint presents %s, then no AUTH (no password) arrives',
    async (_what, certificateOf) => {
      const rogue = await startRogueTlsListener(await certificateOf());
      onTestFinished(() => rogue.close());
      const password = `never-sent-${Date.now()}`;

      const cache = await open(rogue.port, password);
      await expect(cache.ping()).rejects.toThrow();
      expect(rogue.received().includes(password)).toBe(false);

      // Control: a client that does not verify hands the rogue its AUTH.
      const careless = new Redis({
        host: '127.0.0.1',
        port: rogue.port,
        username: 'default',
        password,
        tls: { rejectUnauthorized: false },
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      careless.on('error', () => undefined);
      onTestFinished(() => careless.disconnect());
      void careless.connect().catch(() => undefined);
      await waitFor(() => rogue.received().includes(password), 'the careless AUTH at the rogue');
    },
  );
});
