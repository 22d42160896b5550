import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sleep } from '@flowstack/test-kit';
import { settleBooks } from '../support/books.js';
import { PRODUCT_IDS, drillResult, standardViolations } from '../support/drill.js';
import {
  orderBodyFor,
  postOrder,
  startLoad,
  type HttpOutcome,
  type LoadRecord,
} from '../support/load.js';
import {
  counterTotal,
  startManyInstances,
  stopCounting,
  type ManyInstances,
} from '../support/many-instances.js';
import { recordResult } from '../support/results.js';
import { secretLeaks } from '../support/secrets.js';

const servers = inject('chaosServers');
const cluster = inject('rabbitCluster');
const brokerCluster = { queueType: 'quorum' };

/** One steady load per api instance, merged into one record for the books. */
function loadOver(urls: string[], ratePerSecond: number) {
  const loads = urls.map((baseUrl) =>
    startLoad({
      baseUrl,
      productIds: PRODUCT_IDS,
      readPaths: ['/v1/products?limit=5'],
      ratePerSecond,
    }),
  );
  return {
    async stop(): Promise<LoadRecord> {
      const records = await Promise.all(loads.map((load) => load.stop()));
      return {
        posts: records.flatMap((record) => record.posts),
        reads: records.flatMap((record) => record.reads),
      };
    },
  };
}

const idOf = (outcome: HttpOutcome) => (JSON.parse(outcome.body) as { id: string }).id;

describe('three api and three worker processes on the cluster', () => {
  let run: ManyInstances;

  beforeAll(async () => {
    run = await startManyInstances({ servers, cluster, name: 'many', apis: 3, workers: 3 });
  });

  afterAll(async () => {
    await run?.close();
  });

  it('when orders are spread over three apis, then the books are exact and all three workers store', async () => {
    const started = Date.now();
    const load = loadOver(
      run.apis.map((api) => api.url),
      10,
    );
    await sleep(8_000);
    const record = await load.stop();
    const books = await settleBooks({
      db: run.stack.db,
      record,
      apiUrl: run.apis[0]!.url,
      orderIdOf: run.stack.orderIdOf,
    });
    const consumed = await Promise.all(
      run.workers.map((worker) => counterTotal(worker, 'flowstack_queue_consumed_total')),
    );
    const violations = [
      ...standardViolations(books, record, []),
      ...secretLeaks(run.stack.output).slice(0, 5),
    ];
    await recordResult(
      drillResult({
        spec: {
          name: 'cluster-three-apis-three-workers',
          fault: 'none: three api and three worker processes, each starting at another node',
          expected: 'every key accepted by any api stored exactly once; every worker takes a share',
          brokerCluster,
        },
        started,
        books,
        record,
        recoveryMs: undefined,
        notes: [`messages consumed per worker: ${consumed.join(', ')}`],
        violations,
      }),
    );
    expect(violations).toEqual([]);
    expect(books.accepted).toBeGreaterThan(100);
    for (const count of consumed) expect(count).toBeGreaterThan(0);
  });

  it('when the same key reaches two apis at once, then there is one order and both answers agree with it', async () => {
    const sameBody: string[] = [];
    const otherBody: { key: string; winner: string }[] = [];
    const [first, second] = [run.apis[0]!.url, run.apis[1]!.url];
    for (let round = 0; round < 20; round += 1) {
      await Promise.all(
        Array.from({ length: 5 }, async () => {
          const key = randomUUID();
          const body = orderBodyFor(PRODUCT_IDS[0]!);
          const answers = await Promise.all([
            postOrder(first, key, body),
            postOrder(second, key, body),
          ]);
          expect(answers.map((answer) => answer.status)).toEqual([202, 202]);
          expect(answers.map(idOf)).toEqual([run.stack.orderIdOf(key), run.stack.orderIdOf(key)]);
          sameBody.push(key);
        }),
      );
      await Promise.all(
        Array.from({ length: 3 }, async () => {
          const key = randomUUID();
          const bodies = [orderBodyFor(PRODUCT_IDS[1]!), orderBodyFor(PRODUCT_IDS[2]!)];
          const answers = await Promise.all([
            postOrder(first, key, bodies[0]!),
            postOrder(second, key, bodies[1]!),
          ]);
          // The first claim wins; the other body under the same key is refused (decision 002).
          expect(answers.map((answer) => answer.status).sort()).toEqual([202, 422]);
          const refused = answers.find((answer) => answer.status === 422)!;
          expect(refused.contentType).toMatch(/^application\/problem\+json/);
          const winner = answers[0].status === 202 ? PRODUCT_IDS[1]! : PRODUCT_IDS[2]!;
          otherBody.push({ key, winner });
        }),
      );
    }
    const ids = [...sameBody, ...otherBody.map(({ key }) => key)].map(run.stack.orderIdOf);
    const rowsOf = async () =>
      (
        await run.stack.db.query<{ id: string; copies: number; products: string[] }>(
          `SELECT o.id::text AS id, count(DISTINCT o.ctid)::int AS copies,
                  array_agg(i.product_id::text) AS products
             FROM orders o JOIN order_items i ON i.order_id = o.id
            WHERE o.id = ANY($1::uuid[]) GROUP BY o.id`,
          [ids],
        )
      ).rows;
    let rows = await rowsOf();
    for (let wait = 0; rows.length < ids.length && wait < 100; wait += 1) {
      await sleep(200);
      rows = await rowsOf();
    }
    expect(rows).toHaveLength(ids.length);
    for (const row of rows) {
      expect(row.copies).toBe(1);
      expect(row.products).toHaveLength(1);
    }
    const productOf = new Map(rows.map((row) => [row.id, row.products[0]]));
    for (const { key, winner } of otherBody) {
      expect(productOf.get(run.stack.orderIdOf(key))).toBe(winner);
    }
  });
});

