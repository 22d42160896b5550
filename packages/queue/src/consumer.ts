import { EventEmitter } from 'node:events';
import type { Logger, QueueMetrics } from '@flowstack/observability';
import { Attachment } from './consumer-attachment.js';
import type { Generation } from './generation.js';
import { describeError } from './queue-errors.js';
import type { Consumer, ConsumerSpec, SettledEvent } from './types.js';

export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;

export interface ConsumerHost {
  readonly current: Generation | undefined;
  readonly logger: Logger;
  readonly metrics: QueueMetrics;
  backoff(attempt: number): number;
  forget(consumer: QueueConsumer): void;
}

/** A consumer that follows the connection across reconnects and credential rotations. */
export class QueueConsumer extends EventEmitter<{ settled: [SettledEvent] }> implements Consumer {
  private readonly attachments = new Map<Generation, Attachment>();
  private readonly logger: Logger;
  private stopped = false;
  private failures = 0;
  private reattachTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly host: ConsumerHost,
    readonly spec: ConsumerSpec,
  ) {
    super();
    this.logger = host.logger.child({ queue: spec.queue });
  }

  /** Starts consuming on `generation`; resolves once the broker delivers to us. */
  attach(generation: Generation): Promise<void> {
    if (this.stopped || generation.closed || generation.retiring) return Promise.resolve();
    const existing = this.attachments.get(generation);
    if (existing !== undefined) return existing.started;
    const attachment = new Attachment(
      generation,
      this.spec,
      this.host,
      this.logger,
      (lost) => this.onLost(lost),
      (event) => this.emit('settled', event),
    );
    this.attachments.set(generation, attachment);
    attachment.started = attachment.start().then(
      () => {
        this.failures = 0;
      },
      async (error: unknown) => {
        if (this.attachments.get(generation) === attachment) this.attachments.delete(generation);
        await attachment.abandon();
        throw error;
      },
    );
    return attachment.started;
  }

  async detach(generation: Generation): Promise<void> {
    const attachment = this.attachments.get(generation);
    if (attachment === undefined) return;
    await attachment.stop(this.drainTimeoutMs);
    if (this.attachments.get(generation) === attachment) this.attachments.delete(generation);
  }

  /** After a channel error on a healthy connection: try again later, with backoff. */
  scheduleReattach(generation: Generation): void {
    if (this.reattachTimer !== undefined || !this.mayAttach(generation)) return;
    this.failures += 1;
    const delay = this.host.backoff(this.failures);
    this.logger.warn({ delayMs: delay }, 'consumer channel lost; re-attaching');
    this.reattachTimer = setTimeout(() => {
      this.reattachTimer = undefined;
      if (!this.mayAttach(generation)) return;
      this.attach(generation).catch((error: unknown) => {
        this.logger.error({ err: describeError(error) }, 'consumer could not re-attach');
        this.scheduleReattach(generation);
      });
    }, delay);
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private async stopAll(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reattachTimer);
    this.reattachTimer = undefined;
    await Promise.all([...this.attachments.keys()].map((generation) => this.detach(generation)));
    this.host.forget(this);
  }

  private get drainTimeoutMs(): number {
    return this.spec.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  }

  private mayAttach(generation: Generation): boolean {
    return (
      !this.stopped &&
      !generation.closed &&
      !generation.retiring &&
      this.host.current === generation
    );
  }

  private onLost(attachment: Attachment): void {
    if (this.attachments.get(attachment.generation) === attachment) {
      this.attachments.delete(attachment.generation);
    }
    // A lost connection is handled by the connection (it re-attaches every consumer).
    queueMicrotask(() => this.scheduleReattach(attachment.generation));
  }
}
