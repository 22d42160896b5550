#!/usr/bin/env node
import { runQueuesCli } from './queue-commands.js';

process.exitCode = await runQueuesCli(process.argv.slice(2), process.env, {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
