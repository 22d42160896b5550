#!/usr/bin/env node
import { runDeadLetterCli } from './dead-letter-commands.js';

process.exitCode = await runDeadLetterCli(process.argv.slice(2), process.env, {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
