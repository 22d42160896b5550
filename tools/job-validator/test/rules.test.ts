import { describe, expect, it } from 'vitest';
import { deployPolicyRule } from '../src/rules/deploy-policy.js';
import { envSchemaRule } from '../src/rules/env-schema.js';
import { imagesRule } from '../src/rules/images.js';
import { intentionsRule } from '../src/rules/intentions.js';
import { killTimeoutRule } from '../src/rules/kill-timeout.js';
import { portsRule } from '../src/rules/ports.js';
import { serviceChecksRule } from '../src/rules/service-checks.js';
import { templateEnvRule } from '../src/rules/template-env.js';
import { traefikProviderRule } from '../src/rules/traefik-provider.js';
import { traefikTagsRule } from '../src/rules/traefik-tags.js';
import { vaultBlockRule } from '../src/rules/vault-block.js';
import { vaultPathsRule } from '../src/rules/vault-paths.js';
import { contextFor } from '../src/validate.js';
import { brokenJob, messages, realJob, realRepository, runRule } from './helpers.js';

describe('vault-role', () => {
  it('when a job still lists vault.policies, then the rule fails', async () => {
    const job = await brokenJob(
      'api',
      'role        = "flowstack-api"',
      'policies = ["flowstack-api"]',
    );
    const found = messages(await runRule(vaultBlockRule, job));
    expect(found.some((m) => m.includes('vault.policies was removed'))).toBe(true);
    expect(found.some((m) => m.includes('must log in to Vault with role "flowstack-api"'))).toBe(
      true,
    );
  });

  it('when the api logs in with the worker role, then the rule fails', async () => {
    const job = await brokenJob(
      'api',
      'role        = "flowstack-api"',
      'role = "flowstack-worker"',
    );
    expect(messages(await runRule(vaultBlockRule, job)).join()).toContain(
      'found "flowstack-worker"',
    );
  });
});

describe('service-checks', () => {
  it('when a service has no check, then the rule fails', async () => {
    const job = await brokenJob('redis', /check \{[\s\S]*?\n {6}\}\n/, '');
    expect(messages(await runRule(serviceChecksRule, job))).toContain('service has no check');
  });

  it('when a Connect http check neither exposes nor uses alloc addressing, then the rule fails', async () => {
    const job = await brokenJob(
      'api',
      'expose   = true\n        interval = "10s"\n        timeout  = "3s"',
      'interval = "10s"\n        timeout = "3s"',
    );
    expect(messages(await runRule(serviceChecksRule, job)).join()).toContain(
      'cannot reach the app',
    );
  });

  it('when a Connect tcp check uses host addressing, then the rule fails', async () => {
    const job = await brokenJob('redis', 'address_mode = "alloc"', 'address_mode = "host"');
    expect(messages(await runRule(serviceChecksRule, job)).join()).toContain(
      'tcp check under Connect',
    );
  });

  it('when a tcp check asks for expose, then the rule fails', async () => {
    const job = await brokenJob('redis', 'address_mode = "alloc"', 'expose = true');
    expect(messages(await runRule(serviceChecksRule, job)).join()).toContain(
      'http and grpc checks only',
    );
  });
});

describe('template-env', () => {
  it('when an env template re-renders with a signal, then the rule fails', async () => {
    const job = await brokenJob(
      'postgres',
      'env         = true\n        change_mode = "noop"',
      'env = true\n        change_mode = "signal"\n        change_signal = "SIGHUP"',
    );
    expect(messages(await runRule(templateEnvRule, job)).join()).toContain(
      'change_mode = "signal": Nomad rejects the job',
    );
  });

  it('when a stateless task renders its env with noop, then the rule fails', async () => {
    const job = await brokenJob('worker', 'change_mode = "restart"', 'change_mode = "noop"');
    expect(messages(await runRule(templateEnvRule, job))).toEqual([
      'env = true with change_mode = "noop": the process keeps the old values until it restarts',
    ]);
  });

  it('when a stateful task reads its env once with noop, then the rule passes', async () => {
    expect(await runRule(templateEnvRule, await realJob('rabbitmq'))).toEqual([]);
  });
});

