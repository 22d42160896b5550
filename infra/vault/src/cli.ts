#!/usr/bin/env node
import { runCli } from '@flowstack/errors';
import { BootstrapError } from './bootstrap-error.js';
import { bootstrapVault, type BootstrapReport } from './bootstrap.js';
import { parseCliArgs, USAGE } from './cli-args.js';

function formatReport(report: BootstrapReport): string {
  const width = Math.max(...report.steps.map((s) => s.resource.length));
  const lines = report.steps.map(
    (s) =>
      `${s.outcome.padEnd(9)} ${s.detail ? `${s.resource.padEnd(width)}  (${s.detail})` : s.resource}`,
  );
  const summary = report.changed
    ? `${report.vaultWrites} write(s) to Vault`
    : 'nothing to change: Vault already matches';
  return `${lines.join('\n')}\n${summary}\n`;
}

process.exitCode = await runCli({
  name: 'vault bootstrap',
  usage: USAGE,
  userErrors: [BootstrapError],
  run: async ({ argv }, io) => {
    const command = parseCliArgs(argv, process.env);
    for (const warning of command.warnings) io.err(`warning: ${warning}`);
    const report = await bootstrapVault(command.options);
    process.stdout.write(
      command.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report),
    );
  },
});
