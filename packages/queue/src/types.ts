import type { AddressSource, CredentialSource, ServiceAddress } from '@flowstack/credentials';
import type { Logger, QueueMetrics } from '@flowstack/observability';

/**
 * `quorum`: replicated on a majority of the cluster's nodes (Raft), the default. `classic`: one
 * node's queue, for a broker without quorum queues or a deployment not migrated yet.
 */
export type QueueType = 'quorum' | 'classic';

export interface QueueConnectionOptions {
  host: string;
  port: number;
  /**
   * The nodes of a RabbitMQ cluster; when set (non-empty) it replaces host/port. Connecting tries
   * them in turn: a failed attempt or a lost connection moves to the next node, and the backoff
   * grows once per full round, so a dead node costs one attempt, not a backoff.
   */
  nodes?: readonly ServiceAddress[];
  vhost: string;
  credentials: CredentialSource;
  /**
   * Set when the broker can move (discovered through Consul): its current address wins over
   * host/port; on a move a connection to the new address takes over and the old one drains.
   */
  address?: AddressSource;
  logger: Logger;
  metrics: QueueMetrics;
  /** AMQP heartbeat; a dead peer is noticed after about two of these. Default 15. */
  heartbeatSeconds?: number;
  /** Exponential backoff with jitter between connection attempts, forever. */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  /** Shows in the RabbitMQ management UI (`client_properties.connection_name`). */
  connectionName?: string;
  /** TCP + AMQP handshake timeout of one connection attempt. Default 10000. */
  connectTimeoutMs?: number;
  /** Attempts to open a connection with rotated credentials before keeping the old one. Default 5. */
  rotationAttempts?: number;
}

export interface QueueConnection {
  createPublisher(options: PublisherOptions): Publisher;
  consume(spec: ConsumerSpec): Promise<Consumer>;
  /** Resolves when connected now; rejects (503 AppError 'queue-unavailable') otherwise. For readiness. */
  ping(): Promise<void>;
  readonly connected: boolean;
  /** Waits until the first connection is up or rejects after timeoutMs (startup fail-fast). */
  waitUntilConnected(timeoutMs: number): Promise<void>;
  /** Stops consumers (in-flight handlers finish and ack), closes channels and the connection; no reconnect after. */
  close(): Promise<void>;
}

export interface PublisherOptions {
  exchange: string;
  /** Default for PublishOptions.timeoutMs. Default 5000. */
  confirmTimeoutMs?: number;
  /**
   * Declare the exchange (durable topic) when the publisher's channel opens. Default true; turn
   * off for users without configure permission (the exchange must then exist).
   */
  assertExchange?: boolean;
}

export interface PublishOptions {
  messageId: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface Publisher {
  /**
   * Resolves only after the broker confirmed the message (persistent, mandatory). Rejects with a
   * 503 AppError (code 'queue-unavailable', retryAfterSeconds set) when not connected, nacked,
   * returned unroutable or not confirmed in time. Waits for 'drain' when the channel pushes back.
   * Never buffers messages while disconnected.
   */
  publish(routingKey: string, body: unknown, options: PublishOptions): Promise<void>;
}

export interface ConsumedMessage {
  body: unknown;
  messageId: string;
  /** 1 for the first delivery; counts handler failures, not redeliveries after a lost connection. */
  attempt: number;
  /** The routing key the message was first published with (kept across retries). */
  routingKey: string;
  /** The publisher's headers, without the package's own `x-flowstack-*` and broker `x-death` headers. */
  headers: Record<string, unknown>;
  redelivered: boolean;
}

export type FailureAction = 'retry' | 'dead-letter';

export interface ConsumerSpec {
  /** Durable queue, bound to `exchange` with `routingKeys`. */
  queue: string;
  /** Durable topic exchange (asserted). */
  exchange: string;
  /**
   * Type of the main, retry and dead-letter queues. Default 'quorum'. A queue that exists with the
   * other type is not changed (the broker cannot): consume() fails naming the migration.
   */
  queueType?: QueueType;
  /**
   * Quorum only: deliveries of one message that end unsettled (consumer died, drain timed out,
   * connection lost) before the broker dead-letters it (`x-delivery-limit`). Default 20.
   */
  deliveryLimit?: number;
  routingKeys: string[];
  prefetch: number;
  /** After this many failed attempts the message is dead-lettered. */
  maxAttempts: number;
  /** Delay before attempt 2, 3, ...; the last value repeats. Empty: retry at once. */
  retryDelaysMs: number[];
  /** Resolve = ack after it returns. */
  handle(message: ConsumedMessage): Promise<void>;
  /** Default: AppError with status < 500 -> 'dead-letter' (poison), anything else -> 'retry'. */
  classifyFailure?(error: unknown): FailureAction;
  /** How long stop()/close()/rotation wait for in-flight handlers. Default 30000. */
  drainTimeoutMs?: number;
  /**
   * Batch mode: deliveries are gathered (up to `maxMessages`, or whatever arrived by the time the
   * flush runs) and handed to `batch.handle` together; every message of the batch is acked after it
   * resolves. When it rejects, the batch's messages go through `handle` one by one with the usual
   * retry and dead-letter rules, so one poison message does not hold back the others.
   */
  batch?: BatchSpec;
}

export interface BatchSpec {
  /** Upper bound of one batch; keep `prefetch` at least twice this so the next batch fills meanwhile. */
  maxMessages: number;
  /** How long a partial batch waits for more deliveries. Default 0: flush after the current I/O turn. */
  maxWaitMs?: number;
  /** Resolve = ack every message of the batch. The messages are JSON-decoded already. */
  handle(messages: ConsumedMessage[]): Promise<void>;
}

/**
 * How one delivery ended: acked, sent to a retry queue, dead-lettered, or left to the broker to
 * redeliver (the channel closed before the ack). Emitted once per delivery, after the broker was
 * told, so a test can await the outcome instead of polling a queue.
 */
export interface SettledEvent {
  queue: string;
  messageId: string;
  outcome: 'ack' | 'retry' | 'dead-letter' | 'requeue';
}

export interface Consumer {
  /** Cancels, lets in-flight handlers finish and settle (bounded by drainTimeoutMs). */
  stop(): Promise<void>;
  on(event: 'settled', listener: (event: SettledEvent) => void): this;
  off(event: 'settled', listener: (event: SettledEvent) => void): this;
}
