import { describe, expect, it } from 'vitest';
import { eventually } from '@flowstack/test-kit';
import {
  checkStatus,
  healthOf,
  registerService,
  startHealthEndpoint,
  unique,
  useTarget,
} from './harness.js';

const target = useTarget();

const ids = (entries: { Service: { ID: string } }[]) => entries.map((e) => e.Service.ID).sort();

describe('agent service registration', () => {
  it('when a service is registered without ID, then its ID is its Name and it shows in agent, catalog and health', async () => {
    const name = unique('web');
    await registerService(target, {
      name,
      port: 8080,
      tags: ['v1', 'blue'],
      meta: { team: 'core' },
    });
    const services = (await target.client.agent.service.list()) as Record<
      string,
      { Service: string; Port: number; Tags: string[]; Meta: Record<string, string> }
    >;
    expect(services[name]).toMatchObject({
      Service: name,
      Port: 8080,
      Tags: ['v1', 'blue'],
      Meta: { team: 'core' },
    });
    const catalog = (await target.client.catalog.service.list()) as Record<string, string[]>;
    expect([...(catalog[name] ?? [])].sort()).toEqual(['blue', 'v1']);
    const nodes = (await target.client.catalog.service.nodes({ service: name })) as {
      ServiceID: string;
      ServicePort: number;
      ServiceTags: string[];
    }[];
    expect(nodes).toHaveLength(1);
    expect(nodes[0]).toMatchObject({ ServiceID: name, ServicePort: 8080 });
    const health = await healthOf(target, name);
    expect(health[0]?.Checks.some((c) => c.CheckID === 'serfHealth' && c.ServiceID === '')).toBe(
      true,
    );
  });

  it('when re-registered with the same ID, then it is updated in place, not duplicated', async () => {
    const name = unique('upsert');
    await registerService(target, { name, id: `${name}-1`, port: 1000 });
    await registerService(target, { name, id: `${name}-1`, port: 2000 });
    const nodes = (await target.client.catalog.service.nodes(name)) as { ServicePort: number }[];
    expect(nodes.map((n) => n.ServicePort)).toEqual([2000]);
  });

  // agent/acl.go vetServiceUpdateWithAuthorizer runs with ACLs off too (an allow-all authorizer).
  it('when deregistering an unknown service ID, then 404 "Unknown service ID"', async () => {
    const ghost = unique('ghost');
    const res = await target.fetch(`/v1/agent/service/deregister/${ghost}`, { method: 'PUT' });
    expect(res.status).toBe(404);
    expect(await res.text()).toBe(
      `Unknown service ID "${ghost}". Ensure that the service ID is passed, not the service name.`,
    );
  });

  it('when a service is deregistered, then its checks go with it', async () => {
    const name = unique('gone');
    await registerService(target, {
      name,
      check: { name: 'ttl', checkid: `${name}-ttl`, ttl: '30s', timeout: '' },
    });
    await target.client.agent.service.deregister(name);
    expect(await healthOf(target, name)).toEqual([]);
    const checks = (await target.client.agent.check.list()) as Record<string, unknown>;
    expect(checks[`${name}-ttl`]).toBeUndefined();
  });

  it('when the health of an unknown service is asked, then the answer is 200 with []', async () => {
    expect(await healthOf(target, unique('nobody'))).toEqual([]);
  });

  it('when filtering by tag, then only instances with every tag are returned', async () => {
    const name = unique('tags');
    await registerService(target, { name, id: `${name}-a`, tags: ['primary', 'v2'] });
    await registerService(target, { name, id: `${name}-b`, tags: ['v2'] });
    expect(ids(await healthOf(target, name, { tag: 'primary' }))).toEqual([`${name}-a`]);
    expect(ids(await healthOf(target, name, { tag: 'v2' }))).toEqual([`${name}-a`, `${name}-b`]);
    const tagged = (await target.client.catalog.service.nodes({
      service: name,
      tag: 'primary',
    })) as { ServiceID: string }[];
    expect(tagged.map((n) => n.ServiceID)).toEqual([`${name}-a`]);
  });

  it('when a check is invalid, then registration is refused with 400', async () => {
    const res = await target.fetch('/v1/agent/service/register', {
      method: 'PUT',
      body: JSON.stringify({ Name: unique('bad'), Check: { HTTP: 'http://127.0.0.1:1/' } }),
    });
    expect(res.status).toBe(400);
  });
});

