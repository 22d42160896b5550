#!/usr/bin/env node
import { openBenchStack, type BenchStack } from '../bench/bench-stack.js';
import type { BenchProcess } from '../stack/processes.js';
import {
  apiCompletionSource,
  databaseCompletionSource,
  type CompletionSource,
} from '../load/completion.js';
import { nothingLost, runScenario } from '../load/run-scenario.js';
import { completionLines, summaryTable } from '../report/summary-table.js';
import { answers, postgresTargetOf, stackEnvironment } from '../stack/local-stack.js';
import { PG_AUTH } from '@flowstack/dev-stack';
import { runCli } from '@flowstack/errors';
import { LOADTEST_USAGE, parseLoadtestArgs, parsePostgresUrl } from './args.js';

const LOCAL_API = 'http://127.0.0.1:3000';

async function main(argv: string[]): Promise<number> {
  const args = parseLoadtestArgs(argv);
  let stack: BenchStack | undefined;
  const services: BenchProcess[] = [];
  let completion: CompletionSource | undefined;
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  try {
    let target = args.target;
    const local = target === undefined;
    if (target === undefined) {
      if (await answers(LOCAL_API)) {
        target = LOCAL_API;
      } else {
        const profile = args.noVault ? 'no-vault' : 'vault';
        process.stderr.write(`nothing answers on :3000; starting the local stack (${profile})\n`);
        stack = await openBenchStack(profile);
        services.push(await stack.startService('worker'));
        services.push(await stack.startService('api'));
        target = services[1]!.url;
      }
    }
    if (args.scenario !== 'read') {
      if (args.pg === 'none' || (args.pg === undefined && !local)) {
        completion = apiCompletionSource(target);
      } else {
        // The stack this run started, else `npm run dev`'s database (5433 with Vault).
        const devStack = args.noVault
          ? postgresTargetOf(stackEnvironment())
          : {
              ...postgresTargetOf(stackEnvironment()),
              host: PG_AUTH.host,
              port: PG_AUTH.port,
              user: PG_AUTH.adminUser,
              password: PG_AUTH.adminPassword,
            };
        const pg =
          args.pg !== undefined ? parsePostgresUrl(args.pg) : (stack?.pgTarget ?? devStack);
        completion = await databaseCompletionSource(pg);
      }
    }
    process.stderr.write(
      `${args.scenario} against ${target}: ${args.durationSeconds}s, ${args.connections} connections, ${
        args.rate === undefined
          ? 'max throughput (closed model)'
          : `${args.rate} req/s (open model)`
      }\n`,
    );
    const run = await runScenario({
      target,
      scenario: args.scenario,
      durationSeconds: args.durationSeconds,
      connections: args.connections,
      ...(args.rate === undefined ? {} : { rate: args.rate }),
      ...(completion === undefined ? {} : { completion }),
      progress: true,
      signal: abort.signal,
    });
    if (args.json) {
      process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
    } else {
      process.stdout.write(`${summaryTable([run.load])}\n`);
      if (run.completion !== undefined) {
        process.stdout.write(`${completionLines(run.completion)}\n`);
      }
    }
    if (!nothingLost(run)) {
      const c = run.completion!;
      process.stderr.write(
        `\n!!! ORDERS LOST: ${c.accepted} accepted but only ${c.stored} stored (${c.missing} missing after ${c.waitedMs} ms) !!!\n`,
      );
      return 1;
    }
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
    await completion?.close();
    for (const service of services.reverse()) await service.stop();
    await stack?.stop();
  }
}

process.exitCode = await runCli({
  name: 'loadtest',
  usage: LOADTEST_USAGE,
  run: ({ argv }) => main(argv),
});
