import { describe, expect, it } from 'vitest';
import { createClock } from './clock.js';
import { createLeaseManager } from './leases.js';
import type { LeaseSpec } from './types.js';
import { VaultError } from './types.js';

function recordingSpec(overrides: Partial<LeaseSpec> = {}) {
  const renewals: Date[] = [];
  let revocations = 0;
  const spec: LeaseSpec = {
    pathPrefix: 'database/creds/app',
    ttlSeconds: 60,
    maxTtlSeconds: 300,
    renewable: true,
    onRenew(expiresAt) {
      renewals.push(expiresAt);
      return Promise.resolve();
    },
    onRevoke() {
      revocations += 1;
      return Promise.resolve();
    },
    ...overrides,
  };
  return { spec, renewals, revocations: () => revocations };
}

async function expectVaultError(promise: Promise<unknown>, status: number, message: string) {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VaultError);
  expect((error as VaultError).status).toBe(status);
  expect((error as VaultError).message).toBe(message);
}

describe('lease manager', () => {
  it('when a lease is issued, then its id starts with the path prefix and lookup reports its times', () => {
    const clock = createClock({ manual: true, startAt: Date.UTC(2030, 0, 1) });
    const leases = createLeaseManager(clock);
    const lease = leases.issue(recordingSpec().spec);

    expect(lease.leaseId).toMatch(/^database\/creds\/app\/[A-Za-z0-9]{24}$/);
    expect(lease.leaseDurationSeconds).toBe(60);
    clock.advance(10_000);
    const info = leases.lookup(lease.leaseId);
    expect(info.issueTime.toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(info.expireTime.toISOString()).toBe('2030-01-01T00:01:00.000Z');
    expect(info.lastRenewal).toBeNull();
    expect(info.ttlSeconds).toBe(50);
    expect(info.renewable).toBe(true);
  });

  it('when the ttl exceeds the max ttl at issue, then the lease is issued for the max ttl', () => {
    const clock = createClock({ manual: true });
    const leases = createLeaseManager(clock);
    const lease = leases.issue(recordingSpec({ ttlSeconds: 900, maxTtlSeconds: 120 }).spec);
    expect(lease.leaseDurationSeconds).toBe(120);
  });

  it('when renewed within the max ttl, then the hook gets the new expiry and no warning is given', async () => {
    const clock = createClock({ manual: true });
    const leases = createLeaseManager(clock);
    const rec = recordingSpec();
    const lease = leases.issue(rec.spec);
    clock.advance(30_000);

    const result = await leases.renew(lease.leaseId, 100);

    expect(result.lease.leaseDurationSeconds).toBe(100);
    expect(result.warnings).toEqual([]);
    expect(rec.renewals.map((d) => d.getTime())).toEqual([clock.now() + 100_000]);
    expect(leases.lookup(lease.leaseId).lastRenewal?.getTime()).toBe(clock.now());
  });

  it('when a renewal asks past the max ttl, then it is capped with Vault’s warning', async () => {
    const clock = createClock({ manual: true });
    const leases = createLeaseManager(clock);
    const lease = leases.issue(recordingSpec({ ttlSeconds: 90, maxTtlSeconds: 105 }).spec);
    clock.advance(60_000);

    const result = await leases.renew(lease.leaseId, 60);

    expect(result.lease.leaseDurationSeconds).toBe(45);
    expect(result.warnings).toEqual([
      'TTL of "1m0s" exceeded the effective max_ttl of "45s"; TTL value is capped accordingly',
    ]);
  });

  it('when renewed with no increment, then the lease gets its default ttl again', async () => {
    const clock = createClock({ manual: true });
    const leases = createLeaseManager(clock);
    const lease = leases.issue(recordingSpec({ ttlSeconds: 40 }).spec);
    clock.advance(20_000);
    const result = await leases.renew(lease.leaseId, 0);
    expect(result.lease.leaseDurationSeconds).toBe(40);
    expect(leases.lookup(lease.leaseId).ttlSeconds).toBe(40);
  });

  it('when the ttl passes, then the revoke hook runs and renew answers lease not found', async () => {
    const clock = createClock({ manual: true });
    const leases = createLeaseManager(clock);
    const rec = recordingSpec();
    const lease = leases.issue(rec.spec);

    clock.advance(59_000);
    expect(rec.revocations()).toBe(0);
    clock.advance(1_000);
    await expect.poll(() => rec.revocations()).toBe(1);
    await expect.poll(() => leases.size()).toBe(0);

    await expectVaultError(
      leases.renew(lease.leaseId, 10),
      400,
      'lease not found or lease is not renewable',
    );
    expect(() => leases.lookup(lease.leaseId)).toThrow('invalid lease');
  });

  it('when renewals reach the max ttl, then the lease expires at issue time plus max ttl', async () => {
    const clock = createClock({ manual: true });
    const leases = createLeaseManager(clock);
    const rec = recordingSpec({ ttlSeconds: 60, maxTtlSeconds: 100 });
    const lease = leases.issue(rec.spec);
    clock.advance(50_000);
    await leases.renew(lease.leaseId, 60);
    clock.advance(49_000);
    expect(rec.revocations()).toBe(0);
    clock.advance(1_000);
    await expect.poll(() => rec.revocations()).toBe(1);
  });

  it('when a sped-up clock runs past the ttl, then expiry revokes on its own timers', async () => {
    const clock = createClock({ speed: 600 });
    const leases = createLeaseManager(clock);
    const rec = recordingSpec({ ttlSeconds: 60 });
    leases.issue(rec.spec);
    // 60 s of double time is 100 ms of real time at speed 600.
    await expect.poll(() => rec.revocations(), { timeout: 5_000 }).toBe(1);
    clock.cancelAll();
  });

  it('when a lease is revoked twice, then the hook runs once and both calls succeed', async () => {
    const clock = createClock({ manual: true });
    const leases = createLeaseManager(clock);
    const rec = recordingSpec();
    const lease = leases.issue(rec.spec);
    await Promise.all([leases.revoke(lease.leaseId), leases.revoke(lease.leaseId)]);
    await leases.revoke(lease.leaseId);
    expect(rec.revocations()).toBe(1);
    clock.advance(120_000);
    expect(rec.revocations()).toBe(1);
  });

  it('when the revoke hook fails, then the lease stays and a later revoke retries it', async () => {
    const clock = createClock({ manual: true });
    const leases = createLeaseManager(clock);
    let fail = true;
    let calls = 0;
    const lease = leases.issue(
      recordingSpec({
        onRevoke() {
          calls += 1;
          return fail ? Promise.reject(new Error('db down')) : Promise.resolve();
        },
      }).spec,
    );
    await expect(leases.revoke(lease.leaseId)).rejects.toThrow('db down');
    expect(leases.lookup(lease.leaseId).id).toBe(lease.leaseId);
    fail = false;
    await leases.revoke(lease.leaseId);
    expect(calls).toBe(2);
    expect(leases.size()).toBe(0);
  });

  it('when a lease is not renewable, then renew answers 400 lease is not renewable', async () => {
    const clock = createClock({ manual: true });
    const leases = createLeaseManager(clock);
    const lease = leases.issue(recordingSpec({ renewable: false }).spec);
    await expectVaultError(leases.renew(lease.leaseId, 10), 400, 'lease is not renewable');
  });

  it('when revoking a prefix, then only leases under it are revoked', async () => {
    const clock = createClock({ manual: true });
    const leases = createLeaseManager(clock);
    const a = recordingSpec({ pathPrefix: 'database/creds/a' });
    const ab = recordingSpec({ pathPrefix: 'database/creds/ab' });
    leases.issue(a.spec);
    leases.issue(a.spec);
    const kept = leases.issue(ab.spec);

    await leases.revokePrefix('database/creds/a');

    expect(a.revocations()).toBe(2);
    expect(ab.revocations()).toBe(0);
    expect(leases.list('database/creds/')).toEqual(['ab/']);
    expect(leases.list('database/creds/ab')).toEqual([kept.leaseId.split('/').pop()]);
  });

  it('when closed, then pending expiries no longer fire', async () => {
    const clock = createClock({ manual: true });
    const leases = createLeaseManager(clock);
    const rec = recordingSpec();
    leases.issue(rec.spec);
    await leases.close();
    clock.advance(3_600_000);
    expect(rec.revocations()).toBe(0);
  });
});