describe('kill-timeout', () => {
  it('when kill_timeout is shorter than drain plus the shutdown steps, then the rule fails', async () => {
    const job = await brokenJob('api', 'kill_timeout = "30s"', 'kill_timeout = "20s"');
    expect(messages(await runRule(killTimeoutRule, job)).join()).toContain(
      'does not cover the shutdown',
    );
  });

  it('when the env raises SHUTDOWN_TIMEOUT_MS past the kill_timeout, then the rule fails', async () => {
    const job = await brokenJob(
      'worker',
      'SHUTDOWN_TIMEOUT_MS = "5000"',
      'SHUTDOWN_TIMEOUT_MS = "8000"',
    );
    expect(messages(await runRule(killTimeoutRule, job)).join()).toContain(
      '5 steps x SHUTDOWN_TIMEOUT_MS 8000',
    );
  });

  it('when the job leaves SHUTDOWN_TIMEOUT_MS at its default of 10 s, then the rule counts the default and fails', async () => {
    const job = await brokenJob('api', /\s+SHUTDOWN_TIMEOUT_MS = "5000"/, '');
    expect(messages(await runRule(killTimeoutRule, job)).join()).toContain(
      'SHUTDOWN_TIMEOUT_MS 10000',
    );
  });

  it('when kill_timeout exceeds the client max_kill_timeout, then the rule fails', async () => {
    const job = await brokenJob('api', 'kill_timeout = "30s"', 'kill_timeout = "10m"');
    expect(messages(await runRule(killTimeoutRule, job)).join()).toContain('max_kill_timeout');
  });

  it('when the kill signal is SIGINT, then the rule fails', async () => {
    const job = await brokenJob('worker', 'kill_signal = "SIGTERM"', 'kill_signal = "SIGINT"');
    expect(messages(await runRule(killTimeoutRule, job)).join()).toContain('SIGTERM');
  });
});

describe('env-schema', () => {
  it('when the job sets a key the schema does not know, then the rule fails', async () => {
    const job = await brokenJob(
      'api',
      'POSTGRES_DB         = "flowstack"',
      'POSTGRES_DATABASE = "flowstack"',
    );
    expect(messages(await runRule(envSchemaRule, job))).toContain(
      'POSTGRES_DATABASE is not a key of the api config schema',
    );
  });

  it('when a worker-only key is set on the api, then the rule fails', async () => {
    const job = await brokenJob(
      'api',
      'HOST                = "0.0.0.0"',
      'HOST = "0.0.0.0"\n        WORKER_PREFETCH = "8"',
    );
    expect(messages(await runRule(envSchemaRule, job))).toContain(
      'WORKER_PREFETCH is not a key of the api config schema',
    );
  });

  it('when a template renders an unknown key into the env, then the rule fails', async () => {
    const job = await brokenJob('worker', 'POSTGRES_PASSWORD=', 'PGPASSWORD=');
    expect(messages(await runRule(envSchemaRule, job))).toContain(
      'PGPASSWORD is not a key of the migrate config schema',
    );
  });

  it('when a value would be rejected by the schema, then the rule fails', async () => {
    const job = await brokenJob(
      'worker',
      'WORKER_PREFETCH     = "200"',
      'WORKER_PREFETCH = "many"',
    );
    expect(messages(await runRule(envSchemaRule, job)).join()).toContain('WORKER_PREFETCH="many"');
  });

  it('when the schema has a required key the job does not set, then the rule fails', async () => {
    const { z } = await import('zod');
    const { SERVICE_PROFILES } = await import('../src/service-profiles.js');
    const strict = SERVICE_PROFILES.map((profile) =>
      profile.service === 'api'
        ? {
            ...profile,
            schema: profile.schema.extend({
              API_SIGNING_KEY: z.string().min(1).describe('signing key'),
            }),
          }
        : profile,
    );
    const context = { ...contextFor(await realRepository()), profiles: strict };
    const found = messages(envSchemaRule.check(await realJob('api'), context));
    expect(found).toContain('required key API_SIGNING_KEY is not set (signing key)');
  });
});

describe('ports', () => {
  it('when the service port differs from PORT, then the rule fails', async () => {
    const job = await brokenJob('api', 'PORT                = "3000"', 'PORT = "4000"');
    const found = messages(await runRule(portsRule, job)).join('\n');
    expect(found).toContain('service port 3000 != PORT 4000');
  });

  it('when an upstream binds another port than the config names, then the rule fails', async () => {
    const job = await brokenJob('worker', 'local_bind_port  = 6379', 'local_bind_port  = 16379');
    expect(messages(await runRule(portsRule, job)).join()).toContain(
      'REDIS_PORT=6379 but the redis upstream binds port 16379',
    );
  });

  it('when a data service on loopback has no upstream, then the rule fails', async () => {
    const job = await brokenJob(
      'api',
      /upstreams \{\s+destination_name = "rabbitmq"[\s\S]*?\}\n/,
      '',
    );
    expect(messages(await runRule(portsRule, job)).join()).toContain('no upstream to rabbitmq');
  });
});

