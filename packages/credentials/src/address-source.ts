/** Where a server listens. */
export interface ServiceAddress {
  readonly host: string;
  readonly port: number;
}

export type MoveListener = (next: ServiceAddress) => void | Promise<void>;

/**
 * The seam between discovery and clients, the twin of CredentialSource: a client asks for the
 * current address when it connects and subscribes to moves; it never knows whether the address
 * is static or discovered (Consul health queries or DNS).
 */
export interface AddressSource {
  /** Where the address comes from, for logs: "static", "consul:redis". */
  readonly description: string;
  current(): ServiceAddress;
  /**
   * Every address that serves the dependency right now (a cluster's healthy nodes), current()
   * first. Absent when there is only ever one.
   */
  candidates?(): ServiceAddress[];
  /** Calls the listener with each new address. Returns an unsubscribe function. */
  onMove(listener: MoveListener): () => void;
}

export interface ManualAddressSource extends AddressSource {
  /** Moves to `next` and waits for every listener. */
  move(next: ServiceAddress): Promise<void>;
}

export function sameAddress(a: ServiceAddress, b: ServiceAddress): boolean {
  return a.host === b.host && a.port === b.port;
}

/** An address moved by hand: tests, and the base of discovered sources. */
export function createManualAddressSource(
  initial: ServiceAddress,
  description = 'manual',
): ManualAddressSource {
  let address: ServiceAddress = { host: initial.host, port: initial.port };
  const listeners = new Set<MoveListener>();
  return {
    description,
    current: () => address,
    onMove(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async move(next) {
      if (sameAddress(next, address)) return;
      address = { host: next.host, port: next.port };
      await Promise.allSettled([...listeners].map(async (listener) => listener(address)));
    },
  };
}
