import { z } from 'zod';
import { AppError, type ValidationIssue } from '@flowstack/errors';

export const productIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lowercase letters, digits and dashes');

export const orderIdSchema = z.uuid();

/** Printable ASCII, as the Idempotency-Key draft (and Stripe) accept; a UUID is recommended. */
export const idempotencyKeySchema = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(255, 'must be at most 255 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

export const orderItemSchema = z.strictObject({
  productId: productIdSchema,
  quantity: z.number().int().min(1).max(1000),
});

export const placeOrderRequestSchema = z.strictObject({
  customerEmail: z.email().max(254),
  items: z.array(orderItemSchema).min(1).max(50),
});
export type PlaceOrderRequest = z.infer<typeof placeOrderRequestSchema>;

/**
 * The e-mail as it travels: sealed (`vault:vN:`, `envelope:v1:`, `local:v1:`, `plain:`). A bare
 * address comes from a publisher that does not seal yet; it is marked `plain:` on arrival.
 */
export const sealedEmailSchema = z.union([
  z
    .string()
    .max(4096)
    .regex(/^(vault:v\d+:|envelope:v1:|local:v1:|plain:)/),
  z
    .email()
    .max(254)
    .transform((email) => `plain:${email}`),
]);

/** Parses or throws a 422 AppError listing every issue by path (never echoing values). */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues: ValidationIssue[] = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('/') || '(body)',
    message: issue.message,
  }));
  throw AppError.validation(`${what} is invalid.`, issues);
}
