#!/usr/bin/env node
import { resolve } from 'node:path';
import { AppError, runCli } from '@flowstack/errors';
import { JobSpecError } from './errors.js';
import { formatFinding } from './findings.js';
import { nomadOnPath, runNomadChecks } from './nomad-cli.js';
import { loadRepository } from './repository.js';
import { validateRepository } from './validate.js';

/**
 * `npm run validate:jobs`: parses every job, policy and agent file with HashiCorp's HCL parser,
 * runs the rules, then `nomad fmt -check` and `nomad job validate` when nomad is on PATH.
 * Exits 1 on any finding, or when a file cannot be read as what it should be.
 */
process.exitCode = await runCli({
  name: 'validate:jobs',
  usage: 'usage: flowstack-validate-jobs [repository root]',
  allowPositionals: true,
  options: {},
  userErrors: [JobSpecError],
  run: async ({ positionals: [root = process.cwd(), ...rest] }, io) => {
    if (rest.length > 0) throw AppError.usage(`unexpected argument "${rest[0]}"`);
    const repository = await loadRepository(resolve(root));
    io.out(`parsed ${repository.parsedFiles.length} HCL files with @cdktf/hcl2json`);
    const report = validateRepository(repository);
    io.out(`checked ${report.jobs.length} jobs against ${report.rules.length} rules`);
    for (const skip of report.skipped) io.out(`skipped ${skip.rule}: ${skip.reason}`);
    for (const finding of report.findings) io.out(`FAIL ${formatFinding(finding)}`);
    let failed = report.findings.length > 0;
    if (nomadOnPath()) {
      for (const check of runNomadChecks(resolve(root), report.jobs)) {
        io.out(
          `${check.ok ? 'ok  ' : 'FAIL'} ${check.command}${check.ok ? '' : `\n${check.output}`}`,
        );
        failed ||= !check.ok;
      }
    } else {
      io.out('skipped nomad fmt -check and nomad job validate: no nomad binary on PATH');
    }
    io.out(failed ? 'job validation failed' : 'job validation passed');
    return failed ? 1 : 0;
  },
});
