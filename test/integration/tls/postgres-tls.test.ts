import { createStaticCredentialSource } from '@flowstack/credentials';
import { createDatabase } from '@flowstack/db';
import { createLogger } from '@flowstack/observability';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startRoguePostgres } from './rogue-endpoints.js';
import { startTlsPostgres, type TlsPostgres } from './tls-postgres.js';
import {
  rogueCertificates,
  startTestPki,
  type IssuedCertificate,
  type TestPki,
} from './vault-pki.js';

const logger = createLogger({ service: 'tls-test', level: 'silent' });
const NAME = 'postgres.service.consul';

let pki: TestPki;
let server: IssuedCertificate;
let postgres: TlsPostgres;

beforeAll(async () => {
  pki = await startTestPki();
  server = await pki.issue(NAME);
  postgres = await startTlsPostgres(server);
}, 120_000);
afterAll(async () => {
  await postgres?.stop();
  await pki?.stop();
});

async function open(
  port: number,
  password: string,
  tls = { ca: server.issuingCa, serverName: NAME },
) {
  const db = await createDatabase({
    host: '127.0.0.1',
    port,
    database: 'postgres',
    credentials: createStaticCredentialSource({ username: 'postgres', password }),
    connectionTimeoutMs: 5_000,
    tls,
    logger,
  });
  onTestFinished(() => db.close());
  return db;
}

describe('PostgreSQL over TLS with a certificate from Vault PKI', () => {
  it('when the server presents the certificate issued for its name, then the connection is TLS and authenticated', async () => {
    const db = await open(postgres.port, postgres.password);
    const { rows } = await db.query<{ ssl: boolean; version: string }>(
      'SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
    );
    expect(rows[0]?.ssl).toBe(true);
    expect(rows[0]?.version).toMatch(/^TLSv1\.[23]$/);
  });

  it('when the client trusts another CA, then the handshake fails and no query runs', async () => {
    const other = await startTestPki();
    onTestFinished(() => other.stop());
    const foreign = await other.issue(NAME);
    const db = await open(postgres.port, postgres.password, {
      ca: foreign.issuingCa,
      serverName: NAME,
    });
    await expect(db.ping()).rejects.toThrow(/certificate|self.signed|unable to verify/i);
  });

  it('when the client expects another name, then the handshake fails on the name', async () => {
    const db = await open(postgres.port, postgres.password, {
      ca: server.issuingCa,
      serverName: 'redis.service.consul',
    });
    await expect(db.ping()).rejects.toThrow(/redis\.service\.consul/);
  });

  // F2: a co-tenant registered as `postgres` gets connections; whatever certificate it presents,
  // none of them may reach the password.
  it.each(rogueCertificates(() => pki, NAME, 'redis.service.consul', onTestFinished))(
    'when a rogue endpoint presents %s, then no password arrives',
    async (_what, certificateOf) => {
      const rogue = await startRoguePostgres(await certificateOf());
      onTestFinished(() => rogue.close());
      const password = `never-sent-${Date.now()}`;

      const db = await open(rogue.port, password);
      await expect(db.ping()).rejects.toThrow();
      expect(rogue.received().includes(password)).toBe(false);
      expect(rogue.received().includes('postgres')).toBe(false);

      // The same rogue does capture it from a client that does not verify: the check above can fail.
      const careless = new pg.Client({
        host: '127.0.0.1',
        port: rogue.port,
        user: 'postgres',
        password,
        database: 'postgres',
        ssl: { rejectUnauthorized: false },
        connectionTimeoutMillis: 2_000,
      });
      careless.on('error', () => undefined);
      await careless.connect().catch(() => undefined);
      await careless.end().catch(() => undefined);
      expect(rogue.received().includes(password)).toBe(true);
    },
  );
});
