import type { ServiceAddress } from '@flowstack/credentials';
import type { ChannelModel } from 'amqplib';

/**
 * One AMQP connection opened with one set of credentials. A rotation or a reconnect makes a new
 * generation; channels (publisher lanes, consumer attachments) belong to exactly one.
 */
export interface Generation {
  readonly id: number;
  readonly model: ChannelModel;
  readonly credentialsGeneration: number;
  /** Where this connection went; a move opens a new generation at the new address. */
  readonly address: ServiceAddress;
  /** Set when the connection closed, for whatever reason. */
  closed: boolean;
  /** Set while a rotation drains it; nothing new is started on it. */
  retiring: boolean;
}

/** Resolves when `promise` settles or after `ms`, whichever comes first; never rejects. */
export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
