import { readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// `npm run test:unit`: the tests beside the code that need no server, every workspace in one
// vitest run. A test that needs PostgreSQL, Redis or RabbitMQ is named `*.int.test.ts` and runs
// with its workspace's own config under `npm test` (CONTRIBUTING.md, "Test tiers").
const roots = ['services', 'packages', 'doubles', 'tools']
  .flatMap((kind) => readdirSync(kind).map((name) => `${kind}/${name}`))
  .concat(['infra/vault', 'infra/consul']);

export default defineConfig({
  test: {
    projects: roots.map((root) => ({
      test: {
        name: root,
        root,
        include: ['src/**/*.test.ts'],
        exclude: ['**/*.int.test.ts', '**/node_modules/**', '**/dist/**'],
        // The workspaces' own bound: the machine has two cores and is often shared.
        testTimeout: 20_000,
        // Importing is most of the tier's cost: worker threads that keep their module graph from
        // file to file cut its CPU time from 30 s to 14 s (user + sys, docs/decisions/008). A unit test owns no
        // process-wide state, so nothing leaks between files; a test that must is an int test.
        pool: 'threads',
        isolate: false,
      },
    })),
  },
});
