export { createTestProduct, uniqueIdempotencyKey, orderRequestFor } from './factories.js';
export { testEnvironment, prepareTestDatabase } from './test-environment.js';
