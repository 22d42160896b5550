import { freePort, type RabbitCluster, type ThrowawayServers } from '@flowstack/test-kit';
import { spawnService, type ServiceProcess } from '@flowstack/dev-stack';
import { startChaosStack, type ChaosStack, type ServiceName } from './chaos-stack.js';
import { clusterEnv } from './cluster-drill.js';
import { send } from './load.js';

export interface Instance {
  name: ServiceName;
  process: ServiceProcess;
  url: string;
  metricsUrl: string;
}

export interface ManyInstances {
  stack: ChaosStack;
  apis: Instance[];
  workers: Instance[];
  /** One more api or worker with the drill's environment, its own ports, and its first node. */
  add(name: ServiceName): Promise<Instance>;
  close(): Promise<void>;
}

/**
 * Several api and worker processes sharing one database, Redis prefix, exchange and queue, each
 * starting its broker list at another node of the cluster, as instances spread over hosts would.
 * The first api and worker are the chaos stack's own.
 */
export async function startManyInstances(options: {
  servers: ThrowawayServers;
  cluster: RabbitCluster;
  name: string;
  apis: number;
  workers: number;
}): Promise<ManyInstances> {
  const { cluster } = options;
  const stack = await startChaosStack(options.servers, options.name, clusterEnv(cluster));
  const apis: Instance[] = [
    { name: 'api', process: stack.processes.api, url: stack.apiUrl, metricsUrl: stack.apiUrl },
  ];
  const workers: Instance[] = [
    {
      name: 'worker',
      process: stack.processes.worker,
      url: stack.workerUrl,
      metricsUrl: stack.workerUrl,
    },
  ];
  const add = async (name: ServiceName): Promise<Instance> => {
    const list = name === 'api' ? apis : workers;
    const [port, healthPort] = [await freePort(), await freePort()];
    const label = `${name}-${list.length + 1}`;
    const child = await spawnService({
      name,
      env: {
        PATH: process.env.PATH,
        ...stack.env,
        ...clusterEnv(cluster, { startAt: list.length }),
        PORT: String(port),
        HEALTH_PORT: String(healthPort),
      },
      onLine: (line) => stack.output.push(`${label} ${line}`),
      startupTimeoutMs: 60_000,
    });
    const url = `http://127.0.0.1:${name === 'api' ? port : healthPort}`;
    const instance = { name, process: child, url, metricsUrl: url };
    list.push(instance);
    return instance;
  };
  while (apis.length < options.apis) await add('api');
  while (workers.length < options.workers) await add('worker');
  return {
    stack,
    apis,
    workers,
    add,
    async close() {
      await Promise.allSettled(
        [...apis.slice(1), ...workers.slice(1)].map((instance) => instance.process.stop()),
      );
      await stack.close();
    },
  };
}

/** The sum of one Prometheus counter over its label sets, from an instance's `/metrics`. */
export async function counterTotal(instance: Instance, metric: string): Promise<number> {
  const { status, body } = await send(instance.metricsUrl, '/metrics', { method: 'GET' });
  if (status !== 200) throw new Error(`${instance.metricsUrl}/metrics answered ${status}`);
  return body
    .split('\n')
    .filter((line) => line.startsWith(`${metric}{`) || line.startsWith(`${metric} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/**
 * Stops an instance (SIGTERM) and returns the counters as they stood when it last answered: a
 * worker stops consuming and drains before it closes its health server, so the last answer holds
 * every delivery it took.
 */
export async function stopCounting(
  instance: Instance,
  metrics: readonly string[],
): Promise<{ exit: number | null; counts: number[] }> {
  const read = () => Promise.all(metrics.map((metric) => counterTotal(instance, metric)));
  let counts = await read();
  const exited = instance.process.stop();
  let done = false;
  void exited.then(() => {
    done = true;
  });
  while (!done) {
    try {
      counts = await read();
    } catch {
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { exit: await exited, counts };
}
