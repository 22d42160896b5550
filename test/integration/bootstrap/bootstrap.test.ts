import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsulDouble, type RunningConsulDouble } from '@flowstack/consul-double';
import { startVaultDouble, type VaultDouble } from '@flowstack/vault-double';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONSUL_CLI,
  runCli,
  startNomadKeys,
  VAULT_CLI,
  type NomadKeys,
} from './bootstrap-stack.js';

/**
 * `npm run infra:vault` and `npm run infra:consul`, run as the dev cluster runs them (address
 * and Nomad's JWKS URL as options, tokens in VAULT_TOKEN / CONSUL_HTTP_TOKEN), against the
 * doubles; then what a Nomad workload would get with its identity: Vault logins per role and
 * Consul logins through the nomad-workloads auth method.
 */

let vault: VaultDouble;
let consul: RunningConsulDouble;
let nomad: NomadKeys;
let auditDir: string;
const CONSUL_ROOT = `consul-root-${randomUUID()}`;
const firstRuns: { vault: string; consul: string } = { vault: '', consul: '' };

const vaultArgs = () => [
  '--address',
  vault.url,
  '--nomad-jwks-url',
  nomad.jwksUrl,
  '--audit-file',
  join(auditDir, 'audit.log'),
  // The double's stdout is this test's output: the second device must not write there.
  '--audit-second-file',
  'discard',
];
const consulArgs = () => ['--address', consul.url, '--nomad-jwks-url', nomad.jwksUrl];

beforeAll(async () => {
  nomad = await startNomadKeys();
  vault = await startVaultDouble({ port: 0 });
  consul = await startConsulDouble({ port: 0, dnsPort: 0, aclToken: CONSUL_ROOT });
  auditDir = await mkdtemp(join(tmpdir(), 'bootstrap-audit-'));
  const v = await runCli(VAULT_CLI, vaultArgs(), { VAULT_TOKEN: vault.rootToken });
  expect([v.code, v.stderr]).toEqual([0, '']);
  const c = await runCli(CONSUL_CLI, consulArgs(), { CONSUL_HTTP_TOKEN: CONSUL_ROOT });
  expect([c.code, c.stderr]).toEqual([0, '']);
  firstRuns.vault = v.stdout;
  firstRuns.consul = c.stdout;
}, 60_000);

afterAll(async () => {
  await consul?.stop();
  await vault?.stop();
  await nomad?.stop();
  if (auditDir) await rm(auditDir, { recursive: true, force: true });
});

type VaultReply = {
  status: number;
  body: { auth?: Record<string, unknown>; data?: Record<string, unknown>; errors?: string[] };
};

