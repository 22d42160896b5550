import { ORDER_CREATED, storeOrder, storeOrders, type StoreOrderDeps } from '@flowstack/domain';
import type { Consumer, QueueConnection, QueueType } from '@flowstack/queue';

export interface OrderConsumerOptions {
  exchange: string;
  queue: string;
  queueType: QueueType;
  prefetch: number;
  /** Orders per transaction; 1 turns batching off. */
  batchSize: number;
  maxAttempts: number;
  retryDelaysMs: number[];
}

/**
 * Stores each `order.created` exactly once. The ack follows the commit; a 4xx AppError (invalid
 * message, unknown product) is poison and goes straight to the dead-letter queue; anything else
 * (PostgreSQL down, a deadlock) is retried with backoff. Deliveries that arrive together are
 * stored in one transaction per batch; a batch that fails is stored message by message, so only
 * the poison is dead-lettered.
 */
export function consumeOrderCreated(
  connection: QueueConnection,
  deps: StoreOrderDeps,
  options: OrderConsumerOptions,
): Promise<Consumer> {
  return connection.consume({
    queue: options.queue,
    exchange: options.exchange,
    queueType: options.queueType,
    routingKeys: [ORDER_CREATED],
    prefetch: options.prefetch,
    maxAttempts: options.maxAttempts,
    retryDelaysMs: options.retryDelaysMs,
    handle: async (message) => {
      await storeOrder(deps, message.body);
    },
    batch:
      options.batchSize > 1
        ? {
            // Half the prefetch window: the broker fills the next batch while this one commits.
            maxMessages: Math.min(options.batchSize, Math.max(1, Math.floor(options.prefetch / 2))),
            handle: async (messages) => {
              await storeOrders(
                deps,
                messages.map((message) => message.body),
              );
            },
          }
        : undefined,
  });
}
