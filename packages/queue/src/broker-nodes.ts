import { sameAddress, type AddressSource, type ServiceAddress } from '@flowstack/credentials';

/**
 * The nodes a connection may use and the one to try next. A failed attempt or a lost connection
 * moves on to the next node; a full round of failures is what the backoff counts, so one dead node
 * of three costs one attempt and not a pause.
 */
export class BrokerNodes {
  private index = 0;
  private failedInRound = 0;
  private rounds = 0;

  constructor(private readonly list: () => readonly ServiceAddress[]) {}

  /** Static nodes, a moving source (every healthy instance a candidate), or one host/port. */
  static from(options: {
    host: string;
    port: number;
    nodes?: readonly ServiceAddress[];
    address?: AddressSource;
  }): BrokerNodes {
    const source = options.address;
    if (source !== undefined) {
      return new BrokerNodes(() => source.candidates?.() ?? [source.current()]);
    }
    const nodes =
      options.nodes !== undefined && options.nodes.length > 0
        ? options.nodes.map(({ host, port }) => ({ host, port }))
        : [{ host: options.host, port: options.port }];
    return new BrokerNodes(() => nodes);
  }

  /** Every candidate now, for messages. */
  all(): readonly ServiceAddress[] {
    return this.list();
  }

  /** The node to try now. */
  current(): ServiceAddress {
    const nodes = this.list();
    return nodes[this.index % nodes.length] as ServiceAddress;
  }

  /** Whether `address` is one of the candidates now. */
  includes(address: ServiceAddress): boolean {
    return this.list().some((node) => sameAddress(node, address));
  }

  /**
   * Records a failed attempt on current() and moves to the next node. Returns the number of full
   * rounds failed so far when this failure completed one (time to back off), 0 otherwise.
   */
  failed(): number {
    this.index += 1;
    this.failedInRound += 1;
    if (this.failedInRound < this.list().length) return 0;
    this.failedInRound = 0;
    this.rounds += 1;
    return this.rounds;
  }

  /** A connection is up on current(). */
  connected(): void {
    this.failedInRound = 0;
    this.rounds = 0;
  }

  /** The connection on current() was lost: the next attempt goes to another node first. */
  lost(): void {
    this.index += 1;
  }
}
