import { readFile } from 'node:fs/promises';
import { SERVICE_VAULT_NAMES, VAULT_SERVICES, type VaultService } from '@flowstack/vault/paths';
import { describe, expect, it } from 'vitest';
import { parsePolicyGrants, type PolicyGrants } from './policy-document.js';
import { pathsFor } from './registry.js';
import {
  loadPolicies,
  POLICIES_DIR,
  POLICY_NAMES,
  renderServicePolicy,
} from './service-policies.js';

async function committedPolicy(name: string): Promise<string> {
  return readFile(new URL(`${name}.hcl`, POLICIES_DIR), 'utf8');
}

function registryGrants(service: VaultService): Map<string, Set<string>> {
  return new Map(pathsFor(service).map((g) => [g.path, new Set<string>(g.capabilities)]));
}

function asSorted(grants: PolicyGrants): [string, string[]][] {
  return [...grants]
    .map(([path, caps]): [string, string[]] => [path, [...caps].sort()])
    .sort(([a], [b]) => a.localeCompare(b));
}

describe.each(VAULT_SERVICES)('the %s policy', (service) => {
  const name = SERVICE_VAULT_NAMES[service].policy;

  it('when generated from the path registry, then it equals the committed file', async () => {
    expect(await committedPolicy(name)).toBe(renderServicePolicy(service));
  });

  it('when parsed as HCL, then it grants exactly the registry paths with their capabilities', async () => {
    const granted = await parsePolicyGrants(await committedPolicy(name));
    expect(asSorted(granted)).toEqual(asSorted(registryGrants(service)));
  });

  it('when read, then no path uses a glob or a segment wildcard except its own lease prefixes', async () => {
    const granted = await parsePolicyGrants(await committedPolicy(name));
    const creds = new Set(
      pathsFor(service)
        .filter((grant) => grant.kind === 'database' || grant.kind === 'rabbitmq')
        .map((grant) => grant.path),
    );
    for (const path of granted.keys()) {
      const lease = /^sys\/leases\/(?:renew|revoke)\/(.+)\/\*$/.exec(path);
      if (lease !== null) expect(creds).toContain(lease[1]);
      else expect(path).not.toMatch(/[*+]/);
    }
  });
});

describe('least privilege across services', () => {
  it("when the api's policy is read, then it reaches none of the worker's credentials", async () => {
    const api = await parsePolicyGrants(await committedPolicy('flowstack-api'));
    const worker = SERVICE_VAULT_NAMES.worker;
    for (const role of [worker.postgresRole, worker.redisRole]) {
      expect(api.has(`database/creds/${role}`)).toBe(false);
    }
    expect(api.has(`rabbitmq/creds/${worker.rabbitmqRole}`)).toBe(false);
    expect(api.has(`kv/data/${worker.kvConfigPath}`)).toBe(false);
  });

  it('when a service policy grants KV, then only read on its own config', async () => {
    for (const service of VAULT_SERVICES) {
      const grants = await parsePolicyGrants(
        await committedPolicy(SERVICE_VAULT_NAMES[service].policy),
      );
      const kv = [...grants].filter(([path]) => path.startsWith('kv/'));
      expect(kv).toEqual([
        [`kv/data/${SERVICE_VAULT_NAMES[service].kvConfigPath}`, new Set(['read'])],
      ]);
    }
  });

  it('when the worker policy is read, then it has no Transit or PKI path', async () => {
    const worker = await parsePolicyGrants(await committedPolicy('flowstack-worker'));
    expect([...worker.keys()].filter((p) => /^(transit|pki)/.test(p))).toEqual([]);
  });
});

describe('the seed policies', () => {
  it('when consumer is read, then it reads KV and certificates and has no Transit, writes or issuing', async () => {
    const consumer = await parsePolicyGrants(await committedPolicy('consumer'));
    expect(consumer.get('kv/data/*')).toEqual(new Set(['read']));
    expect([...consumer.keys()].some((p) => p.startsWith('transit/'))).toBe(false);
    expect([...consumer.keys()].some((p) => p.includes('/issue'))).toBe(false);
    for (const caps of consumer.values()) {
      for (const write of ['create', 'delete', 'patch']) expect(caps.has(write)).toBe(false);
    }
  });

  it('when producer is read, then it can write KV, issue and encrypt but never read or decrypt', async () => {
    const producer = await parsePolicyGrants(await committedPolicy('producer'));
    expect(producer.get('kv/data/*')).toEqual(new Set(['create', 'update']));
    expect(producer.get('pki_int/issue/*')).toEqual(new Set(['create', 'update']));
    expect(producer.get('transit/encrypt/*')).toEqual(new Set(['update']));
    expect([...producer.keys()].some((p) => p.startsWith('transit/decrypt'))).toBe(false);
    for (const caps of producer.values()) expect(caps.has('read')).toBe(false);
  });

  it('when admin is read, then it has every capability on secrets, certificates and transit but no sys/ or auth/', async () => {
    const admin = await parsePolicyGrants(await committedPolicy('admin'));
    for (const mount of ['kv', 'database', 'rabbitmq', 'pki', 'pki_int', 'transit']) {
      expect(admin.get(`${mount}/*`)).toEqual(
        new Set(['create', 'read', 'update', 'patch', 'delete', 'list']),
      );
    }
    expect([...admin.keys()].some((p) => p.startsWith('sys/') || p.startsWith('auth/'))).toBe(
      false,
    );
  });

  it('when the bootstrap loads the policies, then it finds every file', async () => {
    expect([...(await loadPolicies()).keys()]).toEqual(POLICY_NAMES);
  });
});
