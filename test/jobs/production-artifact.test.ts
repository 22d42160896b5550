import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDuration, taskEnvironment, type JobFile } from '@flowstack/job-validator';
import { freePort } from '@flowstack/test-kit';
import {
  stageProductionArtifact,
  startService,
  waitForStatus,
  type StartedProcess,
} from './artifact.js';
import { dropDatabase, realJob, REPO_ROOT } from './helpers.js';

/** The env block of the job's task, as Nomad hands it to the process. */
function jobEnv(jobFile: JobFile, task: string): Record<string, string> {
  const found = jobFile.job.group.flatMap((group) => group.task).find((t) => t.name === task);
  if (!found) throw new Error(`${jobFile.file} has no task ${task}`);
  return Object.fromEntries(taskEnvironment(found).literal);
}

function killTimeoutMs(jobFile: JobFile, task: string): number {
  const found = jobFile.job.group.flatMap((group) => group.task).find((t) => t.name === task);
  return parseDuration(found?.kill_timeout ?? '5s') ?? 5_000;
}

describe('the production artifact (what the Dockerfiles copy, plus production dependencies)', () => {
  const id = randomUUID().slice(0, 8);
  // Each run owns its database, exchange and queue; the addresses are the job's (127.0.0.1, the
  // sidecar upstreams), which on this machine are the real servers. There is no Nomad task token
  // here, so the processes use the local servers' static credentials (VAULT_AUTH_METHOD=none).
  const isolation = {
    POSTGRES_DB: `flowstack_artifact_${id}`,
    ORDERS_EXCHANGE: `flowstack.artifact.${id}`,
    ORDERS_QUEUE: `flowstack.artifact.${id}.store`,
    POSTGRES_USER: 'postgres',
    RABBITMQ_USER: 'guest',
    RABBITMQ_PASSWORD: 'guest',
    VAULT_AUTH_METHOD: 'none',
  };
  let app = '';
  const started: StartedProcess[] = [];
  let stagingMs = 0;

  beforeAll(async () => {
    const begin = Date.now();
    app = await stageProductionArtifact(REPO_ROOT, ['@flowstack/api', '@flowstack/worker']);
    stagingMs = Date.now() - begin;
  }, 240_000);

  /** As the broker's administrator, which is who owns the orders exchange in a deployment. */
  async function asBrokerAdmin(work: (channel: amqp.Channel) => Promise<void>): Promise<void> {
    const connection = await amqp.connect('amqp://guest:guest@127.0.0.1:5672/');
    try {
      await work(await connection.createChannel());
    } finally {
      await connection.close();
    }
  }

  afterAll(async () => {
    for (const process of started) await process.terminate();
    dropDatabase(isolation.POSTGRES_DB);
    const queue = isolation.ORDERS_QUEUE;
    await asBrokerAdmin(async (channel) => {
      for (const name of [
        queue,
        `${queue}.dead`,
        ...[1000, 5000, 30000].map((ms) => `${queue}.retry.${ms}`),
      ]) {
        await channel.deleteQueue(name);
      }
      await channel.deleteExchange(`${queue}.moves`);
      await channel.deleteExchange(isolation.ORDERS_EXCHANGE);
    });
    if (app !== '') await rm(dirname(app), { recursive: true, force: true });
  });

  it('when staged, then it holds only production dependencies and the built code', async () => {
    const { existsSync } = await import('node:fs');
    expect(existsSync(join(app, 'services/api/dist/main.js'))).toBe(true);
    expect(existsSync(join(app, 'services/worker/dist/main.js'))).toBe(true);
    expect(existsSync(join(app, 'packages/domain/migrations'))).toBe(true);
    expect(existsSync(join(app, 'services/api/src'))).toBe(false);
    expect(existsSync(join(app, 'node_modules/vitest'))).toBe(false);
    expect(existsSync(join(app, 'node_modules/turbo'))).toBe(false);
    expect(existsSync(join(app, 'node_modules/express'))).toBe(true);
    expect(stagingMs).toBeGreaterThan(0);
  });

  it('when started with the env of their job specs, then api and worker answer /health/ready 200 and stop within kill_timeout', async () => {
    const workerJob = await realJob('worker');
    const migrate = spawnSync(
      process.execPath,
      ['packages/domain/dist/migrate-cli.js', '--create-database'],
      {
        cwd: app,
        encoding: 'utf8',
        env: { PATH: process.env['PATH'] ?? '', ...jobEnv(workerJob, 'migrate'), ...isolation },
      },
    );
    expect(migrate.status, migrate.stderr).toBe(0);

    // The jobs check the orders exchange passively (ORDERS_EXCHANGE_DECLARE=false): the Vault
    // bootstrap declares it in a deployment (infra/vault/src/rabbitmq-topology.ts).
    await asBrokerAdmin(async (channel) => {
      await channel.assertExchange(isolation.ORDERS_EXCHANGE, 'topic', { durable: true });
    });
    const workerPort = await freePort();
    const worker = startService(join(app, 'services/worker'), {
      ...jobEnv(workerJob, 'worker'),
      ...isolation,
      HEALTH_PORT: String(workerPort),
    });
    started.push(worker);

    const apiJob = await realJob('api');
    const apiPort = await freePort();
    const api = startService(join(app, 'services/api'), {
      ...jobEnv(apiJob, 'api'),
      ...isolation,
      PORT: String(apiPort),
    });
    started.push(api);

    expect(
      await waitForStatus(`http://127.0.0.1:${workerPort}/health/ready`, worker, 60_000),
      worker.output(),
    ).toBe(200);
    expect(
      await waitForStatus(`http://127.0.0.1:${apiPort}/health/ready`, api, 60_000),
      api.output(),
    ).toBe(200);
    const products = await fetch(`http://127.0.0.1:${apiPort}/v1/products`);
    expect(products.status).toBe(200);

    for (const [process, jobFile, task] of [
      [api, apiJob, 'api'],
      [worker, workerJob, 'worker'],
    ] as const) {
      const { code, ms } = await process.terminate();
      expect(code, process.output()).toBe(0);
      expect(ms).toBeLessThan(killTimeoutMs(jobFile, task));
    }
  }, 180_000);
});
