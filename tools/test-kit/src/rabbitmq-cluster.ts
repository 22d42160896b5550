import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniqueId } from './names.js';
import { freePort } from './ports.js';
import { asRoot, sh } from './shell.js';
import { eventually, waitFor } from './wait.js';

/** One node of a throwaway cluster: plain JSON, so a global setup can `provide` it to test files. */
export interface RabbitClusterNode {
  /** Erlang node name, `fs-<id>-<n>@localhost`. */
  name: string;
  amqpPort: number;
  distPort: number;
  dir: string;
}

export interface RabbitCluster {
  dir: string;
  /** The cluster's own Erlang cookie: the machine's broker and its cookie file are never used. */
  cookie: string;
  nodes: RabbitClusterNode[];
}

/** Where a queue's replicas live, as the broker reports them. */
export interface QueueReplicas {
  leader: RabbitClusterNode;
  followers: RabbitClusterNode[];
  /** Members the broker reports online, the leader included. */
  online: string[];
}

/**
 * `pause_minority`: a node that sees fewer than half of the cluster stops serving until it sees a
 * majority again, so a partitioned node never takes publishes it cannot replicate. This is the
 * setting RabbitMQ recommends for three or more nodes (deps/rabbit/src/rabbit_node_monitor.erl,
 * `handle_dead_rabbit` -> `await_cluster_recovery`; `wait_for_cluster_recovery` pings every node
 * and starts the broker again once a majority answers, which is what heals a partition here).
 */
function nodeConfig(node: RabbitClusterNode): string {
  return [
    `listeners.tcp.local = 127.0.0.1:${node.amqpPort}`,
    'cluster_partition_handling = pause_minority',
    'loopback_users = none',
    '',
  ].join('\n');
}

