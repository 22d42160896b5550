import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Real RabbitMQ: reconnects and rotations take seconds on a loaded machine.
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
