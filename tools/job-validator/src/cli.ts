#!/usr/bin/env node
import { resolve } from 'node:path';
import { formatFinding } from './findings.js';
import { nomadOnPath, runNomadChecks } from './nomad-cli.js';
import { loadRepository } from './repository.js';
import { validateRepository } from './validate.js';

/**
 * `npm run validate:jobs`: parses every job, policy and agent file with HashiCorp's HCL parser,
 * runs the rules, then `nomad fmt -check` and `nomad job validate` when nomad is on PATH.
 * Exits 1 on any finding. Usage: flowstack-validate-jobs [repository root]
 */
const root = resolve(process.argv[2] ?? process.cwd());
const out = (line: string) => process.stdout.write(`${line}\n`);
let failed: boolean;
try {
  const repository = await loadRepository(root);
  out(`parsed ${repository.parsedFiles.length} HCL files with @cdktf/hcl2json`);
  const report = validateRepository(repository);
  out(`checked ${report.jobs.length} jobs against ${report.rules.length} rules`);
  for (const skip of report.skipped) out(`skipped ${skip.rule}: ${skip.reason}`);
  for (const finding of report.findings) out(`FAIL ${formatFinding(finding)}`);
  failed = report.findings.length > 0;
  if (nomadOnPath()) {
    for (const check of runNomadChecks(root, report.jobs)) {
      out(`${check.ok ? 'ok  ' : 'FAIL'} ${check.command}${check.ok ? '' : `\n${check.output}`}`);
      failed ||= !check.ok;
    }
  } else {
    out('skipped nomad fmt -check and nomad job validate: no nomad binary on PATH');
  }
} catch (error) {
  out(`FAIL ${error instanceof Error ? error.message : String(error)}`);
  failed = true;
}
out(failed ? 'job validation failed' : 'job validation passed');
process.exitCode = failed ? 1 : 0;