describe('HTTP checks', () => {
  it('when the endpoint is healthy, then the check turns passing; when it fails, critical, and passing queries drop the instance', async () => {
    const name = unique('http');
    const endpoint = await startHealthEndpoint(target);
    const checkId = `${name}-http`;
    await registerService(target, {
      name,
      port: 9000,
      check: { name: 'http', checkid: checkId, http: endpoint.url, interval: '1s', timeout: '1s' },
    });
    await eventually(
      () => healthOf(target, name, { passing: true }),
      (e) => e.length === 1,
    );
    const healthy = await healthOf(target, name);
    expect(healthy[0]?.Checks.find((c) => c.CheckID === checkId)?.Output).toContain('200');

    endpoint.setStatus(500);
    await eventually(
      () => healthOf(target, name),
      (e) => checkStatus(e, checkId) === 'critical',
    );
    expect(await healthOf(target, name, { passing: true })).toEqual([]);
    expect(await healthOf(target, name)).toHaveLength(1);
  });

  it('when the endpoint answers 429, then the check is warning and passing queries drop the instance', async () => {
    const name = unique('warn');
    const endpoint = await startHealthEndpoint(target, 429);
    await registerService(target, {
      name,
      check: {
        name: 'http',
        checkid: `${name}-http`,
        http: endpoint.url,
        interval: '1s',
        timeout: '1s',
      },
    });
    await eventually(
      () => healthOf(target, name),
      (e) => checkStatus(e, `${name}-http`) === 'warning',
    );
    expect(await healthOf(target, name, { passing: true })).toEqual([]);
  });

  it('when a TCP check targets a listening port, then it turns passing', async () => {
    const name = unique('tcp');
    const endpoint = await startHealthEndpoint(target);
    await registerService(target, {
      name,
      check: {
        name: 'tcp',
        checkid: `${name}-tcp`,
        tcp: new URL(endpoint.url).host,
        interval: '1s',
        timeout: '1s',
      },
    });
    await eventually(
      () => healthOf(target, name),
      (e) => checkStatus(e, `${name}-tcp`) === 'passing',
    );
  });
});

describe('TTL checks', () => {
  it('when registered, then the TTL check starts critical; pass, warn and fail set its status and note', async () => {
    const name = unique('ttl');
    const checkId = `${name}-ttl`;
    await registerService(target, {
      name,
      check: { name: 'ttl', checkid: checkId, ttl: '30s', timeout: '' },
    });
    expect(checkStatus(await healthOf(target, name), checkId)).toBe('critical');

    await target.client.agent.check.pass({ id: checkId, note: 'all good' });
    const passing = await healthOf(target, name, { passing: true });
    expect(passing[0]?.Checks.find((c) => c.CheckID === checkId)).toMatchObject({
      Status: 'passing',
      Output: 'all good',
    });

    await target.client.agent.check.warn({ id: checkId, note: 'slow' });
    expect(checkStatus(await healthOf(target, name), checkId)).toBe('warning');
    expect(await healthOf(target, name, { passing: true })).toEqual([]);

    await target.client.agent.check.fail({ id: checkId, note: 'down' });
    expect(checkStatus(await healthOf(target, name), checkId)).toBe('critical');
  });

  it('when agent/check/update is called, then Status and Output are set', async () => {
    const name = unique('upd');
    const checkId = `${name}-ttl`;
    await registerService(target, {
      name,
      check: { name: 'ttl', checkid: checkId, ttl: '30s', timeout: '' },
    });
    const res = await target.fetch(`/v1/agent/check/update/${checkId}`, {
      method: 'PUT',
      body: JSON.stringify({ Status: 'passing', Output: 'updated by test' }),
    });
    expect(res.status).toBe(200);
    const checks = (await target.client.agent.check.list()) as Record<
      string,
      { Status: string; Output: string }
    >;
    expect(checks[checkId]).toMatchObject({ Status: 'passing', Output: 'updated by test' });
  });

  it('when no update arrives within the TTL, then the check turns critical', async () => {
    const name = unique('expire');
    const checkId = `${name}-ttl`;
    await registerService(target, {
      name,
      check: { name: 'ttl', checkid: checkId, ttl: '2s', timeout: '' },
    });
    await target.client.agent.check.pass(checkId);
    expect(checkStatus(await healthOf(target, name), checkId)).toBe('passing');
    await eventually(
      () => healthOf(target, name),
      (e) => checkStatus(e, checkId) === 'critical',
      { timeoutMs: 10_000 },
    );
  });

  it('when a TTL update names an unknown check, then it is refused with 404', async () => {
    const res = await target.fetch(`/v1/agent/check/pass/${unique('nocheck')}`, { method: 'PUT' });
    expect(res.status).toBe(404);
  });

  it('when a standalone check is registered for a service, then it counts in the service health', async () => {
    const name = unique('standalone');
    await registerService(target, { name });
    const checkId = `${name}-extra`;
    target.onCleanup(() => target.client.agent.check.deregister(checkId));
    await target.client.agent.check.register({
      name: 'extra',
      id: checkId,
      serviceid: name,
      ttl: '30s',
      timeout: '',
    } as never);
    expect(checkStatus(await healthOf(target, name), checkId)).toBe('critical');
    await target.client.agent.check.deregister(checkId);
    expect(checkStatus(await healthOf(target, name), checkId)).toBeUndefined();
  });
});

