import amqp from 'amqplib';
import {
  sameAddress,
  tlsConnectOptions,
  type Credentials,
  type ServiceAddress,
} from '@flowstack/credentials';
import type { Logger, QueueMetrics } from '@flowstack/observability';
import { backoffDelay, createWaker } from './backoff.js';
import { BrokerNodes } from './broker-nodes.js';
import { QueueConsumer, type ConsumerHost } from './consumer.js';
import type { Generation } from './generation.js';
import { ConfirmPublisher, type PublisherHost } from './publisher.js';
import {
  describeError,
  queueMisconfigured,
  queueUnavailable,
  topologyChanged,
} from './queue-errors.js';
import { deadLetterQueueName } from './topology.js';
import type {
  Consumer,
  ConsumerSpec,
  Publisher,
  PublisherOptions,
  QueueConnection,
  QueueConnectionOptions,
} from './types.js';

const DEFAULT_HEARTBEAT_SECONDS = 15;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_ROTATION_ATTEMPTS = 5;
/** How long a retiring or closing publisher channel waits for outstanding confirms. */
const PUBLISHER_DRAIN_MS = 10_000;

interface ConnectedWaiter {
  resolve(): void;
  reject(error: Error): void;
}

/**
 * Starts connecting in the background and never throws when the broker is down. The first
 * connection, reconnects and rotations each open a new generation and move publishers and
 * consumers onto it.
 */
export function createQueueConnection(options: QueueConnectionOptions): QueueConnection {
  const connection = new ManagedConnection(options);
  connection.start();
  return connection;
}

export class ManagedConnection implements QueueConnection, PublisherHost, ConsumerHost {
  current: Generation | undefined;
  readonly logger: Logger;
  readonly metrics: QueueMetrics;
  private closing = false;
  private closed: Promise<void> | undefined;
  private nextGenerationId = 1;
  private lastError: string | undefined;
  private connectLoop: Promise<void> | undefined;
  private rotation: Promise<void> = Promise.resolve();
  private latestRotation = 0;
  private unsubscribe: () => void = () => undefined;
  private unsubscribeMove: () => void = () => undefined;
  private address: ServiceAddress;
  private readonly nodes: BrokerNodes;
  private readonly waker = createWaker();
  private readonly waiters = new Set<ConnectedWaiter>();
  private readonly publishers = new Set<ConfirmPublisher>();
  private readonly consumers = new Set<QueueConsumer>();
  private readonly depthProbes = new Map<QueueConsumer, () => void>();

  constructor(private readonly options: QueueConnectionOptions) {
    this.logger = options.logger.child({ component: 'queue' });
    this.metrics = options.metrics;
    this.nodes = BrokerNodes.from(options);
    this.address = options.address?.current() ?? this.nodes.current();
  }

  get connected(): boolean {
    return this.current !== undefined && !this.current.closed;
  }

  start(): void {
    this.unsubscribe = this.options.credentials.onRotate((next) => this.rotate(next));
    const source = this.options.address;
    if (source !== undefined) {
      this.unsubscribeMove = source.onMove((next) => this.move(next));
      // A move between the constructor and subscribing is caught up here.
      void this.move(source.current());
    }
    this.ensureConnecting();
  }

  backoff(attempt: number): number {
    return backoffDelay(attempt, this.options.reconnect);
  }

  forget(consumer: QueueConsumer): void {
    this.consumers.delete(consumer);
    this.depthProbes.get(consumer)?.();
    this.depthProbes.delete(consumer);
  }