describe('images-pinned', () => {
  it('when an image uses latest, then the rule fails', async () => {
    const job = await brokenJob('redis', '"redis:7.4.5-bookworm"', '"redis:latest"');
    expect(messages(await runRule(imagesRule, job)).join()).toContain('uses latest');
  });

  it('when an image has no tag or a tag without a version, then the rule fails', async () => {
    const untagged = await brokenJob('postgres', '"postgres:17.5-bookworm"', '"postgres"');
    expect(messages(await runRule(imagesRule, untagged)).join()).toContain('has no tag');
    const floating = await brokenJob(
      'postgres',
      '"postgres:17.5-bookworm"',
      '"registry:5000/postgres:alpine"',
    );
    expect(messages(await runRule(imagesRule, floating)).join()).toContain('is not a version');
  });

  it('when an image is pinned by digest, then the rule passes', async () => {
    const job = await brokenJob(
      'redis',
      '"redis:7.4.5-bookworm"',
      `"redis@sha256:${'a'.repeat(64)}"`,
    );
    expect(await runRule(imagesRule, job)).toEqual([]);
  });
});

describe('traefik-tags', () => {
  it('when a router rule uses v2 multi-value syntax, then the rule fails', async () => {
    const job = await brokenJob(
      'api',
      'rule=PathPrefix(`/v1`) || Path(`/openapi.json`)"',
      'rule=PathPrefix(`/v1`, `/openapi.json`)"',
    );
    expect(messages(await runRule(traefikTagsRule, job)).join()).toContain('does not parse');
  });

  it('when a router rule is not closed, then the rule fails', async () => {
    const job = await brokenJob(
      'api',
      'rule=PathPrefix(`/v1`) || Path(`/openapi.json`)"',
      'rule=PathPrefix(`/v1`"',
    );
    expect(messages(await runRule(traefikTagsRule, job)).join()).toContain('does not parse');
  });

  it('when the Connect tag is missing, then the rule fails', async () => {
    const job = await brokenJob('api', /\n\s+"traefik\.consulcatalog\.connect=true",/, '');
    expect(messages(await runRule(traefikTagsRule, job)).join()).toContain(
      'traefik.consulcatalog.connect=true',
    );
  });

  it('when canary tags lack traefik.consulcatalog.canary=true, then the rule fails', async () => {
    const job = await brokenJob('api', '"traefik.consulcatalog.canary=true",', '');
    expect(messages(await runRule(traefikTagsRule, job)).join()).toContain(
      'canary_tags must include',
    );
  });

  it('when canaries reuse the stable router name, then the rule fails', async () => {
    const job = await brokenJob(
      'api',
      /routers\.flowstack-api-canary\./g,
      'routers.flowstack-api.',
    );
    expect(messages(await runRule(traefikTagsRule, job)).join()).toContain(
      'reuses a stable router name',
    );
  });

  it('when a Connect service pins loadbalancer.server.port, then the rule fails', async () => {
    const job = await brokenJob(
      'api',
      '"traefik.http.routers.flowstack-api.entrypoints=web",',
      '"traefik.http.routers.flowstack-api.entrypoints=web",\n        "traefik.http.services.flowstack-api.loadbalancer.server.port=3000",',
    );
    expect(messages(await runRule(traefikTagsRule, job))).toEqual([
      'traefik.http.services.flowstack-api.loadbalancer.server.port=3000 on a Connect item: Traefik would dial <node>:<that port> instead of the sidecar (502)',
    ]);
  });
});

describe('traefik-provider', () => {
  it('when exposedByDefault is left to the v3 default, then the rule fails', async () => {
    const job = await brokenJob(
      'traefik',
      '"--providers.consulcatalog.exposedbydefault=false",',
      '',
    );
    expect(messages(await runRule(traefikProviderRule, job)).join()).toContain(
      'exposedbydefault=false',
    );
  });

  it('when the native service name differs from serviceName, then the rule fails', async () => {
    const job = await brokenJob(
      'traefik',
      'name = "traefik"\n      port = "http"',
      'name = "edge"\n      port = "http"',
    );
    expect(messages(await runRule(traefikProviderRule, job)).join()).toContain(
      'servicename is "traefik"',
    );
  });

  it('when Traefik is not Connect-native, then the rule fails', async () => {
    const job = await brokenJob('traefik', 'native = true', 'native = false');
    expect(messages(await runRule(traefikProviderRule, job)).join()).toContain(
      'connect { native = true }',
    );
  });
});

