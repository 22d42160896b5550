import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** Fault drills and fuzzing: real processes and throwaway servers, one file at a time. */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['chaos/**/*.test.ts', 'fuzz/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    globalSetup: ['chaos/support/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
