import type { TestProject } from 'vitest/node';
import { startRabbitCluster, stopRabbitCluster, type RabbitCluster } from '@flowstack/test-kit';
import chaosSetup from './global-setup.js';

declare module 'vitest' {
  export interface ProvidedContext {
    rabbitCluster: RabbitCluster;
  }
}

/**
 * For the suites under chaos/cluster only: the throwaway PostgreSQL and Redis of every drill, and
 * a three-node RabbitMQ cluster of the run's own, started once and torn down after.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [teardownChaos, cluster] = await Promise.all([chaosSetup(project), startRabbitCluster()]);
  project.provide('rabbitCluster', cluster);
  return async () => {
    await stopRabbitCluster(cluster);
    await teardownChaos();
  };
}