async function vaultCall(
  token: string | null,
  method: string,
  path: string,
  body?: unknown,
): Promise<VaultReply> {
  const response = await fetch(`${vault.url}/v1/${path}`, {
    method,
    headers: { ...(token ? { 'X-Vault-Token': token } : {}), 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === '' ? {} : (JSON.parse(text) as VaultReply['body']),
  };
}

const identity = (
  namespace: string,
  job: string,
  task: string,
  extra: Record<string, string> = {},
) => ({
  nomad_namespace: namespace,
  nomad_job_id: job,
  nomad_task: task,
  ...extra,
});

async function vaultLogin(claims: Record<string, string>, role?: string): Promise<VaultReply> {
  const jwt = await nomad.sign(claims, 'vault.io');
  return vaultCall(null, 'POST', 'auth/jwt-nomad/login', { jwt, ...(role ? { role } : {}) });
}

describe('the Vault bootstrap, read back as a Nomad workload', () => {
  it('when both CLIs run a second time, then neither changes anything', async () => {
    expect(firstRuns.vault).toMatch(/created\s+auth\/jwt-nomad\/role\/flowstack-api/);
    const v = await runCli(VAULT_CLI, vaultArgs(), { VAULT_TOKEN: vault.rootToken });
    expect([v.code, v.stdout.trim().split('\n').at(-1)]).toEqual([
      0,
      'nothing to change: Vault already matches',
    ]);
    const c = await runCli(CONSUL_CLI, consulArgs(), { CONSUL_HTTP_TOKEN: CONSUL_ROOT });
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/consul bootstrap: 0 written/);
  });

  it("when the api's identity in namespace default logs in to flowstack-api, then it gets exactly the api's policy", async () => {
    const reply = await vaultLogin(identity('default', 'api', 'api'), 'flowstack-api');
    expect([reply.status, reply.body.auth?.['policies']]).toEqual([200, ['flowstack-api']]);
    const token = String(reply.body.auth?.['client_token']);
    expect((await vaultCall(token, 'GET', 'kv/data/flowstack/worker/config')).status).toBe(403);
  });

  it('when the same identity claims another namespace, then the api role refuses it', async () => {
    const reply = await vaultLogin(identity('team-b', 'api', 'api'), 'flowstack-api');
    expect(reply.status).toBe(400);
    expect(reply.body.auth).toBeUndefined();
    expect(String(reply.body.errors)).toMatch(/claim "nomad_namespace" does not match|bound/);
  });

  it("when the worker's migrate task and its worker task log in, then only migrate gets the PostgreSQL admin secret", async () => {
    await vaultCall(vault.rootToken, 'POST', 'kv/data/flowstack/postgres/config', {
      data: { admin_username: 'postgres', admin_password: randomUUID() },
    });
    const migrate = await vaultLogin(identity('default', 'worker', 'migrate'), 'flowstack-migrate');
    expect(migrate.body.auth?.['policies']).toEqual(['flowstack-migrate']);
    const read = await vaultCall(
      String(migrate.body.auth?.['client_token']),
      'GET',
      'kv/data/flowstack/postgres/config',
    );
    expect(read.status).toBe(200);
    const worker = await vaultLogin(identity('default', 'worker', 'worker'), 'flowstack-migrate');
    expect([worker.status, worker.body.auth]).toEqual([400, undefined]);
  });

  it("when a job flowstack does not know logs in with the default role, then it reads only its own KV tree and nothing of flowstack's", async () => {
    const job = `batch-${randomUUID().slice(0, 8)}`;
    const reply = await vaultLogin(identity('default', job, 'main'));
    expect(reply.status).toBe(200);
    const policies = reply.body.auth?.['policies'] as string[];
    expect(policies).toContain('nomad-workloads');
    expect(policies).not.toContain('consumer');
    const token = String(reply.body.auth?.['client_token']);
    await vaultCall(vault.rootToken, 'POST', `kv/data/default/${job}/config`, { data: { k: 'v' } });
    expect(
      (await vaultCall(token, 'GET', `kv/data/default/${job}/config`)).body.data?.['data'],
    ).toEqual({ k: 'v' });
    for (const service of ['postgres', 'redis', 'rabbitmq', 'api', 'worker']) {
      expect([
        service,
        (await vaultCall(token, 'GET', `kv/data/flowstack/${service}/config`)).status,
      ]).toEqual([service, 403]);
    }
    const decrypt = await vaultCall(token, 'POST', 'transit/decrypt/orders-pii', {
      ciphertext: 'vault:v1:AAAA',
    });
    expect(decrypt.status).toBe(403);
    expect((await vaultCall(token, 'GET', 'database/creds/api-readonly')).status).toBe(403);
  });

  it('when a job in a namespace that is not listed uses the default role, then it is refused', async () => {
    const reply = await vaultLogin(identity('team-b', 'batch', 'main'));
    expect([reply.status, reply.body.auth]).toEqual([400, undefined]);
  });
});

type ConsulToken = {
  SecretID: string;
  Roles?: { Name: string }[];
  ServiceIdentities?: { ServiceName: string }[];
};

async function consulLogin(
  claims: Record<string, string>,
): Promise<{ status: number; token?: ConsulToken; text: string }> {
  const response = await fetch(`${consul.url}/v1/acl/login`, {
    method: 'POST',
    body: JSON.stringify({
      AuthMethod: 'nomad-workloads',
      BearerToken: await nomad.sign(claims, 'consul.io'),
    }),
  });
  const text = await response.text();
  return {
    status: response.status,
    text,
    ...(response.ok ? { token: JSON.parse(text) as ConsulToken } : {}),
  };
}

async function register(token: string, name: string): Promise<number> {
  const response = await fetch(`${consul.url}/v1/agent/service/register`, {
    method: 'PUT',
    headers: { 'X-Consul-Token': token },
    body: JSON.stringify({ Name: name, ID: `${name}-${randomUUID().slice(0, 6)}`, Port: 3000 }),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('the Consul bootstrap, read back as a Nomad workload', () => {
  it("when the api's service identity logs in, then its token may register flowstack-api and no other service", async () => {
    const login = await consulLogin(
      identity('default', 'api', 'api', { nomad_service: 'flowstack-api' }),
    );
    expect(login.status).toBe(200);
    expect(login.token?.ServiceIdentities).toEqual([{ ServiceName: 'flowstack-api' }]);
    const secret = login.token!.SecretID;
    expect(await register(secret, 'flowstack-api')).toBe(200);
    expect(await register(secret, 'flowstack-worker')).toBe(403);
    expect(await register(secret, 'traefik')).toBe(403);
  });

  it("when Traefik's task identity logs in, then its token may write the traefik service and reads the catalog", async () => {
    const login = await consulLogin(identity('default', 'traefik', 'traefik'));
    expect(login.status).toBe(200);
    expect(login.token?.Roles?.map((r) => r.Name).sort()).toEqual([
      'flowstack-traefik',
      'nomad-default-tasks',
    ]);
    const secret = login.token!.SecretID;
    expect(await register(secret, 'traefik')).toBe(200);
    expect(await register(secret, 'flowstack-api')).toBe(403);
    const catalog = await fetch(`${consul.url}/v1/catalog/services`, {
      headers: { 'X-Consul-Token': secret },
    });
    expect(Object.keys((await catalog.json()) as object)).toContain('traefik');
  });

  it("when another job's task identity logs in, then it reads but may not write traefik", async () => {
    const login = await consulLogin(
      identity('default', `other-${randomUUID().slice(0, 6)}`, 'main'),
    );
    expect(login.token?.Roles?.map((r) => r.Name)).toEqual(['nomad-default-tasks']);
    expect(await register(login.token!.SecretID, 'traefik')).toBe(403);
  });

  it('when a JWT meant for Vault (audience vault.io) is presented to Consul, then the login fails and no token is made', async () => {
    const response = await fetch(`${consul.url}/v1/acl/login`, {
      method: 'POST',
      body: JSON.stringify({
        AuthMethod: 'nomad-workloads',
        BearerToken: await nomad.sign(
          identity('default', 'api', 'api', { nomad_service: 'flowstack-api' }),
          'vault.io',
        ),
      }),
    });
    expect(response.ok).toBe(false);
    expect(await response.text()).toMatch(/audience/);
  });

  it('when a login token logs out, then it no longer authenticates', async () => {
    const login = await consulLogin(
      identity('default', 'api', 'api', { nomad_service: 'flowstack-api' }),
    );
    const secret = login.token!.SecretID;
    const out = await fetch(`${consul.url}/v1/acl/logout`, {
      method: 'POST',
      headers: { 'X-Consul-Token': secret },
    });
    expect(await out.text()).toBe('true');
    const self = await fetch(`${consul.url}/v1/acl/token/self`, {
      headers: { 'X-Consul-Token': secret },
    });
    expect([self.status, await self.text()]).toEqual([403, 'ACL not found']);
  });
});
