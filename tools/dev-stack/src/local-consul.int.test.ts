import { createConsulClient } from '@flowstack/consul';
import { createLogger } from '@flowstack/observability';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startLocalConsul } from './local-consul.js';

describe('startLocalConsul', () => {
  it('when started, then the machine servers are passing services, the intentions exist, and services get the Consul switches', async () => {
    const logger = createLogger({ service: 'dev-stack-test', level: 'silent' });
    const consul = await startLocalConsul({ env: {}, logger });
    onTestFinished(() => consul.stop());
    const client = createConsulClient({ address: consul.url, logger });
    onTestFinished(() => client.close());

    const deadline = Date.now() + 15_000;
    let passing: string[] = [];
    while (Date.now() < deadline) {
      passing = [];
      for (const name of ['postgres', 'redis', 'rabbitmq']) {
        const instances = await client.healthyInstances(name);
        if (instances.length === 1) passing.push(name);
      }
      if (passing.length === 3) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(passing).toEqual(['postgres', 'redis', 'rabbitmq']);
    const intentions = await client.request('GET', '/v1/config/service-intentions/redis');
    expect(intentions.status).toBe(200);
    expect(consul.serviceEnv()).toMatchObject({
      CONSUL_HTTP_ADDR: consul.url,
      CONSUL_REGISTER: 'true',
      CONSUL_DISCOVERY: 'http',
      CONSUL_LIVE_CONFIG: 'true',
    });
  });
});
