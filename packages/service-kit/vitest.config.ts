import { defineConfig } from 'vitest/config';

// Real servers on a shared 2-core machine: startup and shutdown need generous bounds.
export default defineConfig({ test: { testTimeout: 20_000, hookTimeout: 20_000 } });
