import { AppError } from '@flowstack/errors';
import type { NewOrder } from '../data-access/order-repository.js';
import type { OrderCreatedMessage } from '../order-created.js';
import type { ProductView } from './order-views.js';

/**
 * Prices an accepted order from the catalog as it is now. Throws a 422 AppError (poison: no
 * retry can fix it) for an unknown product or mixed currencies.
 */
export function priceOrder(
  message: OrderCreatedMessage,
  catalog: ReadonlyMap<string, ProductView>,
): NewOrder {
  const items = message.items.map((item, index) => {
    const product = catalog.get(item.productId);
    if (product === undefined) {
      throw AppError.validation('The order names a product that does not exist.', [
        { path: `items/${index}/productId`, message: `unknown product ${item.productId}` },
      ]);
    }
    return { ...item, unitPriceCents: product.priceCents, currency: product.currency };
  });
  const currencies = new Set(items.map((item) => item.currency));
  if (currencies.size !== 1) {
    throw AppError.validation('The order mixes currencies.', [
      { path: 'items', message: [...currencies].join(',') },
    ]);
  }
  return {
    id: message.orderId,
    requestFingerprint: message.requestFingerprint,
    customerEmail: message.customerEmail,
    customerEmailMasked: message.customerEmailMasked,
    currency: items[0]!.currency,
    acceptedAt: message.acceptedAt,
    items: items.map(({ productId, quantity, unitPriceCents }) => ({
      productId,
      quantity,
      unitPriceCents,
    })),
  };
}
