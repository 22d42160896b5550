#!/usr/bin/env node
import { runRewrapCli } from './rewrap-command.js';

process.exitCode = await runRewrapCli(process.argv.slice(2), process.env, {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
