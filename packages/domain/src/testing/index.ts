export { createTestProduct, uniqueIdempotencyKey, orderRequestFor } from './factories.js';
export { testEnvironment, prepareTestDatabase, openTestDatabase } from './test-environment.js';
