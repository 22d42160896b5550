/**
 * Consul's Raft index, reduced to one process: a counter that moves forward on every write, and
 * the notification blocking queries wait on. Listeners run synchronously after a write so a
 * waiting query answers in the same turn of the event loop.
 */
export class ChangeIndex {
  private value: number;
  private readonly listeners = new Set<() => void>();

  constructor(start = 1) {
    this.value = start;
  }

  get current(): number {
    return this.value;
  }

  /** Claims the next index for a write. Call notify() once the write is visible. */
  next(): number {
    this.value += 1;
    return this.value;
  }

  notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
