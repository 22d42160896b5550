import type { Publisher } from '@flowstack/queue';
import { z } from 'zod';
import { orderIdSchema, orderItemSchema, sealedEmailSchema } from './use-cases/order-schemas.js';

/**
 * The `order.created` contract between the api (publisher) and the worker (consumer): the routing
 * key, the message schema, and the one typed way to publish it.
 */
export const ORDER_CREATED = 'order.created';

/** The `order.created` message. `version` lets a later worker refuse a shape it does not know. */
export const orderCreatedMessageSchema = z.strictObject({
  version: z.literal(1),
  orderId: orderIdSchema,
  requestFingerprint: z.string().min(1).max(128),
  customerEmail: sealedEmailSchema,
  /** a***@example.com, for display without decrypting. */
  customerEmailMasked: z.string().max(254).optional(),
  items: z.array(orderItemSchema).min(1).max(50),
  acceptedAt: z.iso.datetime(),
});
export type OrderCreatedMessage = z.infer<typeof orderCreatedMessageSchema>;

/** Resolves once the broker confirmed the message (see `Publisher.publish`). */
export function publishOrderCreated(
  publisher: Publisher,
  message: OrderCreatedMessage,
): Promise<void> {
  return publisher.publish(ORDER_CREATED, message, { messageId: message.orderId });
}
