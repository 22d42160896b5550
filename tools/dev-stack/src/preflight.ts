import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * One prerequisite of the local stack. `check` answers undefined when it is met, or the one line
 * a person needs: what is missing and the exact command that provides it. `fix`, when present,
 * is something the dev stack can do itself (it is tried once, then `check` runs again).
 */
export interface PreflightCheck {
  name: string;
  /** Names of checks that must pass first; when one failed, this one is not run (its line would only repeat the cause). */
  needs?: string[];
  check(): Promise<string | undefined>;
  fix?(): Promise<void>;
}

/** Runs the checks in order and returns one line per missing piece (empty when all are met). */
export async function runPreflight(checks: PreflightCheck[]): Promise<string[]> {
  const failed = new Set<string>();
  const lines: string[] = [];
  for (const item of checks) {
    if (item.needs?.some((name) => failed.has(name)) === true) {
      failed.add(item.name);
      continue;
    }
    let problem = await item.check();
    if (problem !== undefined && item.fix !== undefined) {
      await item.fix();
      problem = await item.check();
    }
    if (problem !== undefined) {
      failed.add(item.name);
      lines.push(problem);
    }
  }
  return lines;
}

export function isReachable(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Whether Redis serves a connection that never authenticated (its `default` user is on and
 * `nopass`): then any local process may read or flush every key, whatever the leased users'
 * ACLs say. The machine's shared Redis is like that; `npm run dev` says so instead of changing it.
 */
export function redisDefaultUserOpen(
  host: string,
  port: number,
  timeoutMs = 2000,
): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let reply = '';
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

export interface Dependency {
  name: string;
  host: string;
  port: number;
  /** How to start it on a Debian machine like the project's CI. */
  howToStart: string;
}

export function localDependencies(env: Record<string, string | undefined>): Dependency[] {
  const host = (key: string) => env[key] ?? '127.0.0.1';
  const port = (key: string, fallback: number) => Number(env[key] ?? fallback);
  return [
    {
      name: 'PostgreSQL',
      host: host('POSTGRES_HOST'),
      port: port('POSTGRES_PORT', 5432),
      howToStart: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
    },
    {
      name: 'Redis',
      host: host('REDIS_HOST'),
      port: port('REDIS_PORT', 6379),
      howToStart:
        'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
    },
    {
      name: 'RabbitMQ',
      host: host('RABBITMQ_HOST'),
      port: port('RABBITMQ_PORT', 5672),
      howToStart: 'rabbitmq-server -detached',
    },
  ];
}

export function serverCheck(dep: Dependency): PreflightCheck {
  return {
    name: dep.name,
    check: async () =>
      (await isReachable(dep.host, dep.port))
        ? undefined
        : `${dep.name} is not reachable at ${dep.host}:${dep.port}; start it with: ${dep.howToStart}`,
  };
}

/** Names every dependency that does not answer, with the command that starts it. */
export async function findUnreachable(dependencies: Dependency[]): Promise<string[]> {
  return runPreflight(dependencies.map(serverCheck));
}

const AUTH_CLUSTER_SCRIPT = fileURLToPath(
  new URL('../../../scripts/pg-auth-cluster.sh', import.meta.url),
);

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** True when `name` is an executable file on PATH (or an absolute path to one). */
export function onPath(name: string, path = process.env.PATH ?? ''): boolean {
  const candidates = name.includes('/') ? [name] : path.split(delimiter).map((d) => join(d, name));
  return candidates.some((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  return new Promise<number>((resolve) => {
    const child = spawn(command, args, { stdio: 'ignore', env });
    child.once('error', () => resolve(-1));
    child.once('exit', (code) => resolve(code ?? -1));
  });
}

/**
 * Vault-issued PostgreSQL users need a server that checks passwords (the machine's 5432 trusts
 * every local connection). As root, the repository's script creates and starts it; otherwise the
 * line says to run that script as root.
 */
export function authClusterCheck(options: {
  host: string;
  port: number;
  root?: boolean;
}): PreflightCheck {
  const root = options.root ?? isRoot();
  return {
    name: 'PostgreSQL password-checking cluster',
    check: async () =>
      (await isReachable(options.host, options.port))
        ? undefined
        : `PostgreSQL password-checking cluster (for Vault-issued users) is not reachable at ${options.host}:${options.port}; create it with: sudo PG_AUTH_PORT=${options.port} bash scripts/pg-auth-cluster.sh   (or run without Vault: npm run dev -- --no-vault)`,
    ...(root && existsSync(AUTH_CLUSTER_SCRIPT)
      ? {
          fix: async () => {
            await run('bash', [AUTH_CLUSTER_SCRIPT], {
              ...process.env,
              PG_AUTH_PORT: String(options.port),
            });
          },
        }
      : {}),
  };
}

export interface RabbitmqManagement {
  url: string;
  username: string;
  password: string;
}

/** Where the Vault RabbitMQ engine reaches the management API, from the same keys the dev stack passes to it. */
export function rabbitmqManagement(env: Record<string, string | undefined>): RabbitmqManagement {
  return {
    url: env.RABBITMQ_MANAGEMENT_URL ?? `http://${env.RABBITMQ_HOST ?? '127.0.0.1'}:15672`,
    username: env.RABBITMQ_ADMIN_USER ?? 'guest',
    password: env.RABBITMQ_ADMIN_PASSWORD ?? 'guest',
  };
}

type ManagementState = 'ok' | 'unreachable' | 'unauthorized';

async function probeManagement(target: RabbitmqManagement): Promise<ManagementState> {
  try {
    const response = await fetch(new URL('/api/overview', target.url), {
      headers: {
        authorization: `Basic ${Buffer.from(`${target.username}:${target.password}`).toString('base64')}`,
      },
      signal: AbortSignal.timeout(2000),
    });
    await response.body?.cancel();
    if (response.status === 401 || response.status === 403) return 'unauthorized';
    return response.ok ? 'ok' : 'unreachable';
  } catch {
    return 'unreachable';
  }
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * The Vault RabbitMQ engine creates users through the management plugin's HTTP API, which a
 * fresh RabbitMQ install has off. When the broker is on this machine at the plugin's default
 * port and we are root, `rabbitmq-plugins enable` is run and the API is waited for (the plugin
 * takes a few seconds to bind); anything else gets the line with the command.
 */
export function rabbitmqManagementCheck(
  target: RabbitmqManagement,
  options: { root?: boolean; readyTimeoutMs?: number } = {},
): PreflightCheck {
  const url = new URL(target.url);
  const command = 'sudo rabbitmq-plugins enable rabbitmq_management';
  const canEnable =
    (options.root ?? isRoot()) &&
    LOCAL_HOSTS.has(url.hostname) &&
    (url.port === '15672' || (url.port === '' && url.protocol === 'http:')) &&
    onPath('rabbitmq-plugins');
  return {
    name: 'RabbitMQ management API',
    needs: ['RabbitMQ'],
    check: async () => {
      const state = await probeManagement(target);
      if (state === 'ok') return undefined;
      if (state === 'unauthorized') {
        return `RabbitMQ management API at ${target.url} refused user "${target.username}"; set RABBITMQ_ADMIN_USER and RABBITMQ_ADMIN_PASSWORD to an administrator, or create one with: sudo rabbitmqctl add_user <name> <password> && sudo rabbitmqctl set_user_tags <name> administrator && sudo rabbitmqctl set_permissions <name> '.*' '.*' '.*'`;
      }
      return `RabbitMQ management API (used by Vault's RabbitMQ engine) is not reachable at ${target.url}; enable it with: ${command}   (or run without Vault: npm run dev -- --no-vault)`;
    },
    ...(canEnable
      ? {
          fix: async () => {
            if ((await run('rabbitmq-plugins', ['-q', 'enable', 'rabbitmq_management'])) !== 0) {
              return;
            }
            // Enabling returns before the listener is up; there is no event to wait on but the port.
            const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
            while (Date.now() < deadline && (await probeManagement(target)) === 'unreachable') {
              await new Promise((resolve) => setTimeout(resolve, 500));
            }
          },
        }
      : {}),
  };
}

function isFree(host: string, port: number, protocol: 'tcp' | 'udp'): Promise<boolean> {
  if (protocol === 'udp') {
    return import('node:dgram').then(
      ({ createSocket }) =>
        new Promise<boolean>((resolve) => {
          const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
          socket.once('error', () => {
            socket.close();
            resolve(false);
          });
          socket.bind(port, host, () => socket.close(() => resolve(true)));
        }),
    );
  }
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the stack is about to listen on; a taken one is named with what to do about it. */
export function portCheck(options: {
  what: string;
  host: string;
  port: number;
  /** The environment key that moves it. */
  key: string;
  protocol?: 'tcp' | 'udp';
}): PreflightCheck {
  const protocol = options.protocol ?? 'tcp';
  return {
    name: `port ${options.port}`,
    check: async () =>
      options.port === 0 || (await isFree(options.host, options.port, protocol))
        ? undefined
        : `Port ${options.port}/${protocol} (${options.what}) is already in use on ${options.host}; see what holds it with: ss -lnp${protocol === 'udp' ? 'u' : 't'} 'sport = :${options.port}'   (stop it, or set ${options.key}=<free port>)`,
  };
}

/**
 * A program a feature needs (an LDAP server for the LDAP login, Chromium for the browser tests).
 * `install` is the exact command, normally one of the repository's scripts.
 */
export function executableCheck(options: {
  what: string;
  executable: string;
  install: string;
}): PreflightCheck {
  return {
    name: options.what,
    check: () =>
      Promise.resolve(
        onPath(options.executable)
          ? undefined
          : `${options.what} (${options.executable}) is not installed; install it with: ${options.install}`,
      ),
  };
}

/**
 * Everything the local stack needs before it starts anything. `ports: false` leaves out the
 * listening ports (the end-to-end tests run the stack on port 0). Features add their checks here.
 */
export function devStackChecks(options: {
  env: Record<string, string | undefined>;
  vault?: { port: number; authCluster: { host: string; port: number } } | undefined;
  consul?: { port: number; dnsPort: number } | undefined;
  ports?: boolean;
}): PreflightCheck[] {
  const { env, vault, consul } = options;
  const host = env.HOST ?? '127.0.0.1';
  // With Vault, PostgreSQL is the password-checking cluster, which has its own check and fix.
  const servers = localDependencies(env)
    .filter((dep) => vault === undefined || dep.name !== 'PostgreSQL')
    .map(serverCheck);
  const checks: PreflightCheck[] = [
    ...(vault === undefined ? [] : [authClusterCheck(vault.authCluster)]),
    ...servers,
    ...(vault === undefined ? [] : [rabbitmqManagementCheck(rabbitmqManagement(env))]),
  ];
  if (options.ports === false) return checks;
  // The doubles listen on loopback; api and worker on HOST.
  const loopback = '127.0.0.1';
  checks.push(
    portCheck({ what: 'api', host, port: Number(env.PORT ?? 3000), key: 'PORT' }),
    portCheck({
      what: 'worker health and metrics',
      host,
      port: Number(env.HEALTH_PORT ?? 3001),
      key: 'HEALTH_PORT',
    }),
  );
  if (vault !== undefined) {
    checks.push(
      portCheck({
        what: 'Vault double',
        host: loopback,
        port: vault.port,
        key: 'VAULT_DOUBLE_PORT',
      }),
    );
  }
  if (consul !== undefined) {
    checks.push(
      portCheck({
        what: 'Consul double HTTP',
        host: loopback,
        port: consul.port,
        key: 'CONSUL_DOUBLE_PORT',
      }),
      portCheck({
        what: 'Consul double DNS',
        host: loopback,
        port: consul.dnsPort,
        key: 'CONSUL_DOUBLE_DNS_PORT',
        protocol: 'udp',
      }),
    );
  }
  return checks;
}
