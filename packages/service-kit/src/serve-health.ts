import type { Registry } from 'prom-client';
import type { Lifecycle } from './lifecycle/lifecycle.js';
import { createHealthEndpoints } from './health-endpoints.js';
import { startHealthServer, type StartedServer } from './health-server.js';

/**
 * The lifecycle step `http` of a process without an HTTP API of its own (the worker, scaffolded
 * services): `/health/live`, `/health/ready` (the lifecycle's readiness) and `/metrics`.
 */
export function serveHealth(
  lifecycle: Lifecycle,
  options: { host: string; port: number; registry: Registry },
): Promise<StartedServer> {
  const health = createHealthEndpoints({
    readiness: lifecycle.readiness,
    registry: options.registry,
  });
  return lifecycle.step('http', async () => {
    const started = await startHealthServer({
      host: options.host,
      port: options.port,
      routes: {
        '/health/live': health.live,
        '/health/ready': health.ready,
        '/metrics': health.metrics,
      },
    });
    return { value: started, stop: () => started.close() };
  });
}
