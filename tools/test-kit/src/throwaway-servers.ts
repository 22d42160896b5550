import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { asRoot, sh } from './shell.js';
import { waitFor } from './wait.js';

/**
 * PostgreSQL, Redis and RabbitMQ of a suite's own, on free ports, so a test can stop, crash or
 * restart them while everyone else's tests keep using the machine's servers. They run as daemons:
 * the global setup that starts them and the test files that stop them are different processes,
 * so only the ports and directories (plain JSON, see vitest's `provide`) cross between them.
 */
export interface ThrowawayServers {
  dir: string;
  rabbitmq: { node: string; port: number; distPort: number };
  postgres: { port: number; dataDir: string };
  redis: { port: number };
}

const PG_BIN = process.env.CHAOS_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** PostgreSQL refuses to run as root: run its tools as the postgres user then. */
function pgTool(tool: string, args: string[]): Promise<string> {
  return asRoot
    ? sh('runuser', ['-u', 'postgres', '--', join(PG_BIN, tool), ...args])
    : sh(join(PG_BIN, tool), args);
}

export async function startThrowawayServers(): Promise<ThrowawayServers> {
  const dir = await mkdtemp(join(tmpdir(), 'flowstack-chaos-'));
  // The servers run as their own users (rabbitmq, postgres) and must reach their subdirectories.
  await chmod(dir, 0o755);
  const [rabbitPort, distPort, pgPort, redisPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const servers: ThrowawayServers = {
    dir,
    rabbitmq: { node: `chaos-${rabbitPort}@localhost`, port: rabbitPort, distPort },
    postgres: { port: pgPort, dataDir: join(dir, 'pg', 'data') },
    redis: { port: redisPort },
  };
  await Promise.all([startRabbitNode(servers), startPostgresCluster(servers), startRedis(servers)]);
  return servers;
}

export async function stopThrowawayServers(servers: ThrowawayServers): Promise<void> {
  await Promise.allSettled([
    sh('rabbitmqctl', ['-n', servers.rabbitmq.node, 'stop']),
    pgTool('pg_ctl', ['-D', servers.postgres.dataDir, '-m', 'immediate', '-w', 'stop']),
    stopRedis(servers),
  ]);
  await rm(servers.dir, { recursive: true, force: true });
}

async function startRabbitNode(servers: ThrowawayServers): Promise<void> {
  const base = join(servers.dir, 'rabbitmq');
  await mkdir(join(base, 'mnesia'), { recursive: true });
  await mkdir(join(base, 'log'), { recursive: true });
  await writeFile(join(base, 'enabled_plugins'), '[].\n');
  // The machine's rabbitmq.conf pins the listener to 5672; this node gets a file of its own.
  await writeFile(
    join(base, 'rabbitmq.conf'),
    `listeners.tcp.local = 127.0.0.1:${servers.rabbitmq.port}\n`,
  );
  // rabbitmq-server drops to the rabbitmq user when started as root.
  if (asRoot) await sh('chown', ['-R', 'rabbitmq:rabbitmq', base]);
  const { node, port, distPort } = servers.rabbitmq;
  await sh('rabbitmq-server', ['-detached'], {
    RABBITMQ_NODENAME: node,
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_CONFIG_FILE: join(base, 'rabbitmq.conf'),
    RABBITMQ_MNESIA_BASE: join(base, 'mnesia'),
    RABBITMQ_LOG_BASE: join(base, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(base, 'enabled_plugins'),
    RABBITMQ_FEATURE_FLAGS_FILE: join(base, 'feature_flags'),
  });
  await awaitRabbit(servers, 90_000);
}

/** Polls: a daemonised node announces nothing to this process. */
async function awaitRabbit(servers: ThrowawayServers, timeoutMs: number): Promise<void> {
  // await_startup fails at once until the node has registered with epmd.
  await waitFor(
    () =>
      sh('rabbitmqctl', ['-n', servers.rabbitmq.node, 'await_startup', '--timeout', '60']).then(
        () => true,
        () => false,
      ),
    { timeoutMs, intervalMs: 500, what: `RabbitMQ node ${servers.rabbitmq.node} to start` },
  );
}

async function startPostgresCluster(servers: ThrowawayServers): Promise<void> {
  const pgDir = join(servers.dir, 'pg');
  await mkdir(pgDir, { recursive: true });
  if (asRoot) await sh('chown', ['postgres:postgres', pgDir]);
  await pgTool('initdb', ['-D', servers.postgres.dataDir, '-A', 'trust', '-U', 'postgres', '-N']);
  await startPostgres(servers);
}

export async function startPostgres(servers: ThrowawayServers): Promise<void> {
  const { dataDir, port } = servers.postgres;
  await pgTool('pg_ctl', [
    '-D',
    dataDir,
    '-l',
    join(dataDir, '..', 'server.log'),
    '-o',
    `-p ${port} -k ${join(dataDir, '..')} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
    '-w',
    'start',
  ]);
}

/** `fast` disconnects every session and stops cleanly; `immediate` is a crash. */
export async function stopPostgres(
  servers: ThrowawayServers,
  mode: 'fast' | 'immediate' = 'fast',
): Promise<void> {
  await pgTool('pg_ctl', ['-D', servers.postgres.dataDir, '-m', mode, '-w', 'stop']);
}

/** Polls: a daemonised redis-server announces nothing to this process. */
export async function startRedis(servers: Pick<ThrowawayServers, 'dir' | 'redis'>): Promise<void> {
  await sh('redis-server', [
    '--port',
    String(servers.redis.port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    // DEBUG SLEEP makes a server that accepts connections and does not answer.
    '--enable-debug-command',
    'yes',
    '--daemonize',
    'yes',
    '--dir',
    servers.dir,
    '--pidfile',
    join(servers.dir, 'redis.pid'),
    '--logfile',
    join(servers.dir, 'redis.log'),
  ]);
  await waitFor(
    () =>
      sh('redis-cli', ['-p', String(servers.redis.port), 'ping']).then(
        (out) => out.includes('PONG'),
        () => false,
      ),
    { intervalMs: 100, what: `redis-server on port ${servers.redis.port}` },
  );
}

export async function stopRedis(servers: Pick<ThrowawayServers, 'redis'>): Promise<void> {
  await sh('redis-cli', ['-p', String(servers.redis.port), 'shutdown', 'nosave']).catch(
    // redis-cli reports the dropped connection of a successful shutdown as an error on some versions.
    () => undefined,
  );
}

export async function stopRabbitApp(servers: ThrowawayServers): Promise<void> {
  await sh('rabbitmqctl', ['-n', servers.rabbitmq.node, 'stop_app']);
}

export async function startRabbitApp(servers: ThrowawayServers): Promise<void> {
  await sh('rabbitmqctl', ['-n', servers.rabbitmq.node, 'start_app']);
  await awaitRabbit(servers, 60_000);
}

export interface QueueCounts {
  ready: number;
  unacked: number;
}

/** Ready and unacknowledged messages of one queue, as the broker reports them. */
export async function queueCounts(servers: ThrowawayServers, queue: string): Promise<QueueCounts> {
  const out = await sh('rabbitmqctl', [
    '-n',
    servers.rabbitmq.node,
    'list_queues',
    'name',
    'messages_ready',
    'messages_unacknowledged',
    '-q',
    '--formatter',
    'json',
  ]);
  const rows = JSON.parse(out) as {
    name: string;
    messages_ready: number;
    messages_unacknowledged: number;
  }[];
  const row = rows.find((candidate) => candidate.name === queue);
  return { ready: row?.messages_ready ?? 0, unacked: row?.messages_unacknowledged ?? 0 };
}

/** One throwaway redis-server on its own: for door tests that stop the server under a client. */
export interface ThrowawayRedis {
  readonly port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function throwawayRedis(): Promise<ThrowawayRedis> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'flowstack-redis-'));
  const server = { dir, redis: { port } };
  return {
    port,
    start: () => startRedis(server),
    async stop() {
      await stopRedis(server);
      await waitFor(
        () =>
          sh('redis-cli', ['-p', String(port), 'ping']).then(
            () => false,
            () => true,
          ),
        `redis-server on port ${port} to stop`,
      );
    },
  };
}
