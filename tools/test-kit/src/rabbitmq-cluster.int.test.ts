import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from './names.js';
import { eventually } from './wait.js';
import {
  healRabbitPartition,
  killRabbitNode,
  partitionRabbitNode,
  quorumReplicas,
  runningNodes,
  startRabbitCluster,
  startRabbitNode,
  stopRabbitCluster,
  stopRabbitNode,
  awaitClusterFormed,
  rabbitCli,
  type RabbitCluster,
  type RabbitClusterNode,
} from './rabbitmq-cluster.js';

let cluster: RabbitCluster;

beforeAll(async () => {
  cluster = await startRabbitCluster();
}, 180_000);

afterAll(async () => {
  if (cluster !== undefined) await stopRabbitCluster(cluster);
}, 60_000);

const names = () => cluster.nodes.map((node) => node.name).sort();

async function withChannel<T>(
  node: RabbitClusterNode,
  work: (channel: amqp.ConfirmChannel) => Promise<T>,
): Promise<T> {
  const connection = await amqp.connect(`amqp://guest:guest@127.0.0.1:${node.amqpPort}`);
  try {
    return await work(await connection.createConfirmChannel());
  } finally {
    await connection.close();
  }
}

async function publishConfirmed(node: RabbitClusterNode, queue: string, body: string) {
  await withChannel(node, async (channel) => {
    await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    channel.sendToQueue(queue, Buffer.from(body), { persistent: true });
    await channel.waitForConfirms();
  });
}

async function takeOne(node: RabbitClusterNode, queue: string): Promise<string | undefined> {
  return withChannel(node, async (channel) => {
    const message = await channel.get(queue, { noAck: true });
    return message === false ? undefined : message.content.toString();
  });
}

describe('a three-node RabbitMQ cluster of the run’s own', { timeout: 120_000 }, () => {
  it('when started, then every node sees all three running under their own names and ports', async () => {
    expect(new Set(cluster.nodes.map((node) => node.amqpPort)).size).toBe(3);
    expect(cluster.nodes.every((node) => node.amqpPort !== 5672)).toBe(true);
    for (const node of cluster.nodes) expect(await runningNodes(cluster, node)).toEqual(names());
  });

  it('when the leader of a quorum queue is SIGKILLed, then a survivor leads and a confirmed message is still there', async () => {
    const queue = uniqueName('kit.killed', '.');
    await publishConfirmed(cluster.nodes[0]!, queue, 'kept');
    const before = await quorumReplicas(cluster, queue);
    expect(before.followers).toHaveLength(2);
    await killRabbitNode(cluster, before.leader);
    const after = await quorumReplicas(cluster, queue, { excluding: [before.leader] });
    expect(after.leader.name).not.toBe(before.leader.name);
    expect(await takeOne(after.leader, queue)).toBe('kept');
    await startRabbitNode(cluster, before.leader);
    await awaitClusterFormed(cluster);
  });

  it('when a node is partitioned away, then its peers drop it, it pauses itself alive, and it rejoins when healed', async () => {
    const node = cluster.nodes[2]!;
    await partitionRabbitNode(cluster, node);
    const [first, second] = cluster.nodes;
    expect(await runningNodes(cluster, first!)).toEqual([first!.name, second!.name].sort());
    // Alive and answering its CLI, but paused: alone, it is a minority (pause_minority).
    await eventually(
      () => rabbitCli(cluster, node, ['eval', 'rabbit:is_running().']),
      (out) => out.trim() === 'false',
      { timeoutMs: 30_000, what: `${node.name} to pause` },
    );
    await healRabbitPartition(cluster, node);
    for (const each of cluster.nodes) expect(await runningNodes(cluster, each)).toEqual(names());
  });

  it('when a node is stopped and started, then it rejoins the cluster from its data folder', async () => {
    const node = cluster.nodes[1]!;
    await stopRabbitNode(cluster, node);
    expect(await runningNodes(cluster, cluster.nodes[0]!)).not.toContain(node.name);
    await startRabbitNode(cluster, node);
    await awaitClusterFormed(cluster);
    expect(await runningNodes(cluster, node)).toEqual(names());
  });
});
