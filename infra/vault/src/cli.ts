#!/usr/bin/env node
import { BootstrapError } from './bootstrap-error.js';
import { bootstrapVault, type BootstrapReport } from './bootstrap.js';
import { parseCliArgs } from './cli-args.js';

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

try {
  const command = parseCliArgs(process.argv.slice(2), process.env);
  for (const warning of command.warnings) process.stderr.write(`warning: ${warning}\n`);
  const report = await bootstrapVault(command.options);
  process.stdout.write(
    command.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report),
  );
} catch (error) {
  const message = error instanceof BootstrapError ? error.message : String(error);
  process.stderr.write(`vault bootstrap failed: ${message}\n`);
  process.exitCode = 1;
}
