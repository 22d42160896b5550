import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    // The copy tests build, typecheck and lint a whole copy of the repository.
    hookTimeout: 900_000,
  },
});