  /** Messages ready in `queue`, on a short-lived channel (a missing queue closes it). */
  private async readyCount(queue: string): Promise<number | undefined> {
    const generation = this.current;
    if (generation === undefined || generation.closed) return undefined;
    const channel = await generation.model.createChannel();
    channel.on('error', () => undefined);
    try {
      return (await channel.checkQueue(queue)).messageCount;
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  createPublisher(options: PublisherOptions): Publisher {
    const publisher = new ConfirmPublisher(this, options);
    this.publishers.add(publisher);
    if (this.current !== undefined) publisher.prepare(this.current);
    return publisher;
  }

  async consume(spec: ConsumerSpec): Promise<Consumer> {
    validateSpec(spec);
    if (this.closing) throw queueUnavailable('the queue connection is closed');
    const consumer = new QueueConsumer(this, spec);
    this.consumers.add(consumer);
    // Consumer lag and the dead letters waiting, read from the broker at each scrape.
    const untrack = [spec.queue, deadLetterQueueName(spec.queue)].map((queue) =>
      this.metrics.trackDepth(queue, () => this.readyCount(queue)),
    );
    this.depthProbes.set(consumer, () => untrack.forEach((stop) => stop()));
    const generation = this.current;
    if (generation === undefined) return consumer;
    try {
      await consumer.attach(generation);
    } catch (error) {
      // Lost the connection meanwhile: the consumer attaches on the next one.
      if (generation.closed) return consumer;
      await consumer.stop();
      throw (
        topologyChanged(spec.queue, error) ??
        queueMisconfigured(`cannot consume from ${spec.queue}: ${describeError(error)}`, error)
      );
    }
    return consumer;
  }

  ping(): Promise<void> {
    if (this.connected) return Promise.resolve();
    return Promise.reject(this.unavailable());
  }

  waitUntilConnected(timeoutMs: number): Promise<void> {
    if (this.connected) return Promise.resolve();
    if (this.closing) return Promise.reject(queueUnavailable('the queue connection is closed'));
    return new Promise<void>((resolve, reject) => {
      const waiter: ConnectedWaiter = {
        resolve: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          reject(error);
        },
      };
      const timer = setTimeout(() => waiter.reject(this.unavailable(timeoutMs)), timeoutMs);
      this.waiters.add(waiter);
    });
  }

  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    this.unsubscribe();
    this.unsubscribeMove();
    this.waker.wake();
    for (const waiter of [...this.waiters]) {
      waiter.reject(queueUnavailable('the queue connection is closed'));
    }
    await this.connectLoop;
    await this.rotation;
    await Promise.all([...this.consumers].map((consumer) => consumer.stop()));
    await Promise.all([...this.publishers].map((publisher) => publisher.close(PUBLISHER_DRAIN_MS)));
    const generation = this.current;
    this.current = undefined;
    if (generation !== undefined && !generation.closed) {
      await generation.model.close().catch(() => undefined);
    }
    this.logger.info('queue connection closed');
  }

  private unavailable(waitedMs?: number): Error {
    const where = `RabbitMQ at ${this.nodes
      .all()
      .map(({ host, port }) => `${host}:${port}`)
      .join(', ')}`;
    const waited =
      waitedMs === undefined ? 'is not connected' : `not reachable within ${waitedMs} ms`;
    const last = this.lastError === undefined ? '' : ` (${this.lastError})`;
    return queueUnavailable(`${where} ${waited}${last}`);
  }

  private ensureConnecting(): void {
    if (this.closing || this.connected || this.connectLoop !== undefined) return;
    this.connectLoop = this.runConnectLoop().finally(() => {
      this.connectLoop = undefined;
    });
  }

  private async runConnectLoop(): Promise<void> {
    // Loops again if a fresh connection dies while consumers attach (onClosed saw a loop running).
    let attempt = 0;
    while (!this.closing && !this.connected) {
      attempt += 1;
      this.address = this.nodes.current();
      try {
        const credentials = await this.options.credentials.current();
        const generation = await this.open(credentials);
        if (this.closing || this.connected) {
          await generation.model.close().catch(() => undefined);
          return;
        }
        this.logger.info(
          {
            attempt,
            generation: generation.id,
            credentials: credentials.generation,
            node: generation.address,
          },
          'connected to RabbitMQ',
        );
        this.nodes.connected();
        await this.install(generation);
        attempt = 0;
      } catch (error) {
        this.lastError = describeError(error);
        const failedRounds = this.nodes.failed();
        // Another node is tried at once; the backoff is per round of all nodes.
        const delayMs = failedRounds === 0 ? 0 : this.backoff(failedRounds);
        this.logger.warn(
          { attempt, node: this.address, delayMs, err: this.lastError },
          'RabbitMQ connection attempt failed; retrying',
        );
        if (delayMs > 0) await this.waker.sleep(delayMs);
      }
    }
  }

