#!/usr/bin/env node
import type { BenchStack } from '../stack/local-stack.js';
import {
  apiCompletionSource,
  databaseCompletionSource,
  type CompletionSource,
} from '../load/completion.js';
import { nothingLost, runScenario } from '../load/run-scenario.js';
import { completionLines, summaryTable } from '../report/summary-table.js';
import { answers, postgresTargetOf, stackEnvironment, startStack } from '../stack/local-stack.js';
import { LOADTEST_USAGE, parseLoadtestArgs, parsePostgresUrl, UsageError } from './args.js';

const LOCAL_API = 'http://127.0.0.1:3000';

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${LOADTEST_USAGE}\n`);
    return 0;
  }
  const args = parseLoadtestArgs(argv);
  let stack: BenchStack | undefined;
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
        process.stderr.write('nothing answers on :3000; starting the local stack\n');
        stack = await startStack(stackEnvironment());
        target = stack.api.url;
      }
    }
    if (args.scenario !== 'read') {
      if (args.pg === 'none' || (args.pg === undefined && !local)) {
        completion = apiCompletionSource(target);
      } else {
        const pg =
          args.pg === undefined ? postgresTargetOf(stackEnvironment()) : parsePostgresUrl(args.pg);
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
      if (run.completion !== undefined)
        process.stdout.write(`${completionLines(run.completion)}\n`);
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
    await stack?.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${LOADTEST_USAGE}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(
      `loadtest failed: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
