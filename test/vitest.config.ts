import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    // The fault drills and the fuzzing have a config of their own (npm run test:chaos).
    exclude: ['**/node_modules/**', '**/dist/**', 'chaos/**', 'fuzz/**'],
    testTimeout: 30_000,
  },
});