  private async open(credentials: Credentials): Promise<Generation> {
    const model = await amqp.connect(
      {
        protocol: this.options.tls === undefined ? 'amqp' : 'amqps',
        hostname: this.address.host,
        port: this.address.port,
        vhost: this.options.vhost,
        username: credentials.username,
        password: credentials.password,
        heartbeat: this.options.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS,
      },
      {
        timeout: this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        ...(this.options.tls === undefined ? {} : tlsConnectOptions(this.options.tls)),
        clientProperties:
          this.options.connectionName === undefined
            ? {}
            : { connection_name: this.options.connectionName },
      },
    );
    const generation: Generation = {
      id: this.nextGenerationId++,
      model,
      credentialsGeneration: credentials.generation,
      address: this.address,
      closed: false,
      retiring: false,
    };
    model.on('error', (error: unknown) => {
      this.logger.warn(
        { generation: generation.id, err: describeError(error) },
        'RabbitMQ connection error',
      );
    });
    model.on('blocked', (reason: unknown) => {
      this.logger.warn({ reason: String(reason) }, 'RabbitMQ blocked publishing (resource alarm)');
    });
    model.on('unblocked', () => this.logger.info('RabbitMQ unblocked publishing'));
    model.on('close', () => this.onClosed(generation));
    return generation;
  }

  /** Makes `generation` current: publishers switch to it, consumers start on it. */
  private async install(generation: Generation): Promise<void> {
    this.current = generation;
    this.lastError = undefined;
    for (const waiter of [...this.waiters]) waiter.resolve();
    for (const publisher of this.publishers) publisher.prepare(generation);
    await Promise.all(
      [...this.consumers].map((consumer) =>
        consumer.attach(generation).catch((error: unknown) => {
          this.logger.error(
            { queue: consumer.spec.queue, err: describeError(error) },
            'consumer could not attach',
          );
          consumer.scheduleReattach(generation);
        }),
      ),
    );
  }

  private onClosed(generation: Generation): void {
    generation.closed = true;
    if (this.current !== generation) return;
    this.current = undefined;
    if (this.closing) return;
    this.nodes.lost();
    this.logger.warn(
      { generation: generation.id, node: generation.address },
      'RabbitMQ connection lost; reconnecting',
    );
    this.ensureConnecting();
  }

  /**
   * Like a rotation with the same credentials: a connection to the new address takes over, the
   * old one drains (in-flight messages ack on their channel) and closes.
   */
  private move(next: ServiceAddress): Promise<void> {
    if (this.closing || sameAddress(next, this.address)) return Promise.resolve();
    // In a cluster any healthy node serves: stay on the current one while it is a candidate.
    const current = this.current;
    if (
      this.options.address?.candidates !== undefined &&
      current !== undefined &&
      !current.closed &&
      this.nodes.includes(current.address)
    ) {
      return Promise.resolve();
    }
    const from = this.address;
    this.address = { host: next.host, port: next.port };
    this.logger.info({ from, to: this.address }, 'RabbitMQ moved; reconnecting to the new address');
    const run = this.rotation.then(async () => {
      if (!sameAddress(next, this.address)) return;
      await this.switchTo(await this.options.credentials.current(), true);
    });
    this.rotation = run.catch(() => undefined);
    return run;
  }

