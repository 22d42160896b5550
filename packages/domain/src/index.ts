export {
  getProductBody,
  getProducts,
  listProducts,
  type CatalogDeps,
  type ProductPage,
} from './use-cases/catalog.js';
export { placeOrder, type PlaceOrderDeps, type PlacedOrder } from './use-cases/place-order.js';
export { storeOrder, type StoreOrderDeps } from './use-cases/store-order.js';
export { storeOrders, type StoredBatch } from './use-cases/store-orders.js';
export { getOrder, type GetOrderDeps } from './use-cases/get-order.js';
export { orderIdFor, fingerprintOf, ORDER_ID_SECRET_MIN_BYTES } from './use-cases/order-id.js';
export {
  createStoredFingerprints,
  type StoredFingerprints,
} from './data-access/stored-fingerprints.js';
export { cacheKeys } from './use-cases/cache-keys.js';
export {
  ORDER_CREATED,
  orderCreatedMessageSchema,
  publishOrderCreated,
  type OrderCreatedMessage,
} from './order-created.js';
export {
  placeOrderRequestSchema,
  idempotencyKeySchema,
  productIdSchema,
  orderIdSchema,
  type PlaceOrderRequest,
} from './use-cases/order-schemas.js';
export type {
  ProductView,
  OrderView,
  StoredOrderView,
  PendingOrderView,
} from './use-cases/order-views.js';
export { seedCatalog, SEED_PRODUCTS } from './data-access/catalog-seed.js';
export { upsertProducts } from './data-access/product-repository.js';
export { MIGRATIONS_DIR } from './migrations-dir.js';
export { migrateDatabase, type MigrateOptions } from './migrate-database.js';
export { maskEmail } from './use-cases/mask-email.js';
export { sealedEmailSchema } from './use-cases/order-schemas.js';
export {
  rewrapOrderEmails,
  transitVersionOf,
  type RewrapResult,
} from './use-cases/rewrap-emails.js';
