import { connect } from 'node:net';

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

/** Names every dependency that does not answer, with the command that starts it. */
export async function findUnreachable(dependencies: Dependency[]): Promise<string[]> {
  const results = await Promise.all(
    dependencies.map(async (dep) => ((await isReachable(dep.host, dep.port)) ? undefined : dep)),
  );
  return results
    .filter((dep): dep is Dependency => dep !== undefined)
    .map(
      (dep) =>
        `${dep.name} is not reachable at ${dep.host}:${dep.port}. Start it with:\n    ${dep.howToStart}`,
    );
}