describe('DeregisterCriticalServiceAfter', () => {
  it(
    'when a check stays critical longer than DeregisterCriticalServiceAfter, then the service is reaped',
    { timeout: 200_000 },
    async () => {
      const name = unique('reap');
      await registerService(target, {
        name,
        check: {
          name: 'ttl',
          checkid: `${name}-ttl`,
          ttl: '1s',
          deregistercriticalserviceafter: target.reap.after,
          timeout: '',
        },
      });
      expect(await healthOf(target, name)).toHaveLength(1);
      await eventually(
        () => healthOf(target, name),
        (e) => e.length === 0,
        { timeoutMs: target.reap.withinMs },
      );
      const services = (await target.client.agent.service.list()) as Record<string, unknown>;
      expect(services[name]).toBeUndefined();
    },
  );
});

describe('blocking health queries', () => {
  it('when a check changes while a watch blocks, then the watch wakes with the new state', async () => {
    const name = unique('watch');
    const checkId = `${name}-ttl`;
    await registerService(target, {
      name,
      check: { name: 'ttl', checkid: checkId, ttl: '30s', timeout: '' },
    });
    const watch = target.client.watch({
      method: target.client.health.service.bind(target.client.health),
      options: { service: name, passing: true, wait: '20s' } as never,
    });
    target.onCleanup(() => Promise.resolve(watch.end()));
    const changes: unknown[][] = [];
    let firstSeen: () => void = () => undefined;
    const first = new Promise<void>((resolve) => (firstSeen = resolve));
    let passSeen: () => void = () => undefined;
    const sawPassing = new Promise<void>((resolve) => (passSeen = resolve));
    watch.on('change', (data: unknown[]) => {
      changes.push(data);
      if (changes.length === 1) firstSeen();
      if (data.length === 1) passSeen();
    });
    watch.on('error', () => undefined);
    await first;
    expect(changes[0]).toEqual([]);
    const passedAt = Date.now();
    await target.client.agent.check.pass(checkId);
    await sawPassing;
    // The watch blocks for 20s; waking well before that proves the change woke it.
    expect(Date.now() - passedAt).toBeLessThan(5000);
  });

  it('when a health query blocks on the current index, then it holds for the wait and returns X-Consul-Index', async () => {
    const name = unique('hold');
    await registerService(target, { name });
    const first = await target.fetch(`/v1/health/service/${name}`);
    const index = first.headers.get('x-consul-index');
    expect(Number(index)).toBeGreaterThan(0);
    const started = Date.now();
    const held = await target.fetch(`/v1/health/service/${name}?index=${index}&wait=1s`);
    expect(held.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(held.headers.get('x-consul-index')).toBe(index);
  });
});
