import type { TestProject } from 'vitest/node';
import {
  startThrowawayServers,
  stopThrowawayServers,
  type ThrowawayServers,
} from '@flowstack/test-kit';
import { updateReliabilityDoc } from './reliability-doc.js';
import { readResults, writeResults } from './results.js';

declare module 'vitest' {
  export interface ProvidedContext {
    chaosServers: ThrowawayServers;
  }
}

/** Boots the throwaway servers once for every drill; afterwards, writes the reliability table. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const servers = await startThrowawayServers();
  project.provide('chaosServers', servers);
  return async () => {
    await stopThrowawayServers(servers);
    const results = await readResults();
    await writeResults({ ...results, suiteDurationMs: Date.now() - started });
    await updateReliabilityDoc(await readResults());
  };
}
