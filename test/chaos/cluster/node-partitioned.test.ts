import { describe, expect, inject, it } from 'vitest';
import {
  healRabbitPartition,
  partitionRabbitNode,
  quorumReplicas,
  sleep,
} from '@flowstack/test-kit';
import { replicasBack, runClusterDrill } from '../support/cluster-drill.js';

const servers = inject('chaosServers');
const cluster = inject('rabbitCluster');

describe('the leading node partitioned away from the other two', () => {
  it('when the leader is cut off alive, then it pauses, the majority elects a leader, and it rejoins when the split heals', async () => {
    const { violations, books } = await runClusterDrill({
      name: 'cluster-leader-partitioned',
      fault:
        'the node leading the order queue cut off from both peers (distribution refused both ways, process and listener alive) for 5 s, then healed',
      expected:
        'the cut-off node pauses itself (pause_minority) and drops its clients; the other two elect a leader and go on; after the heal it rejoins and catches up',
      servers,
      cluster,
      async inject({ stack, notes }) {
        const queue = stack.env.ORDERS_QUEUE!;
        const { leader } = await quorumReplicas(cluster, queue);
        const cutAt = Date.now();
        await partitionRabbitNode(cluster, leader);
        const after = await quorumReplicas(cluster, queue, { excluding: [leader] });
        notes.push(
          `${leader.name} cut off; ${after.leader.name} leads ${Date.now() - cutAt} ms after the cut`,
        );
        await sleep(5_000);
        await healRabbitPartition(cluster, leader);
        notes.push(`healed: all three running ${Date.now() - cutAt} ms after the cut`);
        return Date.now();
      },
      check: ({ stack }) => replicasBack(cluster, stack.env.ORDERS_QUEUE!),
    });
    expect(violations).toEqual([]);
    expect(books.accepted).toBeGreaterThan(0);
  });
});
