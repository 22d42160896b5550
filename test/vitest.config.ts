import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    // The fault drills and the fuzzing have a config of their own (npm run test:chaos); the
    // drills' support code is tested here, without servers.
    exclude: ['**/node_modules/**', '**/dist/**', 'chaos/*.test.ts', 'chaos/cluster/**', 'fuzz/**'],
    // The suites start real processes and load them; side by side on two cores they starve each
    // other's timers. One file at a time keeps the timing assertions honest.
    fileParallelism: false,
    testTimeout: 30_000,
  },
});
