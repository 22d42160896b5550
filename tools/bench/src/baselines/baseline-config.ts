/** What a baseline process needs to know; read from its environment (set by the bench). */
export interface BaselineConfig {
  postgres: { host: string; port: number; database: string; user: string; password?: string };
  redis: { host: string; port: number };
  rabbitmqUrl: string;
  exchange: string;
  queue: string;
  prefetch: number;
  poolMax: number;
}

export function baselineConfig(env: NodeJS.ProcessEnv): BaselineConfig {
  const user = env.RABBITMQ_USER ?? 'guest';
  const password = env.RABBITMQ_PASSWORD ?? 'guest';
  return {
    postgres: {
      host: env.POSTGRES_HOST ?? '127.0.0.1',
      port: Number(env.POSTGRES_PORT ?? 5432),
      database: env.POSTGRES_DB ?? 'flowstack_bench',
      user: env.POSTGRES_USER ?? 'postgres',
      ...(env.POSTGRES_PASSWORD === undefined ? {} : { password: env.POSTGRES_PASSWORD }),
    },
    redis: { host: env.REDIS_HOST ?? '127.0.0.1', port: Number(env.REDIS_PORT ?? 6379) },
    rabbitmqUrl: `amqp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${
      env.RABBITMQ_HOST ?? '127.0.0.1'
    }:${env.RABBITMQ_PORT ?? 5672}`,
    exchange: env.BASELINE_EXCHANGE ?? 'bench.baseline',
    queue: env.BASELINE_QUEUE ?? 'bench.baseline.orders',
    // The same defaults as flowstack's (WORKER_PREFETCH, POSTGRES_POOL_MAX), so the comparison is fair.
    prefetch: Number(env.BASELINE_PREFETCH ?? 200),
    poolMax: Number(env.BASELINE_POOL_MAX ?? 10),
  };
}

/** The naive pipeline's table: one row per message, nothing else. */
export const NAIVE_TABLE_SQL = `CREATE TABLE IF NOT EXISTS bench_naive_orders (
  id uuid PRIMARY KEY,
  customer_email text NOT NULL,
  product_id text NOT NULL,
  quantity integer NOT NULL,
  accepted_at timestamptz NOT NULL,
  stored_at timestamptz NOT NULL DEFAULT now()
)`;
