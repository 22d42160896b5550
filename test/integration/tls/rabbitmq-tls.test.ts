import { createStaticCredentialSource } from '@flowstack/credentials';
import { createLogger, createMetrics } from '@flowstack/observability';
import { createQueueConnection } from '@flowstack/queue';
import { waitFor } from '@flowstack/test-kit';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startRogueTlsListener } from './rogue-endpoints.js';
import { rogueCertificates, startTestPki, type TestPki } from './vault-pki.js';

const logger = createLogger({ service: 'tls-test', level: 'silent' });
const NAME = 'rabbitmq.service.consul';

let pki: TestPki;
beforeAll(async () => {
  pki = await startTestPki();
});
afterAll(async () => {
  await pki?.stop();
});

describe('RabbitMQ over TLS (AMQPS)', () => {
  it.each(rogueCertificates(() => pki, NAME, 'redis.service.consul', onTestFinished))(
    'when a rogue endpoint presents %s, then the queue door sends it nothing, so no login',
    async (_what, certificateOf) => {
      const rogue = await startRogueTlsListener(await certificateOf());
      onTestFinished(() => rogue.close());
      const issuingCa = (await pki.issue(NAME)).issuingCa;
      const connection = createQueueConnection({
        host: '127.0.0.1',
        port: rogue.port,
        vhost: '/',
        credentials: createStaticCredentialSource({ username: 'u', password: 'never-sent' }),
        logger,
        metrics: createMetrics({ service: 'tls-test', defaultMetrics: false }).queue,
        reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
        connectTimeoutMs: 2_000,
        tls: { ca: issuingCa, serverName: NAME },
      });
      onTestFinished(() => connection.close());
      await expect(connection.waitUntilConnected(1_500)).rejects.toThrow();
      // Not even the AMQP protocol header went into the session, let alone the PLAIN login.
      expect(rogue.received().length).toBe(0);

      // Control: a client that does not verify starts talking AMQP to the rogue at once.
      const careless = amqp.connect(
        { protocol: 'amqps', hostname: '127.0.0.1', port: rogue.port },
        { rejectUnauthorized: false, timeout: 2_000 },
      );
      careless.catch(() => undefined);
      await waitFor(() => rogue.received().subarray(0, 4).toString() === 'AMQP', 'AMQP header');
    },
  );
});
