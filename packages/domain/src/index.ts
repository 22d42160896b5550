export { getProduct, listProducts, type CatalogDeps, type ProductPage } from './domain/catalog.js';
export { placeOrder, type PlaceOrderDeps, type PlacedOrder } from './domain/place-order.js';
export { storeOrder, type StoreOrderDeps } from './domain/store-order.js';
export { storeOrders, type StoredBatch } from './domain/store-orders.js';
export { getOrder, type GetOrderDeps } from './domain/get-order.js';
export { orderIdFor, fingerprintOf } from './domain/order-id.js';
export { cacheKeys, ORDER_CREATED } from './domain/cache-keys.js';
export {
  placeOrderRequestSchema,
  orderCreatedMessageSchema,
  idempotencyKeySchema,
  type PlaceOrderRequest,
  type OrderCreatedMessage,
} from './domain/order-schemas.js';
export type {
  ProductView,
  OrderView,
  StoredOrderView,
  PendingOrderView,
} from './domain/order-views.js';
export { seedCatalog, SEED_PRODUCTS } from './data-access/catalog-seed.js';
export { upsertProducts } from './data-access/product-repository.js';
export { MIGRATIONS_DIR } from './migrations-dir.js';
export { migrateDatabase, type MigrateOptions } from './migrate-database.js';
export { maskEmail } from './domain/mask-email.js';
export { sealedEmailSchema } from './domain/order-schemas.js';
export { rewrapOrderEmails, transitVersionOf, type RewrapResult } from './domain/rewrap-emails.js';
