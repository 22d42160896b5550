import { describe, expect, it } from 'vitest';
import { agentConsulRule } from '../src/rules/agent-consul.js';
import { deployScriptsRule } from '../src/rules/deploy-scripts.js';
import { metricsReachableRule } from '../src/rules/metrics-reachable.js';
import { restartModeRule } from '../src/rules/restart-mode.js';
import { serviceChecksRule } from '../src/rules/service-checks.js';
import { statefulRestartRule } from '../src/rules/stateful-restart.js';
import { templateOwnerRule } from '../src/rules/template-owner.js';
import { traefikProviderRule } from '../src/rules/traefik-provider.js';
import { workloadIdentityRule } from '../src/rules/workload-identity.js';
import { contextFor } from '../src/validate.js';
import { brokenJob, messages, realJob, realRepository, runRule, withScript } from './helpers.js';

/*
 * One broken copy of a real job (or script) per behaviour of the real tool that the rule encodes;
 * the source location of each behaviour is in the rule's doc comment.
 */

describe('template-owner', () => {
  it('when the Redis ACL file is left to the Nomad agent user with 0600, then the rule fails', async () => {
    const job = await brokenJob('redis', /\s+uid {9}= 999\n\s+gid {9}= 999/, '');
    expect(messages(await runRule(templateOwnerRule, job))).toEqual([
      "perms 600 owned by uid the Nomad agent's: the process runs as uid 999 and cannot read it; set uid = 999, gid = 999",
    ]);
  });

  it('when the file is world-readable, then the rule passes', async () => {
    const job = await brokenJob('redis', 'perms       = "600"', 'perms = "644"');
    expect(await runRule(templateOwnerRule, job)).toEqual([]);
  });

  it('when the task runs as another numeric user than the file owner, then the rule fails', async () => {
    const job = await brokenJob(
      'redis',
      'driver = "docker"',
      'driver = "docker"\n      user = "1000"',
    );
    expect(messages(await runRule(templateOwnerRule, job)).join()).toContain('runs as uid 1000');
  });
});

describe('stateful-restart', () => {
  it('when a data service keeps the default vault change_mode, then the rule fails', async () => {
    const job = await brokenJob('postgres', /\n\s+change_mode = "noop"(\n\s+env {9}= false)/, '$1');
    expect(messages(await runRule(statefulRestartRule, job))).toEqual([
      'vault change_mode "restart" restarts a stateful task when its token is re-derived; use "noop"',
    ]);
  });

  it('when the Redis ACL template restarts on re-render, then the rule fails', async () => {
    const job = await brokenJob(
      'redis',
      'gid         = 999\n        change_mode = "noop"',
      'gid = 999\n        change_mode = "restart"',
    );
    expect(messages(await runRule(statefulRestartRule, job)).join()).toContain(
      'restarts a stateful task on every re-render',
    );
  });

  it('when RabbitMQ has no volume or no fixed hostname, then the rule fails', async () => {
    const noVolume = await brokenJob('rabbitmq', /volume_mount \{[\s\S]*?\}\n/, '');
    expect(messages(await runRule(statefulRestartRule, noVolume)).join()).toContain(
      'without a volume at /var/lib/rabbitmq',
    );
    const noHostname = await brokenJob(
      'rabbitmq',
      'hostname = "rabbitmq-${NOMAD_ALLOC_INDEX}"',
      '',
    );
    expect(messages(await runRule(statefulRestartRule, noHostname)).join()).toContain(
      'fixed network hostname',
    );
  });

  it('when a stateless service restarts on a new token, then the rule does not apply', async () => {
    const job = await brokenJob('api', 'change_mode = "noop"', 'change_mode = "restart"');
    expect(await runRule(statefulRestartRule, job)).toEqual([]);
  });
});

describe('restart-mode', () => {
  it('when a group reschedules but restarts in delay mode, then the rule fails', async () => {
    const job = await brokenJob('api', 'mode     = "fail"', 'mode = "delay"');
    expect(messages(await runRule(restartModeRule, job))).toEqual([
      'mode "delay" never fails the allocation, so reschedule never moves a crash loop off its node; use "fail"',
    ]);
  });

  it('when rescheduling is off, then delay mode is allowed', async () => {
    const job = await brokenJob(
      'redis',
      /mode {5}= "fail"([\s\S]*?)unlimited {6}= true/,
      'mode = "delay"$1unlimited = false\n      attempts = 0',
    );
    expect(await runRule(restartModeRule, job)).toEqual([]);
  });
});

describe('service-checks: check_restart', () => {
  it('when check_restart sits on a group service check without task, then the rule fails', async () => {
    const job = await brokenJob('api', /\n\s+task = "api"\n/, '\n');
    expect(messages(await runRule(serviceChecksRule, job)).join()).toContain(
      'restarts every task of the allocation',
    );
  });
});

