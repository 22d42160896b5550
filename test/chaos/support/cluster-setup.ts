import type { TestProject } from 'vitest/node';
import {
  startRabbitCluster,
  startThrowawayServers,
  stopRabbitCluster,
  stopThrowawayServers,
  type RabbitCluster,
} from '@flowstack/test-kit';
import { updateReliabilityDoc } from './reliability-doc.js';
import { readResults } from './results.js';

declare module 'vitest' {
  export interface ProvidedContext {
    rabbitCluster: RabbitCluster;
  }
}

/**
 * For the suites under chaos/cluster only: the throwaway PostgreSQL and Redis of every drill, and
 * a three-node RabbitMQ cluster of the run's own, started once and torn down after. The suite's
 * duration is the other project's to record (global-setup.ts): it spans the whole run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [servers, cluster] = await Promise.all([startThrowawayServers(), startRabbitCluster()]);
  project.provide('chaosServers', servers);
  project.provide('rabbitCluster', cluster);
  return async () => {
    await Promise.all([stopRabbitCluster(cluster), stopThrowawayServers(servers)]);
    await updateReliabilityDoc(await readResults());
  };
}
