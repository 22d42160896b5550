import { describe, expect, inject, it } from 'vitest';
import {
  awaitClusterFormed,
  killRabbitNode,
  quorumReplicas,
  sleep,
  startRabbitNode,
} from '@flowstack/test-kit';
import { replicasBack, runClusterDrill } from '../support/cluster-drill.js';

const servers = inject('chaosServers');
const cluster = inject('rabbitCluster');

describe('a follower of the order queue SIGKILLed', () => {
  it('when a follower dies under load, then the leader keeps a quorum and every accepted order is stored once', async () => {
    const { violations, books } = await runClusterDrill({
      name: 'cluster-follower-sigkill',
      fault: 'SIGKILL to a node holding a follower of the order queue (quorum), 3 s, restarted',
      expected:
        'the leader and the other follower are a quorum: confirms go on; clients on the dead node reconnect to another; the follower catches up',
      servers,
      cluster,
      async inject({ stack, notes }) {
        const queue = stack.env.ORDERS_QUEUE!;
        const { leader, followers } = await quorumReplicas(cluster, queue);
        const follower = followers[0]!;
        await killRabbitNode(cluster, follower);
        notes.push(`killed ${follower.name}; ${leader.name} leads`);
        await sleep(3_000);
        await startRabbitNode(cluster, follower);
        await awaitClusterFormed(cluster);
        return Date.now();
      },
      check: ({ stack }) => replicasBack(cluster, stack.env.ORDERS_QUEUE!),
    });
    expect(violations).toEqual([]);
    expect(books.accepted).toBeGreaterThan(0);
  });
});
