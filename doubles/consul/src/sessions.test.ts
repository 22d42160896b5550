import { afterEach, describe, expect, it, vi } from 'vitest';
import { Catalog } from './catalog.js';
import { ChangeIndex } from './change-index.js';
import { KvStore } from './kv-store.js';
import { type SessionInput, SessionStore } from './sessions.js';

afterEach(() => {
  vi.useRealTimers();
});

function harness() {
  let now = 1_000_000;
  const changes = new ChangeIndex();
  const catalog = new Catalog(changes, { nodeName: 'n', nodeAddress: '127.0.0.1' });
  const kv = new KvStore(changes);
  const sessions = new SessionStore(changes, catalog, kv, () => now);
  const input = (extra: Partial<SessionInput> = {}): SessionInput => ({
    name: '',
    node: 'n',
    lockDelayMs: 15_000,
    behavior: 'release',
    ttl: '',
    ttlMs: 0,
    nodeChecks: ['serfHealth'],
    serviceChecks: [],
    ...extra,
  });
  const lock = (key: string, session: string) =>
    kv.lock(key, Buffer.from(session), { session, now });
  return {
    catalog,
    kv,
    sessions,
    input,
    lock,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('SessionStore', () => {
  it('when a TTL session is not renewed for twice its TTL, then it is destroyed and its lock released', () => {
    vi.useFakeTimers();
    const { sessions, kv, input, lock } = harness();
    const session = sessions.create(input({ ttl: '10s', ttlMs: 10_000 }));
    expect(lock('leader', session.id)).toBe(true);
    vi.advanceTimersByTime(15_000);
    expect(sessions.renew(session.id)).toBeDefined();
    vi.advanceTimersByTime(19_999);
    expect(sessions.get(session.id)).toBeDefined();
    vi.advanceTimersByTime(1);
    expect(sessions.get(session.id)).toBeUndefined();
    expect(kv.get('leader')?.session).toBeUndefined();
    sessions.stop();
  });

  it('when a check the session depends on turns critical, then the session is invalidated', () => {
    const { sessions, catalog, kv, input, lock } = harness();
    catalog.registerCheck({
      checkId: 'guard',
      name: 'guard',
      notes: '',
      status: 'passing',
      definition: {
        type: 'ttl',
        ttlMs: 60_000,
        text: { interval: '', timeout: '', ttl: '60s', deregisterCriticalServiceAfter: '' },
      },
    });
    const session = sessions.create(
      input({ nodeChecks: ['serfHealth', 'guard'], behavior: 'delete' }),
    );
    expect(lock('eph', session.id)).toBe(true);
    catalog.setCheckStatus('guard', 'critical', 'TTL expired');
    expect(sessions.get(session.id)).toBeUndefined();
    expect(kv.get('eph')).toBeUndefined();
    sessions.stop();
  });

  it('when a session is created on a critical or missing check, then it is refused with Consul’s error', () => {
    const { sessions, input } = harness();
    expect(() => sessions.create(input({ nodeChecks: ['nope'] }))).toThrow(
      "Missing check 'nope' registration",
    );
    expect(() => sessions.create(input({ ttl: '5s', ttlMs: 5_000 }))).toThrow(
      'Invalid Session TTL',
    );
    sessions.stop();
  });

  it('when the lock delay has passed, then another session may acquire the released key', () => {
    const { sessions, input, lock, advance } = harness();
    const first = sessions.create(input());
    const second = sessions.create(input());
    expect(lock('k', first.id)).toBe(true);
    sessions.destroy(first.id);
    expect(lock('k', second.id)).toBe(false);
    advance(15_001);
    expect(lock('k', second.id)).toBe(true);
    sessions.stop();
  });
});
