import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SEED_PRODUCTS } from '@flowstack/domain';
import { runLoad, type LoadRequest } from '../load/run-load.js';
import { AcceptedOrders, missRequests, readRequests, writeRequests } from '../load/scenarios.js';
import { summarizeProfile } from '../report/cpu-profile.js';
import type { ProfileSummary } from '../report/results.js';
import { missProductIds, seedBenchTables } from '../stack/local-stack.js';
import { openBenchStack, type BenchStack } from './bench-stack.js';
import { flowstackBacklog, openRabbit } from '../stack/rabbit.js';
import { baselineConfig } from '../baselines/baseline-config.js';
import type { BenchSettings } from './run-bench.js';

const SEED_IDS = SEED_PRODUCTS.map((product) => product.id);

async function newestProfile(dir: string): Promise<string> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.cpuprofile')).sort();
  const last = files.at(-1);
  if (last === undefined) throw new Error(`no .cpuprofile written in ${dir}`);
  return join(dir, last);
}

/**
 * A CPU profile of each flowstack path under load, in the run's profile (vault or no-vault): a
 * fresh api per path, started with
 * `--cpu-prof` (NODE_OPTIONS), then the worker draining a backlog with `--cpu-prof`.
 */
export async function profilePaths(
  settings: BenchSettings,
  out: string,
): Promise<ProfileSummary[]> {
  const stack = await openBenchStack(settings.profile);
  try {
    return await profileOn(stack, settings, out);
  } finally {
    await stack.stop();
  }
}

async function profileOn(
  stack: BenchStack,
  settings: BenchSettings,
  out: string,
): Promise<ProfileSummary[]> {
  const base = stack.env;
  await seedBenchTables(stack.pgTarget, 200_000);
  const root = join(out, 'profiles', new Date().toISOString().replace(/[:.]/g, '-'));
  const withProfile = (name: string) => ['--cpu-prof', `--cpu-prof-dir=${join(root, name)}`];
  const summaries: ProfileSummary[] = [];
  const missIds = missProductIds(200_000);
  const paths: [string, () => LoadRequest[]][] = [
    ['read-hit', () => readRequests(SEED_IDS)],
    ['read-miss', () => missRequests(missIds)],
    ['write', () => writeRequests(SEED_IDS, new AcceptedOrders())],
  ];
  let worker = await stack.startService('worker');
  try {
    for (const [path, requests] of paths) {
      await mkdir(join(root, `api-${path}`), { recursive: true });
      const api = await stack.startService('api', withProfile(`api-${path}`));
      try {
        settings.log(`profiling api ${path} for ${settings.durationSeconds} s`);
        await runLoad({
          name: path,
          url: api.url,
          requests: requests(),
          durationSeconds: settings.durationSeconds,
          connections: settings.connections,
        });
      } finally {
        await api.stop();
      }
      const file = await newestProfile(join(root, `api-${path}`));
      summaries.push({ path, process: 'api', file, ...(await summarizeProfile(file)) });
    }
  } finally {
    await worker.stop();
  }
  const rabbit = await openRabbit(baselineConfig(base).rabbitmqUrl);
  try {
    settings.log(`profiling the worker draining ${settings.backlog} messages`);
    await rabbit.publishAll(base.ORDERS_EXCHANGE!, flowstackBacklog(settings.backlog, SEED_IDS));
    await mkdir(join(root, 'worker-drain'), { recursive: true });
    worker = await stack.startService('worker', withProfile('worker-drain'));
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline && (await rabbit.depth(base.ORDERS_QUEUE!)) > 0) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await worker.stop();
    const file = await newestProfile(join(root, 'worker-drain'));
    summaries.push({ path: 'drain', process: 'worker', file, ...(await summarizeProfile(file)) });
  } finally {
    await rabbit.deleteQueues(base.ORDERS_QUEUE!, `${base.ORDERS_QUEUE!}.dead`);
    await rabbit.close();
  }
  return summaries;
}
