import { describe, expect, inject, it } from 'vitest';
import {
  awaitClusterFormed,
  rabbitCli,
  startRabbitNode,
  stopRabbitNode,
} from '@flowstack/test-kit';
import { replicasBack, runClusterDrill } from '../support/cluster-drill.js';

const servers = inject('chaosServers');
const cluster = inject('rabbitCluster');

describe('all three nodes restarted in turn (a rolling upgrade)', () => {
  it('when each node is stopped and started in turn under load, then every accepted order is stored once', async () => {
    const { violations, books } = await runClusterDrill({
      name: 'cluster-rolling-restart',
      fault:
        'each node in turn: rabbitmq-upgrade await_online_quorum_plus_one, rabbitmqctl stop, start, wait for the cluster',
      expected:
        'leadership moves off each stopped node; clients reconnect to a running node; no accepted order lost or doubled',
      servers,
      cluster,
      async inject({ notes }) {
        for (const node of cluster.nodes) {
          // The upgrade tool's own guard: never stop a node whose replicas a quorum still needs.
          await rabbitCli(
            cluster,
            node,
            ['await_online_quorum_plus_one', '--timeout', '60'],
            'rabbitmq-upgrade',
          );
          const stoppedAt = Date.now();
          await stopRabbitNode(cluster, node);
          await startRabbitNode(cluster, node);
          await awaitClusterFormed(cluster);
          notes.push(
            `${node.name} back in the cluster ${Date.now() - stoppedAt} ms after its stop`,
          );
        }
        return Date.now();
      },
      check: ({ stack }) => replicasBack(cluster, stack.env.ORDERS_QUEUE!),
    });
    expect(violations).toEqual([]);
    expect(books.accepted).toBeGreaterThan(0);
  });
});