  private rotate(next: Credentials): Promise<void> {
    this.latestRotation = Math.max(this.latestRotation, next.generation);
    const run = this.rotation.then(() => this.switchTo(next));
    this.rotation = run.catch(() => undefined);
    return run;
  }

  /**
   * Opens a connection as the new user, moves publishers and consumers onto it, then drains the
   * old consumers (their in-flight messages ack on the old channel) and closes the old connection.
   */
  private async switchTo(next: Credentials, moved = false): Promise<void> {
    // A move is done once the current connection is at the newest address.
    const superseded = (): boolean =>
      next.generation < this.latestRotation ||
      (moved && this.current !== undefined && sameAddress(this.current.address, this.address));
    if (this.closing || superseded()) return;
    const old = this.current;
    if (old === undefined) {
      // Disconnected: the connect loop asks the source for the newest credentials; try now.
      this.waker.wake();
      return;
    }
    const attempts = this.options.rotationAttempts ?? DEFAULT_ROTATION_ATTEMPTS;
    let generation: Generation | undefined;
    for (let attempt = 1; generation === undefined; attempt += 1) {
      try {
        generation = await this.open(next);
      } catch (error) {
        this.logger.warn(
          { attempt, credentials: next.generation, err: describeError(error) },
          'could not connect with rotated credentials',
        );
        if (attempt >= attempts) {
          this.logger.error('giving up on the rotated credentials; keeping the current connection');
          throw queueUnavailable('could not connect to RabbitMQ with rotated credentials', error);
        }
        await this.waker.sleep(this.backoff(attempt));
        if (this.closing || superseded() || old.closed) return;
      }
    }
    if (this.closing || this.current !== old) {
      if (!this.closing && this.current === undefined) {
        await this.install(generation);
        return;
      }
      await generation.model.close().catch(() => undefined);
      return;
    }
    this.logger.info(
      { from: old.credentialsGeneration, to: next.generation, generation: generation.id },
      'switching RabbitMQ connection to rotated credentials',
    );
    await this.install(generation);
    await this.retire(old);
  }

  private async retire(generation: Generation): Promise<void> {
    generation.retiring = true;
    await Promise.all([...this.consumers].map((consumer) => consumer.detach(generation)));
    await Promise.all(
      [...this.publishers].map((publisher) => publisher.retire(generation, PUBLISHER_DRAIN_MS)),
    );
    if (!generation.closed) await generation.model.close().catch(() => undefined);
    this.logger.info({ generation: generation.id }, 'retired the previous RabbitMQ connection');
  }
}

function validateSpec(spec: ConsumerSpec): void {
  const problems: string[] = [];
  if (spec.queue.trim() === '') problems.push('queue is empty');
  if (spec.exchange.trim() === '') problems.push('exchange is empty');
  if (!Number.isInteger(spec.prefetch) || spec.prefetch < 1) problems.push('prefetch must be >= 1');
  if (!Number.isInteger(spec.maxAttempts) || spec.maxAttempts < 1) {
    problems.push('maxAttempts must be >= 1');
  }
  if (spec.retryDelaysMs.some((delay) => !Number.isInteger(delay) || delay < 0)) {
    problems.push('retryDelaysMs must be non-negative integers');
  }
  if (
    spec.deliveryLimit !== undefined &&
    (!Number.isInteger(spec.deliveryLimit) || spec.deliveryLimit < 1)
  ) {
    problems.push('deliveryLimit must be >= 1');
  }
  if (spec.batch !== undefined) {
    const { maxMessages, maxWaitMs = 0 } = spec.batch;
    if (!Number.isInteger(maxMessages) || maxMessages < 1) {
      problems.push('batch.maxMessages must be >= 1');
    }
    if (!Number.isInteger(maxWaitMs) || maxWaitMs < 0) {
      problems.push('batch.maxWaitMs must be >= 0');
    }
  }
  if (problems.length > 0) {
    throw queueMisconfigured(`invalid consumer spec for ${spec.queue}: ${problems.join('; ')}`);
  }
}
