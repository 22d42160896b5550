import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { scratchDatabase } from '@flowstack/test-kit';
import { bootstrapVault } from '../src/bootstrap.js';
import type { BootstrapOptions } from '../src/bootstrap-options.js';
import { createVaultHttp } from '../src/vault-http.js';
import { baseOptions, openVault, RABBITMQ, REDIS } from './servers.js';

/**
 * The bootstrap against the Vault double (or VAULT_ADDR), with real PostgreSQL (5433), Redis and
 * RabbitMQ behind the engines: everything is configured once, a second run writes nothing, and
 * drift is put back.
 */

let vault: Awaited<ReturnType<typeof openVault>>;
let database: Awaited<ReturnType<typeof scratchDatabase>>;
let options: BootstrapOptions;

/** What Vault reports for everything the bootstrap manages (secrets are never returned). */
const WATCHED = [
  'sys/mounts',
  'sys/auth',
  'sys/audit',
  'sys/policies/acl/admin',
  'sys/policies/acl/producer',
  'sys/policies/acl/consumer',
  'sys/policies/acl/flowstack-api',
  'sys/policies/acl/flowstack-worker',
  'sys/policies/acl/nomad-workloads',
  'sys/policies/acl/flowstack-postgres',
  'sys/policies/acl/flowstack-migrate',
  'auth/jwt-nomad/config',
  'auth/jwt-nomad/role/nomad-workloads',
  'auth/jwt-nomad/role/flowstack-api',
  'auth/jwt-nomad/role/flowstack-worker',
  'auth/jwt-nomad/role/flowstack-postgres',
  'auth/jwt-nomad/role/flowstack-redis',
  'auth/jwt-nomad/role/flowstack-rabbitmq',
  'auth/jwt-nomad/role/flowstack-migrate',
  'pki/config/urls',
  'pki_int/config/urls',
  'database/config/flowstack-postgres',
  'database/config/flowstack-redis',
  'database/roles/api-readonly',
  'database/roles/worker-readwrite',
  'database/roles/api-cache',
  'database/roles/worker-cache',
  'rabbitmq/config/connection',
  'rabbitmq/config/lease',
  'rabbitmq/roles/api-publisher',
  'rabbitmq/roles/worker-consumer',
  'transit/keys/orders-pii',
  'pki/cert/ca',
  'pki_int/cert/ca',
  'pki_int/roles/flowstack-api',
  'kv/data/flowstack/api/config',
  'kv/data/flowstack/worker/config',
];

/**
 * The double has no intermediate or issuer endpoints (the bootstrap gives pki_int a self-signed
 * CA there), so naming the intermediate's issuer is the one step it skips; real Vault names it.
 */
const ISSUER_NAMING_SKIPPED: unknown[] = [];

const kvData = (read: Record<string, unknown> | undefined) =>
  z.object({ data: z.record(z.string(), z.unknown()) }).parse(read).data;

async function snapshot(): Promise<Record<string, unknown>> {
  const http = createVaultHttp({ address: options.address, token: options.token });
  const out: Record<string, unknown> = {};
  for (const path of WATCHED) out[path] = await http.read(path);
  return out;
}

beforeAll(async () => {
  vault = await openVault();
  if (vault.isDouble) {
    ISSUER_NAMING_SKIPPED.push({
      resource: 'pki_int/issuer (issuer_name flowstack-intermediate)',
      outcome: 'skipped',
      detail: 'server has no issuer endpoints',
    });
  }
  database = await scratchDatabase('vb');
  const { publicKey } = generateKeyPairSync('ed25519');
  options = {
    ...baseOptions(vault.address, vault.token),
    postgres: { url: database.url },
    redis: REDIS,
    rabbitmq: RABBITMQ,
    jwt: { publicKeys: [publicKey.export({ type: 'spki', format: 'pem' }).toString().trim()] },
  };
}, 60_000);

afterAll(async () => {
  await vault?.stop();
  await database?.drop();
});

