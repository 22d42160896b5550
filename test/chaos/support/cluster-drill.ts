import { quorumReplicas, rabbitClusterHosts, type RabbitCluster } from '@flowstack/test-kit';
import type { ThrowawayServers } from '@flowstack/test-kit';
import { runDrill, type DrillContext, type DrillOutcome, type DrillSpec } from './drill.js';
import type { LoadRecord } from './load.js';

/**
 * What api and worker need to run on the cluster: every node in RABBITMQ_HOSTS (the connection
 * rotates through them when one goes), the order queue and its retry and dead-letter queues as
 * quorum queues. RABBITMQ_PORT names the first node for anything that reads only one address.
 */
export function clusterEnv(
  cluster: RabbitCluster,
  options: { startAt?: number; queueType?: 'quorum' | 'classic' } = {},
): Record<string, string> {
  const first = cluster.nodes[(options.startAt ?? 0) % cluster.nodes.length]!;
  return {
    RABBITMQ_HOSTS: rabbitClusterHosts(cluster, options.startAt),
    RABBITMQ_HOST: '127.0.0.1',
    RABBITMQ_PORT: String(first.amqpPort),
    RABBITMQ_QUEUE_TYPE: options.queueType ?? 'quorum',
  };
}

export interface ClusterDrillSpec extends Omit<DrillSpec, 'servers' | 'inject' | 'brokerCluster'> {
  servers: ThrowawayServers;
  cluster: RabbitCluster;
  inject: (context: DrillContext & { cluster: RabbitCluster }) => Promise<number>;
}

/** A drill of test/chaos/support/drill.ts with api and worker on the three-node cluster. */
export function runClusterDrill(spec: ClusterDrillSpec): Promise<DrillOutcome> {
  const { cluster, inject, ...rest } = spec;
  const env = { ...clusterEnv(cluster), ...spec.env };
  return runDrill({
    ...rest,
    env,
    brokerCluster: { queueType: env.RABBITMQ_QUEUE_TYPE! },
    inject: (context) => inject({ ...context, cluster }),
    async check(context) {
      context.notes.push(
        `POST answers ${JSON.stringify(context.books.statuses)}, read answers ${JSON.stringify(context.books.readStatuses)}`,
        ...refusalStretch(context.record),
      );
      return (await spec.check?.(context)) ?? [];
    },
  });
}

/** After the drill every node holds an online replica of the queue again, or it is a violation. */
export async function replicasBack(cluster: RabbitCluster, queue: string): Promise<string[]> {
  try {
    const { online } = await quorumReplicas(cluster, queue);
    return online.length === cluster.nodes.length
      ? []
      : [`only ${online.length} of ${cluster.nodes.length} replicas of ${queue} online`];
  } catch (error) {
    return [`no leader of ${queue} after the drill: ${String(error)}`];
  }
}

/**
 * Where the 503s of the load were sent: from the first to the last, and how many POSTs sent in
 * that stretch for new keys were accepted anyway (refusals interleaved with acceptances, not one
 * outage).
 */
function refusalStretch(record: LoadRecord): string[] {
  const sent = (status: number) =>
    record.posts.filter((post) => post.outcome.status === status).map((p) => p.outcome.startedMs);
  const refused = sent(503);
  if (refused.length === 0) return [];
  const [first, last] = [Math.min(...refused), Math.max(...refused)];
  const newAccepted = record.posts
    .filter((post) => !post.repeat && post.outcome.status === 202)
    .map((post) => post.outcome.startedMs);
  const acceptedBetween = newAccepted.filter((at) => at >= first && at <= last).length;
  const slowest = Math.max(
    ...record.posts
      .filter((post) => post.outcome.status === 503)
      .map((post) => post.outcome.endedMs - post.outcome.startedMs),
  );
  return [
    `${refused.length} POSTs answered 503 were sent over ${last - first} ms, with ${acceptedBetween} new orders sent in the same stretch accepted; the slowest 503 took ${slowest} ms`,
  ];
}
