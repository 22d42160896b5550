import { describe, expect, inject, it } from 'vitest';
import {
  awaitClusterFormed,
  killRabbitNode,
  quorumReplicas,
  startRabbitNode,
} from '@flowstack/test-kit';
import { replicasBack, runClusterDrill } from '../support/cluster-drill.js';

const servers = inject('chaosServers');
const cluster = inject('rabbitCluster');

describe('the node that leads the order queue SIGKILLed', () => {
  it('when the leader dies under load, then a follower takes over and every accepted order is stored once', async () => {
    const { violations, books } = await runClusterDrill({
      name: 'cluster-leader-sigkill',
      fault:
        'SIGKILL to the node leading the order queue (quorum), restarted once a new leader is elected',
      expected:
        'a follower is elected; POSTs in the election get 503 + Retry-After; clients on the dead node reconnect to another',
      servers,
      cluster,
      async inject({ stack, notes }) {
        const queue = stack.env.ORDERS_QUEUE!;
        const { leader } = await quorumReplicas(cluster, queue);
        const killedAt = Date.now();
        await killRabbitNode(cluster, leader);
        const after = await quorumReplicas(cluster, queue, { excluding: [leader] });
        const electedAt = Date.now();
        notes.push(
          `${leader.name} led the queue; ${after.leader.name} leads ${electedAt - killedAt} ms after the SIGKILL (as seen by polling the CLI)`,
        );
        await startRabbitNode(cluster, leader);
        await awaitClusterFormed(cluster);
        return electedAt;
      },
      check: ({ stack }) => replicasBack(cluster, stack.env.ORDERS_QUEUE!),
    });
    expect(violations).toEqual([]);
    expect(books.accepted).toBeGreaterThan(0);
  });
});
