import type { Delivery } from './delivery.js';
import type { BatchSpec } from './types.js';

/**
 * Gathers deliveries into batches of at most `maxMessages`; a partial batch goes after
 * `maxWaitMs`, or with 0 after the current I/O turn, so every delivery of one socket read joins.
 */
export class BatchGatherer {
  private readonly pending: Delivery[] = [];
  private timer:
    | { kind: 'immediate'; handle: NodeJS.Immediate }
    | { kind: 'timeout'; handle: NodeJS.Timeout }
    | undefined;

  constructor(
    private readonly spec: Pick<BatchSpec, 'maxMessages' | 'maxWaitMs'>,
    private readonly handOver: (batch: Delivery[]) => void,
  ) {}

  add(delivery: Delivery): void {
    this.pending.push(delivery);
    if (this.pending.length >= this.spec.maxMessages) this.flush();
    else this.schedule(this.spec.maxWaitMs ?? 0);
  }

  /** Hands over whatever is gathered now. */
  flush(): void {
    this.cancel();
    const batch = this.pending.splice(0);
    if (batch.length > 0) this.handOver(batch);
  }

  /** The channel closed: the partial batch returns to the queue with it. */
  drop(): void {
    this.cancel();
    this.pending.length = 0;
  }

  private schedule(waitMs: number): void {
    if (this.timer !== undefined) return;
    const flush = () => {
      this.timer = undefined;
      this.flush();
    };
    this.timer =
      waitMs === 0
        ? { kind: 'immediate', handle: setImmediate(flush) }
        : { kind: 'timeout', handle: setTimeout(flush, waitMs) };
  }

  private cancel(): void {
    const timer = this.timer;
    this.timer = undefined;
    if (timer?.kind === 'immediate') clearImmediate(timer.handle);
    if (timer?.kind === 'timeout') clearTimeout(timer.handle);
  }
}
