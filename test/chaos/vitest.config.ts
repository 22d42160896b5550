import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Fault drills and fuzzing: real processes and throwaway servers, one file at a time. The drills
 * on a three-node RabbitMQ cluster are a project of their own, so only they start the cluster,
 * and they run after the others (groupOrder), never beside them on the same cores.
 */
export default defineConfig({
  test: {
    root,
    exclude: ['**/node_modules/**', '**/dist/**'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'drills',
          include: ['chaos/**/*.test.ts', 'fuzz/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/dist/**', 'chaos/cluster/**', 'chaos/support/**'],
          globalSetup: ['chaos/support/global-setup.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'cluster',
          include: ['chaos/cluster/**/*.test.ts'],
          globalSetup: ['chaos/support/cluster-setup.ts'],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
