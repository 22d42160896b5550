import { promises as dns } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { eventually } from '@flowstack/test-kit';
import { registerService, unique, useTarget } from './harness.js';

const target = useTarget();

function resolver(): dns.Resolver {
  const r = new dns.Resolver({ timeout: 2000, tries: 2 });
  r.setServers([`${target.dns!.host}:${target.dns!.port}`]);
  return r;
}

const lookup = async <T>(run: () => Promise<T[]>): Promise<T[] | 'NXDOMAIN'> => {
  try {
    return await run();
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOTFOUND') return 'NXDOMAIN';
    throw error;
  }
};

// A real agent's DNS is only tested when CONSUL_DNS_ADDR says where it is.
describe.skipIf(!process.env.CONSUL_DNS_ADDR && process.env.CONSUL_HTTP_ADDR)(
  'DNS interface',
  () => {
    async function instances() {
      const name = unique('dns');
      const checkOf = (id: string) => ({
        name: 'ttl',
        checkid: `${id}-ttl`,
        ttl: '60s',
        timeout: '',
      });
      for (const [id, address, port, tags] of [
        [`${name}-a`, '127.0.0.2', 7001, ['primary']],
        [`${name}-b`, '127.0.0.3', 7002, []],
        [`${name}-c`, '127.0.0.4', 7003, []],
      ] as const) {
        await registerService(target, {
          name,
          id,
          address,
          port,
          tags: [...tags],
          check: checkOf(id),
        });
      }
      await target.client.agent.check.pass(`${name}-a-ttl`);
      await target.client.agent.check.warn(`${name}-b-ttl`);
      // c stays critical
      return name;
    }

    it('when instances are passing, warning and critical, then SRV and A answers leave out only the critical one', async () => {
      const name = await instances();
      const r = resolver();
      const srv = await eventually(
        () => lookup(() => r.resolveSrv(`${name}.service.consul`)),
        (v) => v !== 'NXDOMAIN' && v.length === 2,
      );
      expect(srv !== 'NXDOMAIN' && srv.map((s) => s.port).sort()).toEqual([7001, 7002]);
      expect((await r.resolve4(`${name}.service.consul`)).sort()).toEqual([
        '127.0.0.2',
        '127.0.0.3',
      ]);
    });

    it('when a tag is asked, then only tagged healthy instances answer, in both name forms', async () => {
      const name = await instances();
      const r = resolver();
      expect(await r.resolve4(`primary.${name}.service.consul`)).toEqual(['127.0.0.2']);
      const srv = await r.resolveSrv(`_${name}._primary.service.consul`);
      expect(srv.map((s) => s.port)).toEqual([7001]);
    });

    it('when a healthy instance turns critical, then it drops out of DNS', async () => {
      const name = await instances();
      await target.client.agent.check.fail(`${name}-a-ttl`);
      const r = resolver();
      await eventually(
        () => lookup(() => r.resolve4(`${name}.service.consul`)),
        (v) => v !== 'NXDOMAIN' && v.length === 1 && v[0] === '127.0.0.3',
      );
    });

    it('when the service is unknown, then the answer is NXDOMAIN', async () => {
      expect(await lookup(() => resolver().resolve4(`${unique('none')}.service.consul`))).toBe(
        'NXDOMAIN',
      );
    });
  },
);
