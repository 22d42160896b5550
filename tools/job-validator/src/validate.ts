import type { Finding } from './findings.js';
import type { Repository } from './repository.js';
import type { Rule, RuleContext } from './rule.js';
import { RULES } from './rules/index.js';
import { SERVICE_PROFILES } from './service-profiles.js';

export interface ValidationReport {
  findings: Finding[];
  /** Rules that could not run and why (e.g. no intentions in infra/consul yet). */
  skipped: { rule: string; reason: string }[];
  jobs: string[];
  rules: string[];
}

export function contextFor(repository: Repository): RuleContext {
  return {
    profiles: SERVICE_PROFILES,
    vault: repository.vault,
    intentions: repository.intentions,
    maxKillTimeoutMs: repository.maxKillTimeoutMs,
  };
}

/** Runs every rule over every job of the repository. */
export function validateRepository(
  repository: Repository,
  rules: readonly Rule[] = RULES,
): ValidationReport {
  const context = contextFor(repository);
  const skipped: ValidationReport['skipped'] = [];
  if (context.intentions === undefined) {
    skipped.push({
      rule: 'intentions',
      reason: 'no service-intentions config entries under infra/consul yet',
    });
  }
  const findings = repository.jobs.flatMap((jobFile) =>
    rules.flatMap((rule) => rule.check(jobFile, context)),
  );
  return {
    findings,
    skipped,
    jobs: repository.jobs.map((jobFile) => jobFile.file),
    rules: rules.map((rule) => rule.id),
  };
}
