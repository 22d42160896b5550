import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface HttpMetrics {
  requestDuration: Histogram<'method' | 'route' | 'status'>;
}

export interface QueueMetrics {
  published: Counter<'exchange'>;
  confirmed: Counter<'exchange'>;
  publishFailed: Counter<'exchange'>;
  consumed: Counter<'queue'>;
  acked: Counter<'queue'>;
  retried: Counter<'queue'>;
  deadLettered: Counter<'queue'>;
  handlerDuration: Histogram<'queue' | 'outcome'>;
  /** Messages ready in a queue, read from the broker at each scrape (see trackDepth). */
  depth: Gauge<'queue'>;
  /**
   * Reports `queue`'s depth at every scrape with `probe` (undefined: unknown, no sample);
   * returns the function that stops it.
   */
  trackDepth(queue: string, probe: () => Promise<number | undefined>): () => void;
}

export interface Metrics {
  registry: Registry;
  http: HttpMetrics;
  queue: QueueMetrics;
}

/**
 * One registry per process (not prom-client's global one), so tests can build many apps in one
 * process without metric name clashes.
 */
export function createMetrics(options: { service: string; defaultMetrics?: boolean }): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const http: HttpMetrics = {
    requestDuration: new Histogram({
      name: 'flowstack_http_request_duration_seconds',
      help: 'HTTP request duration by method, route template and status code.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
  };

  const counter = <L extends string>(name: string, help: string, label: L): Counter<L> =>
    new Counter({ name, help, labelNames: [label], registers });

  const depthProbes = new Map<string, () => Promise<number | undefined>>();
  const queue: QueueMetrics = {
    published: counter(
      'flowstack_queue_published_total',
      'Messages sent to the broker.',
      'exchange',
    ),
    confirmed: counter(
      'flowstack_queue_confirmed_total',
      'Messages the broker confirmed (publisher confirms).',
      'exchange',
    ),
    publishFailed: counter(
      'flowstack_queue_publish_failed_total',
      'Messages the broker refused (nack) or that could not be sent.',
      'exchange',
    ),
    consumed: counter(
      'flowstack_queue_consumed_total',
      'Messages delivered to a consumer.',
      'queue',
    ),
    acked: counter('flowstack_queue_acked_total', 'Messages acknowledged after handling.', 'queue'),
    retried: counter(
      'flowstack_queue_retried_total',
      'Messages scheduled for another attempt.',
      'queue',
    ),
    deadLettered: counter(
      'flowstack_queue_dead_lettered_total',
      'Messages sent to the dead-letter queue.',
      'queue',
    ),
    handlerDuration: new Histogram({
      name: 'flowstack_queue_handler_duration_seconds',
      help: 'Time a consumer spent on one message, by outcome (ack, retry, dead-letter).',
      labelNames: ['queue', 'outcome'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    depth: new Gauge({
      name: 'flowstack_queue_depth',
      help: 'Messages ready in the queue (not yet delivered), read from the broker at scrape time.',
      labelNames: ['queue'],
      registers,
      async collect() {
        this.reset();
        const entries = [...depthProbes];
        const depths = await Promise.all(
          entries.map(([, probe]) => probe().catch(() => undefined)),
        );
        entries.forEach(([name], index) => {
          const depth = depths[index];
          if (depth !== undefined) this.set({ queue: name }, depth);
        });
      },
    }),
    trackDepth(name, probe) {
      depthProbes.set(name, probe);
      return () => {
        if (depthProbes.get(name) === probe) depthProbes.delete(name);
      };
    },
  };

  return { registry, http, queue };
}