describe('vault-paths', () => {
  it('when a template reads a path the role cannot read, then the rule fails', async () => {
    const job = await brokenJob(
      'postgres',
      'secret "kv/data/flowstack/postgres/config"',
      'secret "database/creds/api-readonly"',
    );
    expect(messages(await runRule(vaultPathsRule, job)).join()).toContain(
      'template reads database/creds/api-readonly but role "flowstack-postgres" lacks read',
    );
  });

  it('when a job names a role infra/vault does not define, then the rule fails', async () => {
    const job = await brokenJob('redis', 'role        = "flowstack-redis"', 'role = "redis-admin"');
    expect(messages(await runRule(vaultPathsRule, job))).toContain(
      'Vault role "redis-admin" is not defined',
    );
  });

  it("when the service's policy misses a registry path or grants more, then the rule fails", async () => {
    const repo = await realRepository();
    const policy = repo.vault.policies.get('flowstack-worker') ?? [];
    const broken = [
      ...policy.filter((rule) => rule.pattern !== 'auth/token/renew-self'),
      { pattern: 'database/creds/*', capabilities: ['read'] },
      { pattern: 'kv/data/flowstack/worker/config', capabilities: ['read', 'update'] },
      { pattern: 'transit/encrypt/orders-pii', capabilities: ['update'] },
    ];
    const context = {
      ...contextFor(repo),
      vault: {
        ...repo.vault,
        policies: new Map([...repo.vault.policies, ['flowstack-worker', broken]]),
      },
    };
    const found = messages(vaultPathsRule.check(await realJob('worker'), context));
    expect(found).toEqual(
      expect.arrayContaining([
        'role "flowstack-worker" lacks update on auth/token/renew-self',
        'role "flowstack-worker" grants the glob database/creds/*: broader than any path it uses',
        'role "flowstack-worker" grants update on kv/data/flowstack/worker/config, which no call needs',
        'role "flowstack-worker" grants transit/encrypt/orders-pii, which the service never calls',
      ]),
    );
  });
});

describe('intentions', () => {
  const allowAll = [
    { source: 'flowstack-api', destination: 'postgres', action: 'allow' as const },
    { source: 'flowstack-api', destination: 'redis', action: 'allow' as const },
    { source: 'flowstack-api', destination: 'rabbitmq', action: 'allow' as const },
    { source: 'traefik', destination: 'flowstack-api', action: 'allow' as const },
  ];

  it('when every upstream and the Traefik route are allowed, then the rule passes', async () => {
    const context = { ...contextFor(await realRepository()), intentions: allowAll };
    expect(intentionsRule.check(await realJob('api'), context)).toEqual([]);
  });

  it('when an upstream has no allow intention, then the rule fails', async () => {
    const intentions = [
      ...allowAll.filter((i) => i.destination !== 'redis'),
      { source: '*', destination: 'redis', action: 'deny' as const },
    ];
    const context = { ...contextFor(await realRepository()), intentions };
    expect(messages(intentionsRule.check(await realJob('api'), context))).toEqual([
      'no allow intention flowstack-api -> redis',
    ]);
  });

  it('when Traefik may not reach the api, then the rule fails', async () => {
    const context = {
      ...contextFor(await realRepository()),
      intentions: allowAll.filter((i) => i.source !== 'traefik'),
    };
    expect(messages(intentionsRule.check(await realJob('api'), context)).join()).toContain(
      'traefik -> flowstack-api',
    );
  });
});

describe('deploy-policy', () => {
  it('when a task has no memory_max, then the rule fails', async () => {
    const job = await brokenJob('redis', /\s+memory_max = 512/, '');
    expect(messages(await runRule(deployPolicyRule, job))).toContain(
      'resources need memory and memory_max',
    );
  });

  it('when the api deploys without a canary or auto_revert, then the rule fails', async () => {
    const job = await brokenJob(
      'api',
      'canary            = 1\n    auto_revert       = true',
      'canary = 0\n    auto_revert = false',
    );
    const found = messages(await runRule(deployPolicyRule, job));
    expect(found).toEqual(
      expect.arrayContaining([
        'auto_revert = true is required',
        'flowstack services deploy behind a canary',
      ]),
    );
  });
});