describe('workload-identity', () => {
  const withMethods = async (methods: string[]) => ({
    ...contextFor(await realRepository()),
    consulAuthMethods: methods,
  });

  it('when infra/consul creates the method the clients use, then the rule passes', async () => {
    const context = await withMethods(['nomad-workloads']);
    expect(workloadIdentityRule.check(await realJob('traefik'), context)).toEqual([]);
  });

  it('when the auth method the clients log in through is never created, then the rule fails', async () => {
    const context = await withMethods(['some-other-method']);
    const found = messages(workloadIdentityRule.check(await realJob('traefik'), context));
    expect(found).toEqual([
      'its services get workload identities that the client logs in through auth method "nomad-workloads", which infra/consul never creates: the allocation cannot start',
      'task identity logs in through auth method "nomad-workloads", which infra/consul never creates',
    ]);
  });

  it('when the servers sign no task identity, then a consul block is flagged', async () => {
    const base = await withMethods(['nomad-workloads']);
    const context = { ...base, nomadConsul: { ...base.nomadConsul, taskIdentity: false } };
    expect(messages(workloadIdentityRule.check(await realJob('traefik'), context))).toEqual([
      'consul block but the servers sign no consul.task_identity: the task gets no Consul token',
    ]);
  });

  it('when the repository is loaded, then the agent files sign both identities', async () => {
    const repo = await realRepository();
    expect(repo.nomadConsul).toMatchObject({
      serviceIdentity: true,
      taskIdentity: true,
      serviceAuthMethod: 'nomad-workloads',
      grpcAddress: '127.0.0.1:8503',
    });
  });
});

describe('traefik-provider: token and address plumbing', () => {
  it('when Traefik maps CONSUL_TOKEN to endpoint.token through a shell, then the rule fails', async () => {
    const job = await brokenJob(
      'traefik',
      'image = var.image\n',
      'image = var.image\n        entrypoint = ["/bin/sh", "-c", "exec traefik \\"$@\\" --providers.consulcatalog.endpoint.token=\\"$$$${CONSUL_TOKEN:-}\\"", "traefik"]\n',
    );
    const found = messages(await runRule(traefikProviderRule, job));
    expect(found).toEqual(
      expect.arrayContaining([
        'a shell entrypoint: run traefik directly, the token must not be built into argv',
        "providers.consulcatalog.endpoint.token is set: leave it empty so Consul's client uses CONSUL_HTTP_TOKEN",
      ]),
    );
  });

  it('when Traefik dials the node address from its bridge namespace, then the rule fails', async () => {
    const job = await brokenJob(
      'traefik',
      'endpoint.address=unix:///alloc/tmp/consul_http.sock',
      'endpoint.address=${attr.unique.network.ip-address}:8500',
    );
    expect(messages(await runRule(traefikProviderRule, job)).join()).toContain(
      'must be unix:///alloc/tmp/consul_http.sock under bridge mode',
    );
  });

  it('when the task has no consul block or publishes the API insecurely, then the rule fails', async () => {
    const job = await brokenJob('traefik', /\n\s+consul \{\}\n/, '\n');
    expect(messages(await runRule(traefikProviderRule, job))).toContain(
      'no consul {} block: the task gets no Consul task identity and no token',
    );
    const insecure = await brokenJob(
      'traefik',
      '"--ping=true",',
      '"--ping=true",\n          "--api.insecure=true",',
    );
    expect(messages(await runRule(traefikProviderRule, insecure)).join()).toContain(
      '--api.insecure=true',
    );
  });
});

describe('metrics-reachable', () => {
  it('when the api does not expose /metrics through Envoy, then the rule fails', async () => {
    const job = await brokenJob('api', /expose \{\s+path \{[\s\S]*?\}\s+\}\n/, '');
    expect(messages(await runRule(metricsReachableRule, job))).toEqual([
      'no Envoy expose path for /metrics: Prometheus cannot reach it under bridge mode',
    ]);
  });

  it('when the meta names another port than the expose listener, then the rule fails', async () => {
    const job = await brokenJob('worker', '${NOMAD_HOST_PORT_metrics}', '3001');
    expect(messages(await runRule(metricsReachableRule, job)).join()).toContain(
      'meta metrics_port must be "${NOMAD_HOST_PORT_metrics}"',
    );
  });

  it('when /metrics is exposed from another port than the app listens on, then the rule fails', async () => {
    const job = await brokenJob('worker', 'local_path_port = 3001', 'local_path_port = 3000');
    expect(messages(await runRule(metricsReachableRule, job)).join()).toContain(
      'exposed from port 3000 but the app listens on 3001',
    );
  });
});

