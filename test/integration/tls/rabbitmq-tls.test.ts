import { createStaticCredentialSource } from '@flowstack/credentials';
import { createLogger, createMetrics } from '@flowstack/observability';
import { createQueueConnection } from '@flowstack/queue';
import { waitFor } from '@flowstack/test-kit';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startRogueTlsListener } from './rogue-endpoints.js';
import { startTlsRabbit, type TlsRabbit } from './tls-rabbitmq.js';
import { rogueCertificates, startTestPki, type TestPki } from './vault-pki.js';

const logger = createLogger({ service: 'tls-test', level: 'silent' });
const NAME = 'rabbitmq.service.consul';

let pki: TestPki;
let broker: TlsRabbit;
let issuingCa: string;
beforeAll(async () => {
  pki = await startTestPki();
  const server = await pki.issue(NAME);
  issuingCa = server.issuingCa;
  broker = await startTlsRabbit(server);
}, 180_000);
afterAll(async () => {
  await broker?.stop();
  await pki?.stop();
});

function connect(port: number, serverName = NAME, username = 'guest', password = 'guest') {
  const connection = createQueueConnection({
    host: '127.0.0.1',
    port,
    vhost: '/',
    credentials: createStaticCredentialSource({ username, password }),
    logger,
    metrics: createMetrics({ service: 'tls-test', defaultMetrics: false }).queue,
    reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    connectTimeoutMs: 5_000,
    tls: { ca: issuingCa, serverName },
  });
  onTestFinished(() => connection.close());
  return connection;
}

describe('RabbitMQ over TLS (AMQPS)', () => {
  it('when the broker presents the certificate issued for its name, then the queue door connects over AMQPS', async () => {
    const connection = connect(broker.port);
    await connection.waitUntilConnected(15_000);
    await connection.ping();
  });

  it('when the door expects another name, then it never connects', async () => {
    const connection = connect(broker.port, 'redis.service.consul');
    await expect(connection.waitUntilConnected(2_000)).rejects.toThrow();
  });

  it.each(rogueCertificates(() => pki, NAME, 'redis.service.consul', onTestFinished))(
    'when a rogue endpoint presents %s, then the queue door sends it nothing, so no login',
    async (_what, certificateOf) => {
      const rogue = await startRogueTlsListener(await certificateOf());
      onTestFinished(() => rogue.close());
      const connection = connect(rogue.port, NAME, 'u', 'never-sent');
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
