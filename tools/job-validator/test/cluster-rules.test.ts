import { describe, expect, it } from 'vitest';
import { clusteredStateRule } from '../src/rules/clustered-state.js';
import { deployScriptsRule } from '../src/rules/deploy-scripts.js';
import { failureDomainsRule } from '../src/rules/failure-domains.js';
import { rabbitmqClusterRule } from '../src/rules/rabbitmq-cluster.js';
import { scalingRule } from '../src/rules/scaling.js';
import { brokenJob, messages, realJob, realRepository, runRule, withScript } from './helpers.js';

/*
 * The rules that keep the RabbitMQ cluster, the autoscaled services and their failure domains
 * right: each passes on the real job and fails on a copy broken the way a commit would break it.
 */

const found = async (rule: Parameters<typeof runRule>[0], job: Parameters<typeof runRule>[1]) =>
  messages(await runRule(rule, job)).join('\n');

describe('clustered-state', () => {
  it('when the real jobs are checked, then the rule passes', async () => {
    for (const name of ['rabbitmq', 'postgres', 'redis', 'api', 'worker']) {
      expect(await runRule(clusteredStateRule, await realJob(name))).toEqual([]);
    }
  });

  it('when the members share one volume, then the rule fails', async () => {
    const job = await brokenJob('rabbitmq', 'per_alloc       = true\n', '');
    expect(await found(clusteredStateRule, job)).toContain(
      '3 allocations mount the same volume "flowstack-rabbitmq": set per_alloc = true',
    );
  });

  it('when the per-member volume is sticky, then the rule fails', async () => {
    const job = await brokenJob(
      'rabbitmq',
      'per_alloc       = true',
      'per_alloc = true\n      sticky = true',
    );
    expect(await found(clusteredStateRule, job)).toContain('a sticky per_alloc volume');
  });

  it('when the update places a canary, then the rule fails', async () => {
    const job = await brokenJob('rabbitmq', 'canary            = 0', 'canary = 1');
    expect(await found(clusteredStateRule, job)).toContain('Nomad refuses canaries');
  });

  it('when two members are replaced at once, then the rule fails', async () => {
    const job = await brokenJob('rabbitmq', /max_parallel {6}= 1/, 'max_parallel = 2');
    expect(await found(clusteredStateRule, job)).toContain('one member at a time');
  });

  it('when a drain may take two members at once, then the rule fails', async () => {
    const job = await brokenJob('rabbitmq', /max_parallel {5}= 1/, 'max_parallel = 2');
    expect(await found(clusteredStateRule, job)).toContain('migrate.max_parallel must be 1');
  });

  it('when nothing keeps members on distinct clients, then the rule fails', async () => {
    const job = await brokenJob(
      'rabbitmq',
      /constraint \{\n\s+operator = "distinct_hosts"\n\s+value {4}= "true"\n\s+\}/,
      '',
    );
    expect(await found(clusteredStateRule, job)).toContain('may share a client');
  });

  it('when the cluster is a single member, then the multi-member rules do not apply', async () => {
    const job = await brokenJob(
      'rabbitmq',
      /(variable "nodes" \{\n\s+type\s+= number\n\s+default\s+=) 3/,
      '$1 1',
    );
    expect(await runRule(clusteredStateRule, job)).toEqual([]);
    expect(await runRule(rabbitmqClusterRule, job)).toEqual([]);
  });
});

describe('rabbitmq-cluster', () => {
  it('when the real job is checked, then the rule passes', async () => {
    expect(await runRule(rabbitmqClusterRule, await realJob('rabbitmq'))).toEqual([]);
  });

  it('when every member gets the same node name, then the rule fails', async () => {
    const job = await brokenJob(
      'rabbitmq',
      /RABBITMQ_NODENAME += "rabbit@rabbitmq-\$\{NOMAD_ALLOC_INDEX\}"/,
      'RABBITMQ_NODENAME = "rabbit@rabbitmq"',
    );
    expect(await found(rabbitmqClusterRule, job)).toContain(
      '3 members need RABBITMQ_NODENAME with ${NOMAD_ALLOC_INDEX} in it (found rabbit@rabbitmq)',
    );
  });

  it('when the hostname is not the node name host, then the rule fails', async () => {
    const job = await brokenJob(
      'rabbitmq',
      'hostname = "rabbitmq-${NOMAD_ALLOC_INDEX}"',
      'hostname = "mq-${NOMAD_ALLOC_INDEX}"',
    );
    const result = await found(rabbitmqClusterRule, job);
    expect(result).toContain('differs from the network hostname "mq-${NOMAD_ALLOC_INDEX}"');
    expect(result).toContain('are not the hostnames mq-${NOMAD_ALLOC_INDEX}');
  });

  it('when the generated member list is shorter than the count, then the rule fails', async () => {
    const job = await brokenJob(
      'rabbitmq',
      'FLOWSTACK_RABBITMQ_MAX_NODES = var.max_nodes',
      'FLOWSTACK_RABBITMQ_MAX_NODES = "2"',
    );
    expect(await found(rabbitmqClusterRule, job)).toContain(
      'loops over FLOWSTACK_RABBITMQ_MAX_NODES=2 but the group runs 3 members',
    );
  });

  it('when the cluster grows to the size of its member list, then the rule passes', async () => {
    const job = await brokenJob(
      'rabbitmq',
      /(variable "nodes" \{\n\s+type\s+= number\n\s+default\s+=) 3/,
      '$1 5',
    );
    expect(await runRule(rabbitmqClusterRule, job)).toEqual([]);
  });

  it('when the member list is written out and misses a member, then the rule fails', async () => {
    const job = await brokenJob(
      'rabbitmq',
      /\{\{- range \$i := loop[^\n]*\n[^\n]*\n[^\n]*\{\{- end \}\}/,
      'cluster_formation.classic_config.nodes.1 = rabbit@rabbitmq-0\n          cluster_formation.classic_config.nodes.2 = rabbit@rabbitmq-1',
    );
    expect(await found(rabbitmqClusterRule, job)).toContain(
      'the member list (rabbit@rabbitmq-0, rabbit@rabbitmq-1) misses rabbit@rabbitmq-2: a member outside its own list never clusters',
    );
  });

  it('when the member list is written out in full, then the rule passes', async () => {
    const job = await brokenJob(
      'rabbitmq',
      /\{\{- range \$i := loop[^\n]*\n[^\n]*\n[^\n]*\{\{- end \}\}/,
      [0, 1, 2]
        .map((i) => `cluster_formation.classic_config.nodes.${i} = rabbit@rabbitmq-${i}`)
        .join('\n          '),
    );
    expect(await runRule(rabbitmqClusterRule, job)).toEqual([]);
  });

  it('when queues default to classic, then the rule fails', async () => {
    const job = await brokenJob(
      'rabbitmq',
      'default_queue_type = quorum',
      'default_queue_type = classic',
    );
    expect(await found(rabbitmqClusterRule, job)).toContain(
      'default_queue_type = quorum is missing',
    );
  });

  it('when the cookie is written in the job, then the rule fails', async () => {
    const job = await brokenJob(
      'rabbitmq',
      'ERL_INETRC = "/local/erl_inetrc"',
      'ERL_INETRC = "/local/erl_inetrc"\n        RABBITMQ_ERLANG_COOKIE = "not-a-secret"',
    );
    expect(await found(rabbitmqClusterRule, job)).toContain(
      'RABBITMQ_ERLANG_COOKIE is written in the job',
    );
  });

  it('when no cookie is shared, then the rule fails', async () => {
    const job = await brokenJob('rabbitmq', /\s+RABBITMQ_ERLANG_COOKIE=\{\{[^\n]*/, '');
    expect(await found(rabbitmqClusterRule, job)).toContain('members share no Erlang cookie');
  });

  it('when peers have no way to resolve each other, then the rule fails', async () => {
    const job = await brokenJob('rabbitmq', /\s+ERL_INETRC = "\/local\/erl_inetrc"/, '');
    expect(await found(rabbitmqClusterRule, job)).toContain('peers cannot resolve each other');
  });

  it('when the hosts file restarts the member on every change, then the rule fails', async () => {
    const job = await brokenJob(
      'rabbitmq',
      'destination = "local/erlang-hosts"\n        change_mode = "noop"',
      'destination = "local/erlang-hosts"',
    );
    expect(await found(rabbitmqClusterRule, job)).toContain('the VM re-reads its hosts_file');
  });

  it('when the distribution port is dynamic on the host, then the rule fails', async () => {
    const job = await brokenJob('rabbitmq', 'static = 25672', 'static = 0');
    expect(await found(rabbitmqClusterRule, job)).toContain(
      'Erlang port 25672 must be on the host as static 25672',
    );
  });

  it('when no check gates the rolling update on the quorum queues, then the rule fails', async () => {
    const job = await brokenJob(
      'rabbitmq',
      ' && rabbitmq-upgrade -q await_online_quorum_plus_one --timeout 10',
      '',
    );
    expect(await found(rabbitmqClusterRule, job)).toContain('no check gates the rolling update');
  });

  it('when no check means membership, then the rule fails', async () => {
    const job = await brokenJob('rabbitmq', /rabbit_nodes:list_members\(\)/g, 'erlang:nodes()');
    expect(await found(rabbitmqClusterRule, job)).toContain('no check means "in the cluster"');
  });
});

describe('scaling', () => {
  it('when the real jobs are checked, then the rule passes', async () => {
    expect(await runRule(scalingRule, await realJob('api'))).toEqual([]);
    expect(await runRule(scalingRule, await realJob('worker'))).toEqual([]);
  });

  it('when the count is below min or above max, then the rule fails', async () => {
    const belowMin = await brokenJob(
      'api',
      /(variable "min_count" \{\n\s+type\s+= number\n\s+default\s+=) 2/,
      '$1 3',
    );
    expect(await found(scalingRule, belowMin)).toContain(
      'count 2 is below min 3: Nomad refuses the job',
    );
    const aboveMax = await brokenJob(
      'api',
      /(variable "max_count" \{\n\s+type\s+= number\n\s+default\s+=) 10/,
      '$1 1',
    );
    const result = await found(scalingRule, aboveMax);
    expect(result).toContain('count 2 is above max 1');
    expect(result).toContain('min 2 is above max 1');
  });

  it('when the query returns one series per instance, then the rule fails', async () => {
    const job = await brokenJob(
      'api',
      /query {2}= "[^\n]*/,
      'query = "rate(flowstack_http_request_duration_seconds_count{job=\\"flowstack-api\\"}[1m])"',
    );
    expect(await found(scalingRule, job)).toContain('the query must aggregate');
  });

  it('when the query names a job Prometheus does not scrape, then the rule fails', async () => {
    const job = await brokenJob('api', /job=\\"flowstack-api\\"/g, 'job=\\"api\\"');
    expect(await found(scalingRule, job)).toContain(
      'job "api" is not a service Prometheus scrapes (flowstack-api, flowstack-worker)',
    );
  });

  it('when the query watches a queue the worker does not consume, then the rule fails', async () => {
    const job = await brokenJob(
      'worker',
      'queue=\\"flowstack.orders.store\\"',
      'queue=\\"orders\\"',
    );
    expect(await found(scalingRule, job)).toContain(
      'queue "orders" is not a queue this group\'s tasks are configured with',
    );
  });

  it("when the source is not the stack's APM, then the rule fails", async () => {
    const job = await brokenJob('worker', 'source = "prometheus"', 'source = "datadog"');
    expect(await found(scalingRule, job)).toContain(
      'source "datadog" is not an APM the stack runs',
    );
  });

  it('when the target-value strategy has no numeric target, then the rule fails', async () => {
    const job = await brokenJob('worker', 'target = var.target_backlog', 'target = "lots"');
    expect(await found(scalingRule, job)).toContain('needs a numeric target');
  });

  it('when a check has two strategies, then the rule fails', async () => {
    const job = await brokenJob(
      'worker',
      'strategy "target-value" {',
      'strategy "threshold" {\n            lower_bound = 0\n          }\n\n          strategy "target-value" {',
    );
    expect(await found(scalingRule, job)).toContain('expected exactly one strategy, found 2');
  });
});

describe('failure-domains', () => {
  it('when the real jobs are checked, then the rule passes', async () => {
    for (const name of ['api', 'worker', 'rabbitmq', 'postgres', 'redis', 'traefik']) {
      expect(await runRule(failureDomainsRule, await realJob(name))).toEqual([]);
    }
  });

  it('when the api instances are not spread over clients, then the rule fails', async () => {
    const job = await brokenJob(
      'api',
      /spread \{\n\s+attribute = "\$\{node\.unique\.id\}"\n\s+weight {4}= 100\n\s+\}/,
      '',
    );
    expect(await found(failureDomainsRule, job)).toContain(
      'up to 10 allocations with no spread over clients and no distinct_hosts',
    );
  });

  it('when the worker runs a single instance, then the rule fails', async () => {
    const job = await brokenJob(
      'worker',
      /(variable "count" \{\n\s+type\s+= number\n\s+default\s+=) 2/,
      '$1 1',
    );
    expect(await found(failureDomainsRule, job)).toContain(
      'count 1: a single instance is an outage',
    );
  });

  it('when the autoscaler may go down to one api instance, then the rule fails', async () => {
    const job = await brokenJob(
      'api',
      /(variable "min_count" \{\n\s+type\s+= number\n\s+default\s+=) 2/,
      '$1 1',
    );
    expect(await found(failureDomainsRule, job)).toContain(
      'scaling min 1: the autoscaler may leave a single instance',
    );
  });
});

describe('deploy-scripts: autoscaled counts and the one-machine RabbitMQ', () => {
  it('when the real scripts are checked, then the rule passes', async () => {
    expect(messages(deployScriptsRule.check(await realRepository()))).toEqual([]);
  });

  it('when deploy.sh submits without -preserve-counts, then the rule fails', async () => {
    const repo = await withScript('infra/nomad/deploy.sh', /-preserve-counts/g, '');
    expect(messages(deployScriptsRule.check(repo))).toContain(
      'nomad job run without -preserve-counts resets the autoscaled api and worker counts on every deploy',
    );
  });

  it('when up.sh runs the three-member default on its single client, then the rule fails', async () => {
    const repo = await withScript(
      'infra/dev-cluster/up.sh',
      'nomad job run -var nodes=1 -var max_nodes=1 jobs/rabbitmq.nomad.hcl',
      'nomad job run jobs/rabbitmq.nomad.hcl',
    );
    expect(messages(deployScriptsRule.check(repo)).join()).toContain(
      'RabbitMQ runs with its default member count on one client',
    );
  });
});
