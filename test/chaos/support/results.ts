import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS_FILE = fileURLToPath(new URL('../results/latest.json', import.meta.url));
export const RELIABILITY_DOC = fileURLToPath(
  new URL('../../../docs/reliability.md', import.meta.url),
);

export interface DrillResult {
  drill: string;
  fault: string;
  expected: string;
  passed: boolean;
  ranAt: string;
  durationMs: number;
  /** Keys answered 202 (after the client's retry of 503s). */
  accepted: number;
  stored: number;
  duplicates: number;
  missing: number;
  unexpected: number;
  /** Keys answered 503 or not at all during the fault; retried by the drill afterwards. */
  ambiguous: number;
  storedWhileAmbiguous: number;
  /** Non-2xx answers and failures seen by the load, by status or failure kind. */
  errorsSeen: Record<string, number>;
  recoveryMs: number | undefined;
  /** Longest time between two consecutive `202`s of the load: how long clients saw no acceptance. */
  longestAcceptGapMs?: number;
  /** Set for the drills on the three-node RabbitMQ cluster (their own table in the doc). */
  brokerCluster?: { queueType: string };
  notes: string[];
}

/** The last run of the hostile-input suite (test/fuzz). */
export interface FuzzResult {
  ranAt: string;
  /** Requests that reached the api (generated ones the client refused to send are not counted). */
  requests: number;
  seconds: number;
  /** Answers that broke the contract: a 5xx, a 4xx that is not problem+json, a 202 for junk. */
  contractViolations: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  /** Time until the api cut a client that sent half its headers (408), and a silent one. */
  slowClientCutMs: number | undefined;
  idleClientCutMs: number | undefined;
  apiAlive: boolean;
}

export interface ResultsFile {
  generatedAt: string;
  suiteDurationMs?: number;
  drills: DrillResult[];
  fuzz?: FuzzResult;
}

export async function readResults(): Promise<ResultsFile> {
  try {
    return JSON.parse(await readFile(RESULTS_FILE, 'utf8')) as ResultsFile;
  } catch {
    return { generatedAt: new Date().toISOString(), drills: [] };
  }
}

/** Replaces this drill's entry (drills run one after another, never in parallel). */
export async function recordResult(result: DrillResult): Promise<void> {
  const file = await readResults();
  const drills = file.drills.filter((entry) => entry.drill !== result.drill);
  drills.push(result);
  await writeResults({ ...file, generatedAt: new Date().toISOString(), drills });
}

export async function recordFuzz(fuzz: FuzzResult): Promise<void> {
  const file = await readResults();
  await writeResults({ ...file, generatedAt: new Date().toISOString(), fuzz });
}

export async function writeResults(file: ResultsFile): Promise<void> {
  await mkdir(dirname(RESULTS_FILE), { recursive: true });
  await writeFile(RESULTS_FILE, `${JSON.stringify(file, null, 2)}\n`);
}

export function errorsOf(...tallies: Record<string, number>[]): Record<string, number> {
  const errors: Record<string, number> = {};
  for (const counts of tallies) {
    for (const [label, count] of Object.entries(counts)) {
      if (/^2\d\d$/.test(label)) continue;
      errors[label] = (errors[label] ?? 0) + count;
    }
  }
  return errors;
}