describe('deploy-scripts', () => {
  const found = (repo: Awaited<ReturnType<typeof realRepository>>) =>
    messages(deployScriptsRule.check(repo));

  it('when the real scripts are checked, then the rule passes', async () => {
    expect(found(await realRepository())).toEqual([]);
  });

  it('when deploy.sh treats plan exit 0 as no change, then the rule fails', async () => {
    const repo = await withScript(
      'infra/nomad/deploy.sh',
      '  [ "$code" -eq 255 ]',
      '  if [ "$code" -eq 0 ]; then continue; fi\n  [ "$code" -eq 255 ]',
    );
    expect(found(repo)).toEqual([]);
    const exitZero = await withScript(
      'infra/nomad/deploy.sh',
      '  [ "$code" -eq 255 ]',
      '  plan=$code; if [ "$plan" -eq 0 ]; then echo same; continue; fi\n  [ "$code" -eq 255 ]',
    );
    expect(found(exitZero)).toContain(
      'treats plan exit code 0 as "no change": in-place updates would be skipped',
    );
  });

  it('when deploy.sh runs without -detach or -check-index, then the rule fails', async () => {
    const repo = await withScript('infra/nomad/deploy.sh', '-detach -check-index "$index" ', '');
    expect(found(repo)).toEqual(
      expect.arrayContaining([
        'nomad job run without -check-index from the plan',
        'nomad job run without -detach blocks on canaries awaiting promotion',
      ]),
    );
  });

  it('when deploy.sh defaults the registry to Docker Hub, then the rule fails', async () => {
    const repo = await withScript(
      'infra/nomad/deploy.sh',
      'version=${1:-}',
      'version=${1:-}\nregistry=${FLOWSTACK_REGISTRY:-flowstack}',
    );
    expect(found(repo)).toContain(
      'defaults FLOWSTACK_REGISTRY: an unqualified name pulls from Docker Hub',
    );
  });

  it('when up.sh runs the Consul bootstrap without the JWKS URL, then the rule fails', async () => {
    const repo = await withScript(
      'infra/dev-cluster/up.sh',
      '--address "$CONSUL_HTTP_ADDR" --nomad-jwks-url "$nomad_jwks_url"',
      '--address "$CONSUL_HTTP_ADDR"',
    );
    expect(found(repo)).toEqual([
      'infra:consul runs without --nomad-jwks-url, so no auth method for workload identities exists',
    ]);
  });

  it('when up.sh puts the Vault token on a command line, then the rule fails', async () => {
    const repo = await withScript(
      'infra/dev-cluster/up.sh',
      'infra:vault -- --address "$VAULT_ADDR" --nomad',
      'infra:vault -- --address "$VAULT_ADDR" --token "$VAULT_TOKEN" --nomad',
    );
    expect(found(repo)).toEqual(['a token on a command line is visible in ps']);
  });

  it('when down.sh does not wait for the allocations, then the rule fails', async () => {
    const repo = await withScript(
      'infra/dev-cluster/down.sh',
      /\s+for _ in \$\(seq 1 120\)[\s\S]*?done\n(?=\s+\[ -n)/,
      '\n',
    );
    const stripped = {
      ...repo,
      scripts: new Map([
        ...repo.scripts,
        [
          'infra/dev-cluster/down.sh',
          (repo.scripts.get('infra/dev-cluster/down.sh') ?? '').replace(/alloc\w*/g, 'x'),
        ],
      ]),
    };
    expect(found(stripped)).toEqual([
      'does not wait for the allocations to stop before killing Nomad',
    ]);
  });
});

describe('stateful-restart: the token stays out of the environment', () => {
  it('when a data service leaves vault env at its default, then the rule fails', async () => {
    const job = await brokenJob('rabbitmq', /\n\s+env {9}= false/, '');
    expect(messages(await runRule(statefulRestartRule, job))).toEqual([
      'vault env defaults to true: VAULT_TOKEN lands in a process that never calls Vault; set env = false',
    ]);
  });
});

describe('agent-consul', () => {
  const withGrpc = async (grpcAddress: string | undefined, grpcCaFile: string | undefined) => {
    const repo = await realRepository();
    return messages(
      agentConsulRule.check({
        ...repo,
        nomadConsul: { ...repo.nomadConsul, grpcAddress, grpcCaFile },
      }),
    );
  };

  it('when the clients use gRPC TLS with a CA file, then the rule passes', async () => {
    expect(messages(agentConsulRule.check(await realRepository()))).toEqual([]);
  });

  it('when the clients point Envoy at plaintext 8502, then the rule fails', async () => {
    expect(await withGrpc('127.0.0.1:8502', undefined)).toEqual([
      'grpc_address 127.0.0.1:8502 is the plaintext gRPC port, disabled on a non-dev Consul; use 8503 (grpc_tls)',
    ]);
  });

  it('when gRPC TLS has no CA file, then the rule fails', async () => {
    expect((await withGrpc('127.0.0.1:8503', undefined)).join()).toContain('without grpc_ca_file');
  });
});
