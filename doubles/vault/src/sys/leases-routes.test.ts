import { describe, expect, it } from 'vitest';
import { createClock } from '../core/clock.js';
import { createLeaseManager } from '../core/leases.js';
import type { LeaseSpec } from '../core/types.js';
import { VaultError } from '../core/types.js';
import {
  createLeaseRouteModule,
  handleLeaseRequest,
  isLeasePath,
  leaseRouteNeedsSudo,
} from './leases-routes.js';

function setup() {
  const clock = createClock({ manual: true });
  const manager = createLeaseManager(clock);
  const revoked: string[] = [];
  const issue = (prefix: string) => {
    const spec: LeaseSpec = {
      pathPrefix: prefix,
      ttlSeconds: 60,
      maxTtlSeconds: 120,
      renewable: true,
      onRenew: () => Promise.resolve(),
      onRevoke: () => {
        revoked.push(prefix);
        return Promise.resolve();
      },
    };
    return manager.issue(spec).leaseId;
  };
  return { clock, manager, revoked, issue };
}

describe('sys/leases routes', () => {
  it('when the lease paths and legacy aliases are asked about, then they are recognised', () => {
    for (const p of [
      'leases/lookup',
      'leases/lookup/database/creds/',
      'leases/renew',
      'leases/renew/database/creds/a/x',
      'leases/revoke',
      'leases/revoke/database/creds/a/x',
      'leases/revoke-prefix/database/creds',
      'renew',
      'renew/database/creds/a/x',
      'revoke/database/creds/a/x',
      'revoke-prefix/database/',
    ]) {
      expect(isLeasePath(p)).toBe(true);
    }
    expect(isLeasePath('mounts')).toBe(false);
    expect(leaseRouteNeedsSudo('leases/revoke-prefix/x', 'update')).toBe(true);
    expect(leaseRouteNeedsSudo('leases/lookup/x/', 'list')).toBe(true);
    expect(leaseRouteNeedsSudo('leases/revoke', 'update')).toBe(false);
  });

  it('when a lease is looked up, then data carries id, times, renewable and ttl', async () => {
    const { clock, manager, issue } = setup();
    const id = issue('database/creds/app');
    clock.advance(10_000);
    const res = await handleLeaseRequest(manager, {
      operation: 'update',
      subPath: 'leases/lookup',
      body: { lease_id: id },
    });
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ id, last_renewal: null, renewable: true, ttl: 50 });
    const data = res.data as { issue_time: string; expire_time: string };
    expect(Date.parse(data.expire_time) - Date.parse(data.issue_time)).toBe(60_000);
  });

  it('when renewed past the max through the legacy path, then the lease comes back capped with a warning', async () => {
    const { clock, manager, issue } = setup();
    const id = issue('database/creds/app');
    clock.advance(50_000);
    const res = await handleLeaseRequest(manager, {
      operation: 'update',
      subPath: `renew/${id}`,
      body: { increment: '1h' },
    });
    expect(res.lease?.leaseId).toBe(id);
    expect(res.lease?.leaseDurationSeconds).toBe(70);
    expect(res.warnings?.[0]).toContain('TTL value is capped accordingly');
  });

  it('when the body names a lease, then it wins over the URL', async () => {
    const { manager, issue, revoked } = setup();
    const a = issue('database/creds/a');
    const b = issue('database/creds/b');
    const res = await handleLeaseRequest(manager, {
      operation: 'update',
      subPath: `leases/revoke/${b}`,
      body: { lease_id: a },
    });
    expect(res.status).toBe(204);
    expect(revoked).toEqual(['database/creds/a']);
  });

  it('when a revoked lease is renewed, then 400 lease not found or lease is not renewable', async () => {
    const { manager, issue } = setup();
    const id = issue('database/creds/app');
    await handleLeaseRequest(manager, {
      operation: 'update',
      subPath: 'leases/revoke',
      body: { lease_id: id },
    });
    const error: unknown = await handleLeaseRequest(manager, {
      operation: 'update',
      subPath: 'leases/renew',
      body: { lease_id: id, increment: 10 },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultError);
    expect((error as VaultError).status).toBe(400);
    expect((error as VaultError).message).toBe('lease not found or lease is not renewable');
  });

  it('when a prefix is revoked and leases listed, then only other prefixes remain', async () => {
    const { manager, issue } = setup();
    issue('database/creds/a');
    issue('database/creds/b');
    const res = await handleLeaseRequest(manager, {
      operation: 'update',
      subPath: 'leases/revoke-prefix/database/creds/a',
      body: {},
    });
    expect(res.status).toBe(204);
    const list = await handleLeaseRequest(manager, {
      operation: 'list',
      subPath: 'leases/lookup/database/creds/',
      body: {},
    });
    expect(list.data).toEqual({ keys: ['b/'] });
    const empty = await handleLeaseRequest(manager, {
      operation: 'list',
      subPath: 'leases/lookup/nothing/',
      body: {},
    });
    expect(empty.status).toBe(404);
  });

  it('when no lease id is given, then 400 lease_id must be specified', async () => {
    const { manager } = setup();
    const error: unknown = await handleLeaseRequest(manager, {
      operation: 'update',
      subPath: 'leases/renew',
      body: {},
    }).catch((e: unknown) => e);
    expect((error as VaultError).status).toBe(400);
  });
});

describe('lease route module', () => {
  it('when given a full sys path, then it routes it and flags the sudo paths', async () => {
    const { manager, issue, revoked } = setup();
    const id = issue('rabbitmq/creds/r');
    const module = createLeaseRouteModule(manager);
    expect(module.prefixes).toContain('sys/leases/');
    expect(module.needsSudo('sys/leases/revoke-prefix/rabbitmq/', 'update')).toBe(true);
    expect(module.needsSudo('sys/leases/renew', 'update')).toBe(false);
    const res = await module.handle({
      operation: 'update',
      path: 'sys/revoke',
      body: { lease_id: id },
      query: new URLSearchParams(),
      token: {
        id: 't',
        accessor: 'a',
        policies: ['root'],
        displayName: 'root',
        meta: {},
        entityAliasMetadata: {},
        expiresAt: undefined,
      },
    });
    expect(res.status).toBe(204);
    expect(revoked).toEqual(['rabbitmq/creds/r']);
  });
});
