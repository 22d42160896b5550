import { createClock } from './core/clock.js';
import { createLeaseManager, type LeaseManager } from './core/leases.js';
import { createStateWriter, loadState } from './core/state-file.js';
import type { Clock } from './core/types.js';
import { createVaultCore } from './core/vault-core.js';
import { createPipeline } from './http/request-pipeline.js';
import { listen } from './http/server.js';
import { createLeaseRouteModule } from './sys/leases-routes.js';

export interface VaultDoubleOptions {
  /** Port to listen on (default 8200; 0 picks a free port). */
  port?: number;
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** The root token's id (default "root"). */
  rootToken?: string;
  /** JSON file to load state from at start and write on every change. */
  stateFile?: string;
  /** The double's clock (default: real time). Pass `createClock({ speed })` to speed up TTLs. */
  clock?: Clock;
}

export interface VaultDouble {
  /** "http://127.0.0.1:8200" */
  url: string;
  rootToken: string;
  clock: Clock;
  leases: LeaseManager;
  stop(): Promise<void>;
}

/** Starts the double and resolves once it is listening. */
export async function startVaultDouble(options: VaultDoubleOptions = {}): Promise<VaultDouble> {
  const clock = options.clock ?? createClock();
  const rootToken = options.rootToken ?? 'root';
  const saved = options.stateFile ? await loadState(options.stateFile) : undefined;
  const leases = createLeaseManager(clock);
  const core = createVaultCore({
    clock,
    rootToken,
    leases,
    routeModules: [createLeaseRouteModule(leases)],
    saved,
  });
  const writer = options.stateFile
    ? createStateWriter(options.stateFile, () => core.snapshot())
    : undefined;
  const pipeline = createPipeline(core, () => writer?.schedule());
  const server = await listen(pipeline, options.host ?? '127.0.0.1', options.port ?? 8200);
  await writer?.flush();
  let stopped: Promise<void> | undefined;
  return {
    url: server.url,
    rootToken,
    clock,
    leases,
    stop() {
      stopped ??= (async () => {
        await server.close();
        await writer?.flush();
        // Dynamic users the double created must not outlive it in the real databases.
        await leases.revokeAll().catch(() => undefined);
        await leases.close();
        await core.mounts.close();
      })();
      return stopped;
    },
  };
}

export { createClock, type ControllableClock, type ClockOptions } from './core/clock.js';
export { parseDuration, formatDuration } from './core/ttl.js';
export type { Clock } from './core/types.js';
