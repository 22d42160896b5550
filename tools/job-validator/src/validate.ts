import type { Finding } from './findings.js';
import type { Repository } from './repository.js';
import type { RepositoryRule, Rule, RuleContext } from './rule.js';
import { REPOSITORY_RULES, RULES } from './rules/index.js';
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
    nomadConsul: repository.nomadConsul,
    consulAuthMethods: repository.consulAuthMethods,
    prometheusMetricsMeta: repository.prometheusMetricsMeta,
    prometheusScrapedServices: repository.prometheusScrapedServices,
  };
}

/** Runs every rule over every job of the repository, then the repository rules once. */
export function validateRepository(
  repository: Repository,
  rules: readonly Rule[] = RULES,
  repositoryRules: readonly RepositoryRule[] = REPOSITORY_RULES,
): ValidationReport {
  const context = contextFor(repository);
  const skipped: ValidationReport['skipped'] = [];
  if (context.intentions === undefined) {
    skipped.push({
      rule: 'intentions',
      reason: 'no service-intentions config entries under infra/consul yet',
    });
  }
  if (context.consulAuthMethods === undefined) {
    skipped.push({
      rule: 'workload-identity',
      reason:
        'infra/consul writes no ACL auth method yet (allocations cannot log in to an ACL Consul)',
    });
  }
  const findings = [
    ...repository.jobs.flatMap((jobFile) => rules.flatMap((rule) => rule.check(jobFile, context))),
    ...repositoryRules.flatMap((rule) => rule.check(repository)),
  ];
  return {
    findings,
    skipped,
    jobs: repository.jobs.map((jobFile) => jobFile.file),
    rules: [...rules, ...repositoryRules].map((rule) => rule.id),
  };
}