describe('a worker scaled from one to three and back under load', () => {
  it('when workers join and leave mid-load, then nothing is stored twice and the redeliveries are counted', async () => {
    const run = await startManyInstances({
      servers,
      cluster,
      name: 'scale',
      apis: 1,
      workers: 1,
    });
    try {
      const started = Date.now();
      const load = loadOver([run.apis[0]!.url], 25);
      await sleep(3_000);
      const added = [await run.add('worker'), await run.add('worker')];
      await sleep(4_000);
      const counters = ['flowstack_queue_consumed_total', 'flowstack_queue_retried_total'];
      const leavers = await Promise.all(added.map((worker) => stopCounting(worker, counters)));
      const exits = leavers.map((leaver) => leaver.exit);
      const consumedByLeavers = leavers.map((leaver) => leaver.counts[0]!);
      const retriedByLeavers = leavers.map((leaver) => leaver.counts[1]!);
      await sleep(3_000);
      const record = await load.stop();
      const books = await settleBooks({
        db: run.stack.db,
        record,
        apiUrl: run.apis[0]!.url,
        orderIdOf: run.stack.orderIdOf,
      });
      const [stayer, api] = [run.workers[0]!, run.apis[0]!];
      const consumed =
        consumedByLeavers.reduce((sum, n) => sum + n, 0) +
        (await counterTotal(stayer, 'flowstack_queue_consumed_total'));
      const retried =
        retriedByLeavers.reduce((sum, n) => sum + n, 0) +
        (await counterTotal(stayer, 'flowstack_queue_retried_total'));
      const confirmed = await counterTotal(api, 'flowstack_queue_confirmed_total');
      const redeliveries = consumed - confirmed - retried;
      const violations = [
        ...standardViolations(books, record, []),
        ...(exits.every((code) => code === 0) ? [] : [`a leaving worker exited ${exits.join()}`]),
      ];
      await recordResult(
        drillResult({
          spec: {
            name: 'cluster-worker-scaled-1-3-1',
            fault: 'two workers added after 3 s of load, stopped (SIGTERM) 4 s later',
            expected:
              'the queue is shared by whoever consumes; leavers finish and ack what they hold; nothing stored twice',
            brokerCluster,
          },
          started,
          books,
          record,
          recoveryMs: undefined,
          notes: [
            `consumed by the two leaving workers: ${consumedByLeavers.join(', ')}`,
            `deliveries ${consumed}, messages confirmed to the api ${confirmed}, retries ${retried}: ${redeliveries} redelivered`,
          ],
          violations,
        }),
      );
      expect(violations).toEqual([]);
      for (const count of consumedByLeavers) expect(count).toBeGreaterThan(0);
    } finally {
      await run.close();
    }
  });
});
