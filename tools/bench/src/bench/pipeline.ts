import { SEED_PRODUCTS } from '@flowstack/domain';
import type { CompletionSource } from '../load/completion.js';
import { AcceptedOrders, writeRequests } from '../load/scenarios.js';
import type { RunFigure } from '../report/results.js';
import { recordCompletion, type Measure } from './measure.js';

const SEED_IDS = SEED_PRODUCTS.map((product) => product.id);

/**
 * POST and worker together: the naive pipeline, flowstack's sustained, then flowstack's at half
 * that rate for the end-to-end latency (an open model, so latency is not hidden by back-pressure).
 */
export async function measurePipeline(options: {
  measure: Measure;
  naiveUrl: string;
  apiUrl: string;
  naiveQueue: string;
  ordersQueue: string;
  naiveOrders: CompletionSource;
  orders: CompletionSource;
  pipelineSeconds: number;
  halfRateSeconds: number;
  log: (line: string) => void;
}): Promise<RunFigure[]> {
  const { measure, log } = options;
  const runs: RunFigure[] = [];
  {
    const accepted = new AcceptedOrders();
    const run = await measure(
      {
        id: 'naive-pipeline',
        label: 'naive pipeline (POST + publish + one INSERT)',
        group: 'baseline',
      },
      options.naiveUrl,
      () => writeRequests(SEED_IDS, accepted),
      { seconds: options.pipelineSeconds, sampleQueue: options.naiveQueue },
    );
    await recordCompletion(run, options.naiveOrders, accepted, log);
    runs.push(run);
  }
  const accepted = new AcceptedOrders();
  const sustained = await measure(
    { id: 'pipeline', label: 'flowstack pipeline sustained', group: 'flowstack' },
    options.apiUrl,
    () => writeRequests(SEED_IDS, accepted),
    { seconds: options.pipelineSeconds, warmup: false, sampleQueue: options.ordersQueue },
  );
  await recordCompletion(sustained, options.orders, accepted, log);
  runs.push(sustained);

  const rate = Math.max(1, Math.round(sustained.load.requestsPerSecond / 2));
  const halfAccepted = new AcceptedOrders();
  const half = await measure(
    {
      id: 'pipeline-half-rate',
      label: `flowstack pipeline at half rate (${rate}/s)`,
      group: 'flowstack',
    },
    options.apiUrl,
    () => writeRequests(SEED_IDS, halfAccepted),
    {
      seconds: options.halfRateSeconds,
      rate,
      warmup: false,
      sampleQueue: options.ordersQueue,
    },
  );
  await recordCompletion(half, options.orders, halfAccepted, log);
  runs.push(half);
  return runs;
}