function nodeEnv(cluster: RabbitCluster, node: RabbitClusterNode): NodeJS.ProcessEnv {
  return {
    RABBITMQ_NODENAME: node.name,
    RABBITMQ_NODE_PORT: String(node.amqpPort),
    RABBITMQ_DIST_PORT: String(node.distPort),
    RABBITMQ_CONFIG_FILE: join(node.dir, 'rabbitmq.conf'),
    RABBITMQ_MNESIA_BASE: join(node.dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(node.dir, 'log'),
    RABBITMQ_PID_FILE: join(node.dir, 'beam.pid'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(node.dir, 'enabled_plugins'),
    RABBITMQ_FEATURE_FLAGS_FILE: join(node.dir, 'feature_flags'),
    // The cookie goes on the command line, so the rabbitmq user's cookie file (the machine's
    // broker) is never read or written.
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: `-setcookie ${cluster.cookie}`,
  };
}

/** rabbitmqctl (or another CLI) against one node, with the cluster's cookie. */
export function rabbitCli(
  cluster: RabbitCluster,
  node: RabbitClusterNode,
  args: string[],
  tool = 'rabbitmqctl',
): Promise<string> {
  return sh(tool, ['-n', node.name, '--erlang-cookie', cluster.cookie, ...args]).catch(
    (error: unknown) => {
      // The failure names the command line: the cookie must not reach the test output.
      throw new Error((error as Error).message.replaceAll(cluster.cookie, '<cookie>'));
    },
  );
}

/** Evaluates an Erlang expression on a node and returns what it printed. */
function evalOn(cluster: RabbitCluster, node: RabbitClusterNode, expression: string) {
  return rabbitCli(cluster, node, ['eval', expression]);
}

/**
 * Three (or `size`) rabbitmq-server nodes of a run's own on this machine, clustered with
 * join_cluster: their own node names, AMQP and distribution ports, data and log folders under one
 * temp dir, and their own cookie. They run as daemons, so a global setup can start them and test
 * files in other processes can kill, stop and partition them.
 */
export async function startRabbitCluster(options: { size?: number } = {}): Promise<RabbitCluster> {
  const size = options.size ?? 3;
  const dir = await mkdtemp(join(tmpdir(), 'flowstack-rabbit-cluster-'));
  await chmod(dir, 0o755);
  const id = uniqueId().slice(0, 8);
  const nodes: RabbitClusterNode[] = [];
  for (let n = 1; n <= size; n += 1) {
    nodes.push({
      name: `fs-${id}-${n}@localhost`,
      amqpPort: await freePort(),
      distPort: await freePort(),
      dir: join(dir, `node-${n}`),
    });
  }
  const cluster: RabbitCluster = { dir, cookie: randomBytes(24).toString('hex'), nodes };
  try {
    for (const node of nodes) {
      await mkdir(join(node.dir, 'mnesia'), { recursive: true });
      await mkdir(join(node.dir, 'log'), { recursive: true });
      await writeFile(join(node.dir, 'enabled_plugins'), '[].\n');
      await writeFile(join(node.dir, 'rabbitmq.conf'), nodeConfig(node));
    }
    if (asRoot) await sh('chown', ['-R', 'rabbitmq:rabbitmq', dir]);
    await Promise.all(nodes.map((node) => startRabbitNode(cluster, node)));
    const [seed, ...others] = nodes;
    for (const node of others) {
      await rabbitCli(cluster, node, ['stop_app']);
      await rabbitCli(cluster, node, ['join_cluster', seed!.name]);
      await rabbitCli(cluster, node, ['start_app']);
    }
    await awaitClusterFormed(cluster);
    return cluster;
  } catch (error) {
    await stopRabbitCluster(cluster);
    throw error;
  }
}

/** Stops every node (killing those that do not answer) and removes their folders. */
export async function stopRabbitCluster(cluster: RabbitCluster): Promise<void> {
  await Promise.allSettled(
    cluster.nodes.map((node) =>
      rabbitCli(cluster, node, ['stop']).catch(() => killRabbitNode(cluster, node)),
    ),
  );
  await rm(cluster.dir, { recursive: true, force: true });
}

/** Boots a node (again: a stopped or killed node rejoins its cluster from its data folder). */
export async function startRabbitNode(
  cluster: RabbitCluster,
  node: RabbitClusterNode,
): Promise<void> {
  await sh('rabbitmq-server', ['-detached'], nodeEnv(cluster, node));
  // A daemonised node announces nothing to this process; await_startup fails at once until the
  // node has registered with epmd, then blocks until the broker is up.
  await waitFor(
    () =>
      rabbitCli(cluster, node, ['await_startup', '--timeout', '90']).then(
        () => true,
        () => false,
      ),
    { timeoutMs: 120_000, intervalMs: 500, what: `RabbitMQ node ${node.name} to start` },
  );
}

/** A clean shutdown of the whole Erlang VM, as a rolling upgrade does it. */
export async function stopRabbitNode(
  cluster: RabbitCluster,
  node: RabbitClusterNode,
): Promise<void> {
  await rabbitCli(cluster, node, ['stop']);
}

/** SIGKILL to the node's VM: no goodbye to its peers or clients, as when a host dies. */
export async function killRabbitNode(
  cluster: RabbitCluster,
  node: RabbitClusterNode,
): Promise<void> {
  const pid = Number((await readFile(join(node.dir, 'beam.pid'), 'utf8')).trim());
  try {
    process.kill(pid, 'SIGKILL');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
  await waitFor(() => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  }, `node ${node.name} (pid ${pid}) to die`);
}

/** The nodes `via` sees running in its cluster. */
export async function runningNodes(
  cluster: RabbitCluster,
  via: RabbitClusterNode,
): Promise<string[]> {
  const status = JSON.parse(
    await rabbitCli(cluster, via, ['cluster_status', '--formatter', 'json']),
  ) as { running_nodes: string[] };
  return [...status.running_nodes].sort();
}

/** Until every node sees every other running. */
export async function awaitClusterFormed(cluster: RabbitCluster, timeoutMs = 120_000) {
  const all = cluster.nodes.map((node) => node.name).sort();
  for (const node of cluster.nodes) {
    await eventually(
      () => runningNodes(cluster, node).catch((): string[] => []),
      (running) => running.join() === all.join(),
      { timeoutMs, intervalMs: 500, what: `${node.name} to see the whole cluster running` },
    );
  }
}

function nodeNamed(cluster: RabbitCluster, name: string): RabbitClusterNode {
  const node = cluster.nodes.find((candidate) => candidate.name === name);
  if (node === undefined) throw new Error(`${name} is not a node of this cluster`);
  return node;
}

/**
 * The leader and followers of a quorum queue, asked of `via` (any running node). Waits until a
 * leader is elected among the online members; `excluding` names nodes that must not be the answer
 * (the one just killed, whose old leadership a survivor may still report for a moment).
 */
export async function quorumReplicas(
  cluster: RabbitCluster,
  queue: string,
  options: { via?: RabbitClusterNode; excluding?: RabbitClusterNode[]; timeoutMs?: number } = {},
): Promise<QueueReplicas> {
  const excluded = new Set((options.excluding ?? []).map((node) => node.name));
  const candidates = cluster.nodes.filter((node) => !excluded.has(node.name));
  const via = options.via ?? candidates[0]!;
  type Row = { name: string; type: string; leader: string; members: string[]; online: string[] };
  const row = await eventually(
    async () => {
      const out = await rabbitCli(cluster, via, [
        'list_queues',
        'name',
        'type',
        'leader',
        'members',
        'online',
        '-q',
        '--formatter',
        'json',
      ]).catch(() => '[]');
      return (JSON.parse(out) as Row[]).find((candidate) => candidate.name === queue);
    },
    (found) =>
      found !== undefined &&
      found.type === 'quorum' &&
      !excluded.has(found.leader) &&
      found.online.includes(found.leader),
    { timeoutMs: options.timeoutMs ?? 60_000, intervalMs: 250, what: `a leader of ${queue}` },
  );
  if (row === undefined) throw new Error(`no quorum queue ${queue}`);
  return {
    leader: nodeNamed(cluster, row.leader),
    followers: row.members
      .filter((member) => member !== row.leader)
      .map((member) => nodeNamed(cluster, member)),
    online: row.online,
  };
}

/**
 * Cuts `node` off from its peers, both ways, while its process and its AMQP listener stay up: the
 * node is told a wrong cookie for each peer and drops its links to them in one expression, so every
 * distribution handshake between them fails from then on (the cookie a node uses with a peer
 * serves both directions: lib/kernel/src/dist_util.erl, `erlang:set_cookie/2`). Both links go at
 * the same instant, so the peers agree on what they lost and `global`'s prevention of overlapping
 * partitions (OTP 25 default) has no reason to cut them from each other. To the cluster this is a
 * network split (nodedown on both sides, Raft elections, `pause_minority`), and unlike a firewall
 * rule it needs no iptables or network namespaces, which this machine does not have. The CLI,
 * which connects under node names of its own, still reaches every node.
 */
export async function partitionRabbitNode(
  cluster: RabbitCluster,
  node: RabbitClusterNode,
): Promise<void> {
  const peers = cluster.nodes.filter((peer) => peer.name !== node.name);
  const wrong = `partitioned_${uniqueId()}`;
  await evalOn(
    cluster,
    node,
    `[begin erlang:set_cookie(P, '${wrong}'), erlang:disconnect_node(P) end || P <- [${peers.map((peer) => `'${peer.name}'`).join(', ')}]].`,
  );
  await eventually(
    () => runningNodes(cluster, peers[0]!).catch((): string[] => []),
    (running) => !running.includes(node.name),
    { timeoutMs: 30_000, intervalMs: 250, what: `${node.name} to drop out of the cluster` },
  );
}

/** Gives the node the right cookie again; waits until the whole cluster runs again. */
export async function healRabbitPartition(
  cluster: RabbitCluster,
  node: RabbitClusterNode,
): Promise<void> {
  const peers = cluster.nodes.filter((peer) => peer.name !== node.name);
  await evalOn(
    cluster,
    node,
    `[begin erlang:set_cookie(P, '${cluster.cookie}'), net_adm:ping(P) end || P <- [${peers.map((peer) => `'${peer.name}'`).join(', ')}]].`,
  );
  await awaitClusterFormed(cluster);
}

/**
 * `host:port,host:port,...`: the AMQP addresses of every node, for RABBITMQ_HOSTS, starting at node
 * `startAt`, so instances given different starts spread their connections over the nodes.
 */
export function rabbitClusterHosts(cluster: RabbitCluster, startAt = 0): string {
  const { nodes } = cluster;
  return nodes
    .map((_, i) => nodes[(i + startAt) % nodes.length]!)
    .map((node) => `127.0.0.1:${node.amqpPort}`)
    .join(',');
}
