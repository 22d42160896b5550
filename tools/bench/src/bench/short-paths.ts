import { SEED_PRODUCTS } from '@flowstack/domain';
import type { CompletionSource } from '../load/completion.js';
import type { LoadRequest } from '../load/run-load.js';
import {
  AcceptedOrders,
  missRequests,
  mixedRequests,
  readRequests,
  writeRequests,
} from '../load/scenarios.js';
import type { RunFigure } from '../report/results.js';
import { medianRun, recordCompletion, type Measure } from './measure.js';

const SEED_IDS = SEED_PRODUCTS.map((product) => product.id);

export interface ShortPathUrls {
  http: string;
  express: string;
  redis: string;
  pg: string;
  publish: string;
  api: string;
}

/**
 * The short paths in rounds, each baseline right before the flowstack path it is compared with;
 * the median round is kept, so a noisy neighbour hits both sides of a ratio alike. Vault requests
 * are counted around every write round (per accepted order).
 */
export async function measureShortPaths(options: {
  urls: ShortPathUrls;
  rounds: number;
  measure: Measure;
  orders: CompletionSource;
  missIds: readonly string[];
  purgePublishOnly: () => Promise<void>;
  vaultRequests: () => Promise<number | undefined>;
  log: (line: string) => void;
}): Promise<{ runs: RunFigure[]; vaultRequestsPerOrder: number | undefined }> {
  const { urls, rounds, measure, log } = options;
  let missCursor = 0;
  const nextMissIds = () => {
    // Each measurement walks ids nobody has read yet, warm-up included.
    const slice = options.missIds.slice(missCursor);
    missCursor += Math.floor(options.missIds.length / (4 * rounds + 4));
    return slice;
  };
  const paths: {
    figure: Omit<RunFigure, 'load'>;
    url: string;
    requests: (accepted: AcceptedOrders) => LoadRequest[];
    completion?: CompletionSource;
    after?: () => Promise<void>;
  }[] = [
    {
      figure: { id: 'http', label: 'node:http hello', group: 'baseline' },
      url: urls.http,
      requests: () => [{ path: '/hello' }],
    },
    {
      figure: { id: 'express', label: 'Express hello', group: 'baseline' },
      url: urls.express,
      requests: () => [{ path: '/hello' }],
    },
    {
      figure: { id: 'express-redis', label: 'Express + ioredis GET', group: 'baseline' },
      url: urls.redis,
      requests: () => [{ path: `/v1/products/${SEED_IDS[0]!}` }],
    },
    {
      figure: { id: 'read-hit', label: 'flowstack read, cache hit', group: 'flowstack' },
      url: urls.api,
      requests: () => readRequests(SEED_IDS),
    },
    {
      figure: { id: 'express-pg', label: 'Express + pg SELECT by key', group: 'baseline' },
      url: urls.pg,
      requests: () => [{ path: `/v1/products/${SEED_IDS[0]!}` }],
    },
    {
      figure: { id: 'read-miss', label: 'flowstack read, cache miss', group: 'flowstack' },
      url: urls.api,
      requests: () => missRequests(nextMissIds()),
    },
    {
      figure: {
        id: 'express-publish',
        label: 'Express POST + confirmed publish',
        group: 'baseline',
      },
      url: urls.publish,
      requests: (accepted) => writeRequests(SEED_IDS, accepted),
      after: options.purgePublishOnly,
    },
    {
      figure: { id: 'write', label: 'flowstack write (POST /v1/orders)', group: 'flowstack' },
      url: urls.api,
      requests: (accepted) => writeRequests(SEED_IDS, accepted),
      completion: options.orders,
    },
    {
      figure: { id: 'mixed', label: 'flowstack mixed (4 reads : 1 write)', group: 'flowstack' },
      url: urls.api,
      requests: (accepted) => mixedRequests(SEED_IDS, accepted),
      completion: options.orders,
    },
  ];
  const byPath = new Map<string, RunFigure[]>();
  const vault = { requests: 0, orders: 0, counted: true };
  for (let round = 1; round <= rounds; round += 1) {
    log(`round ${round} of ${rounds}`);
    for (const path of paths) {
      const accepted = new AcceptedOrders();
      const writes = path.figure.id === 'write';
      const before = writes ? await options.vaultRequests() : undefined;
      // No warm-up for writes after the first round: the warm-up's orders would be counted.
      const run = await measure(path.figure, path.url, () => path.requests(accepted), {
        warmup: round === 1 && !writes,
      });
      const after = writes ? await options.vaultRequests() : undefined;
      if (before !== undefined && after !== undefined) {
        vault.requests += after - before;
        vault.orders += accepted.ids.length;
      } else if (writes) {
        vault.counted = false;
      }
      if (path.completion !== undefined) {
        await recordCompletion(run, path.completion, accepted, log);
      }
      await path.after?.();
      byPath.set(path.figure.id, [...(byPath.get(path.figure.id) ?? []), run]);
    }
  }
  const runs: RunFigure[] = [];
  for (const path of paths) {
    const all = byPath.get(path.figure.id) ?? [];
    const median = medianRun(all);
    if (median !== undefined) {
      runs.push({
        ...median,
        roundsRequestsPerSecond: all.map((run) => run.load.requestsPerSecond),
      });
    }
  }
  const vaultRequestsPerOrder =
    vault.counted && vault.orders > 0
      ? Math.round((vault.requests / vault.orders) * 1000) / 1000
      : undefined;
  if (vaultRequestsPerOrder !== undefined) {
    log(
      `Vault requests per accepted order: ${vaultRequestsPerOrder} (${vault.requests} for ${vault.orders})`,
    );
  }
  return { runs, vaultRequestsPerOrder };
}
