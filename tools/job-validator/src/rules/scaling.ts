import { collect, type FindingSink } from '../findings.js';
import type { Group, Scaling } from '../job-model.js';
import type { Rule, RuleContext } from '../rule.js';
import { taskEnvironment } from '../task-env.js';

/** The only APM the stack runs (infra/observability): the autoscaler's built-in Prometheus plugin. */
const APM_SOURCES = new Set(['prometheus']);
const AGGREGATION =
  /^\(*\s*(sum|avg|min|max|count|group|stddev|stdvar|topk|bottomk|quantile|count_values|scalar)\b/;

/**
 * A group's scaling block and the Nomad Autoscaler policy in it.
 *
 * Nomad's Job.Validate (nomad/structs/structs_test.go, TestJob_ValidateScaling) refuses a
 * group whose count is below min or above max, so min <= count <= max and max is set.
 *
 * The autoscaler (hashicorp/nomad-autoscaler policy/nomad/validate.go) wants at least one check,
 * each with a string source, a non-empty string query and exactly one strategy; target-value needs
 * a numeric target (plugins/builtin/strategy/target-value/plugin/plugin.go: "missing required
 * field `target`") and sets count = ceil(count x metric / target), so the metric is per instance.
 * Its Prometheus APM refuses a query that returns more than one series ("query returned %d metric
 * streams, only 1 is expected", plugins/builtin/apm/prometheus/plugin/plugin.go), hence an
 * aggregation at the top. The series names a `job` that infra/observability's Prometheus scrapes
 * (the Consul service name becomes `job`), and a `queue` label names a queue a task of the group
 * consumes (its env), or the policy watches metrics that never exist.
 */
export const scalingRule: Rule = {
  id: 'scaling',
  description:
    'scaling: min <= count <= max; each autoscaler check has a Prometheus source, one aggregated per-instance query on scraped series, one strategy',
  check: (jobFile, context) =>
    collect('scaling', jobFile, (report) => {
      for (const group of jobFile.job.group) {
        const scaling = group.scaling;
        if (scaling === undefined) continue;
        const where = `group ${group.name} / scaling`;
        checkBounds(group, scaling, (message) => report(where, message));
        if (scaling.enabled === false) continue;
        checkPolicy(group, scaling, context, (check, message) =>
          report(check === '' ? where : `${where} / check ${check}`, message),
        );
      }
    }),
};

function checkBounds(group: Group, scaling: Scaling, report: (message: string) => void): void {
  const count = group.count ?? 1;
  if (scaling.max === undefined) {
    report('max is required');
    return;
  }
  const min = scaling.min ?? count;
  if (min > scaling.max) report(`min ${min} is above max ${scaling.max}`);
  if (count < min) report(`count ${count} is below min ${min}: Nomad refuses the job`);
  if (count > scaling.max) {
    report(`count ${count} is above max ${scaling.max}: Nomad refuses the job`);
  }
}

function checkPolicy(
  group: Group,
  scaling: Scaling,
  context: RuleContext,
  report: FindingSink,
): void {
  const checks = scaling.policy?.check ?? [];
  if (checks.length === 0) {
    report(
      '',
      'an enabled scaling block without a policy check: the autoscaler has nothing to act on',
    );
    return;
  }
  const consumed = new Set(
    group.task.flatMap((task) => [...taskEnvironment(task).literal.values()]),
  );
  for (const check of checks) {
    const strategies = check.strategy;
    if (strategies.length !== 1) {
      report(check.name, `expected exactly one strategy, found ${strategies.length}`);
    }
    const targetValue = strategies.find((strategy) => strategy.name === 'target-value');
    if (targetValue !== undefined && typeof targetValue['target'] !== 'number') {
      report(check.name, 'the target-value strategy needs a numeric target');
    }
    if (typeof check.source !== 'string' || !APM_SOURCES.has(check.source)) {
      report(
        check.name,
        `source ${JSON.stringify(check.source)} is not an APM the stack runs (${[...APM_SOURCES].join(', ')})`,
      );
    }
    if (typeof check.query !== 'string' || check.query.trim() === '') {
      report(check.name, 'query must be a non-empty string');
      continue;
    }
    checkQuery(check.name, check.query, consumed, context, report);
  }
}

function checkQuery(
  name: string,
  query: string,
  consumed: Set<string>,
  context: RuleContext,
  report: FindingSink,
): void {
  if (!AGGREGATION.test(query.trim())) {
    report(
      name,
      'the query must aggregate (sum, max, ...) to one series: the Prometheus APM refuses more than one',
    );
  }
  const jobs = [...query.matchAll(/\bjob\s*=\s*"([^"]+)"/g)].map((match) => match[1]!);
  if (jobs.length === 0) report(name, 'the query selects no job label: it would mix every service');
  const scraped = context.prometheusScrapedServices;
  for (const job of jobs) {
    if (scraped !== undefined && !scraped.includes(job)) {
      report(name, `job "${job}" is not a service Prometheus scrapes (${scraped.join(', ')})`);
    }
  }
  for (const match of query.matchAll(/\bqueue\s*=\s*"([^"]+)"/g)) {
    if (!consumed.has(match[1]!)) {
      report(name, `queue "${match[1]}" is not a queue this group's tasks are configured with`);
    }
  }
}