describe('bootstrapVault', () => {
  it('when run on an empty Vault, then it configures every engine, role and policy', async () => {
    const report = await bootstrapVault(options);
    const outcomes = new Map(report.steps.map((s) => [s.resource, s.outcome]));
    for (const resource of [
      'sys/policies/acl/flowstack-api',
      'sys/auth/jwt-nomad',
      'auth/jwt-nomad/config',
      'auth/jwt-nomad/role/flowstack-worker',
      'database/config/flowstack-postgres',
      'database/roles/api-readonly',
      'database/roles/worker-cache',
      'rabbitmq/roles/api-publisher',
      'transit/keys/orders-pii',
      'pki/root',
      'pki_int/roles/flowstack-api',
      'sys/audit/file',
      'sys/audit/file-2',
      'auth/jwt-nomad/role/flowstack-migrate',
      'sys/policies/acl/nomad-workloads',
      'pki_int/config/urls',
    ]) {
      expect([resource, outcomes.get(resource)]).toEqual([
        resource,
        vault.isDouble ? 'created' : expect.stringMatching(/created|updated|unchanged/),
      ]);
    }
    expect(report.steps.filter((s) => s.outcome === 'skipped')).toEqual(ISSUER_NAMING_SKIPPED);
    const http = createVaultHttp(vault);
    expect(await http.read('auth/jwt-nomad/role/flowstack-api')).toMatchObject({
      bound_audiences: ['vault.io'],
      user_claim: '/nomad_job_id',
      token_period: 1800,
      token_policies: ['flowstack-api'],
      bound_claims: { nomad_namespace: ['default'], nomad_job_id: ['api'], nomad_task: ['api'] },
    });
    expect(await http.read('auth/jwt-nomad/role/nomad-workloads')).toMatchObject({
      token_policies: ['nomad-workloads'],
      bound_claims: { nomad_namespace: ['default'] },
    });
    const accessor = z
      .object({ 'jwt-nomad/': z.object({ accessor: z.string() }).loose() })
      .loose()
      .parse(await http.read('sys/auth'))['jwt-nomad/'].accessor;
    const policy = String((await http.read('sys/policies/acl/nomad-workloads'))?.['policy']);
    expect(policy).not.toContain('auth_jwt_X');
    expect(policy).toContain(
      `kv/data/{{identity.entity.aliases.${accessor}.metadata.nomad_namespace}}/`,
    );
    expect(await http.read('pki_int/config/urls')).toMatchObject({
      issuing_certificates: [`${vault.address}/v1/pki_int/ca`],
      crl_distribution_points: [`${vault.address}/v1/pki_int/crl`],
    });
  }, 60_000);

  it('when run a second time, then it writes nothing and every read is the same', async () => {
    const before = await snapshot();
    const report = await bootstrapVault(options);
    expect(report.vaultWrites).toBe(0);
    expect(report.changed).toBe(false);
    expect(report.steps.filter((s) => s.outcome !== 'unchanged')).toEqual(ISSUER_NAMING_SKIPPED);
    expect(await snapshot()).toEqual(before);
  }, 60_000);

  it("when run, then the api's config secret holds a 32-byte order-id key that later runs keep", async () => {
    const http = createVaultHttp(vault);
    const path = 'kv/data/flowstack/api/config';
    const secret = kvData(await http.read(path))['order_id_secret'];
    expect(typeof secret).toBe('string');
    expect(Buffer.from(String(secret), 'base64')).toHaveLength(32);
    await bootstrapVault(options);
    expect(kvData(await http.read(path))['order_id_secret']).toBe(secret);
    expect(kvData(await http.read('kv/data/flowstack/worker/config'))).toEqual({});
  }, 60_000);

  it("when the api's config secret exists without the order-id key, then the run adds it and keeps the operator's fields", async () => {
    const http = createVaultHttp(vault);
    const path = 'kv/data/flowstack/api/config';
    await http.write(path, { data: { OPERATOR_SETTING: 'kept' } });
    const report = await bootstrapVault(options);
    expect(report.steps.find((s) => s.resource === path)).toEqual({
      resource: path,
      outcome: 'updated',
      detail: 'added order_id_secret',
    });
    const data = kvData(await http.read(path));
    expect(data['OPERATOR_SETTING']).toBe('kept');
    expect(Buffer.from(String(data['order_id_secret']), 'base64')).toHaveLength(32);
    expect((await bootstrapVault(options)).vaultWrites).toBe(0);
  }, 60_000);

  it('when someone changed a role, then the next run puts back only that role', async () => {
    const http = createVaultHttp(vault);
    await http.write('auth/jwt-nomad/role/flowstack-worker', { token_period: '5m' });
    await http.write('database/roles/api-readonly', {
      db_name: 'flowstack-postgres',
      creation_statements: [
        'CREATE ROLE "{{name}}" WITH SUPERUSER LOGIN PASSWORD \'{{password}}\'',
      ],
    });
    const report = await bootstrapVault(options);
    expect(report.steps.filter((s) => s.outcome !== 'unchanged')).toEqual([
      {
        resource: 'auth/jwt-nomad/role/flowstack-worker',
        outcome: 'updated',
        detail: 'token_period',
      },
      {
        resource: 'database/roles/api-readonly',
        outcome: 'updated',
        detail: expect.stringContaining('creation_statements'),
      },
      ...ISSUER_NAMING_SKIPPED,
    ]);
    expect((await bootstrapVault(options)).vaultWrites).toBe(0);
  }, 60_000);

  it('when a policy was edited by hand, then the run restores the file text', async () => {
    const http = createVaultHttp(vault);
    await http.write('sys/policies/acl/consumer', {
      policy: 'path "transit/encrypt/*" { capabilities = ["update"] }',
    });
    const report = await bootstrapVault(options);
    expect(report.steps.find((s) => s.resource === 'sys/policies/acl/consumer')?.outcome).toBe(
      'updated',
    );
    expect((await http.read('sys/policies/acl/consumer'))?.['policy']).not.toContain(
      'transit/encrypt',
    );
  }, 60_000);
});
