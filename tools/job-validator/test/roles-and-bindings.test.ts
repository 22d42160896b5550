import { describe, expect, it } from 'vitest';
import { consulBindingsRule, bindingsFor } from '../src/rules/consul-bindings.js';
import { vaultPathsRule } from '../src/rules/vault-paths.js';
import { vaultRolesRule } from '../src/rules/vault-roles.js';
import { brokenJob, messages, realJob, runRule } from './helpers.js';

const ROLE = /role\s*=\s*"[^"]+"/;

describe('vault-roles', () => {
  it.each([
    ['postgres', 'flowstack-postgres'],
    ['redis', 'flowstack-redis'],
    ['rabbitmq', 'flowstack-rabbitmq'],
  ])(
    'when the %s job logs in with %s, then neither Vault rule reports anything',
    async (job, role) => {
      const fixed = await brokenJob(job, ROLE, `role = "${role}"`);
      expect(messages(await runRule(vaultRolesRule, fixed))).toEqual([]);
      expect(messages(await runRule(vaultPathsRule, fixed))).toEqual([]);
    },
  );

  it("when the worker job's migrate task logs in with flowstack-migrate, then neither Vault rule reports anything", async () => {
    const fixed = await brokenJob(
      'worker',
      /(task "migrate"[\s\S]*?vault \{\s*)role\s*=\s*"[^"]+"/,
      '$1role = "flowstack-migrate"',
    );
    expect(messages(await runRule(vaultRolesRule, fixed))).toEqual([]);
    expect(messages(await runRule(vaultPathsRule, fixed))).toEqual([]);
  });

  it("when a data service reads its admin secret through the default role, then the templated policy's refusal is reported", async () => {
    // Whatever role the committed file names, the broken copy names the default one.
    const broken = await brokenJob('redis', ROLE, 'role = "nomad-workloads" # the default role');
    expect(messages(await runRule(vaultRolesRule, broken))).toEqual([
      expect.stringMatching(
        /template reads kv\/data\/flowstack\/redis\/config through the default role .* grants only kv\/data\/default\/redis\/\*/,
      ),
    ]);
  });

  it("when the api job names the worker's role, then the bound job and task are reported", async () => {
    const broken = await brokenJob(
      'api',
      /role\s*=\s*"flowstack-api"/,
      'role = "flowstack-worker"',
    );
    expect(messages(await runRule(vaultRolesRule, broken))).toEqual([
      'role "flowstack-worker" is bound to nomad_job_id "worker" but this task\'s identity says "api": Vault refuses the login',
      'role "flowstack-worker" is bound to nomad_task "worker" but this task\'s identity says "api": Vault refuses the login',
    ]);
  });

  it('when the api job runs in another namespace, then the namespace binding is reported', async () => {
    const broken = await brokenJob('api', /job "api" \{/, 'job "api" {\n  namespace = "team-b"');
    expect(messages(await runRule(vaultRolesRule, broken))).toEqual([
      'role "flowstack-api" is bound to nomad_namespace "default" but this task\'s identity says "team-b": Vault refuses the login',
    ]);
  });

  it('when a role infra/vault does not write is named, then it is reported', async () => {
    const broken = await brokenJob('api', /role\s*=\s*"flowstack-api"/, 'role = "flowstack-admin"');
    expect(messages(await runRule(vaultRolesRule, broken))).toEqual([
      'Vault role "flowstack-admin" is not one infra/vault writes (infra/vault/src/workload-roles.ts)',
    ]);
  });
});

describe('consul-bindings', () => {
  it('when the real traefik and api jobs are checked, then every identity binds what it needs', async () => {
    for (const job of ['traefik', 'api', 'worker', 'postgres']) {
      expect([job, messages(await runRule(consulBindingsRule, await realJob(job)))]).toEqual([
        job,
        [],
      ]);
    }
  });

  it("when Traefik's job is renamed, then its task token no longer gets service:write on traefik", async () => {
    const broken = await brokenJob('traefik', /job "traefik" \{/, 'job "edge" {');
    expect(messages(await runRule(consulBindingsRule, broken))).toEqual([
      'task traefik\'s token (roles nomad-default-tasks) lacks service:write on "traefik": the agent refuses its leaf certificate',
    ]);
  });

  it("when Traefik's task has no consul block, then it has no task token for its leaf certificate", async () => {
    const broken = await brokenJob('traefik', /\n\s*consul \{\}\n/, '\n');
    expect(messages(await runRule(consulBindingsRule, broken))).toEqual([
      expect.stringMatching(/needs its task \(traefik\) to have a consul block/),
    ]);
  });

  it("when a service's and Traefik's identities are evaluated, then they bind the service identity and the traefik role", () => {
    expect(
      bindingsFor({
        nomad_namespace: 'default',
        nomad_job_id: 'api',
        nomad_service: 'flowstack-api',
      }),
    ).toEqual({
      serviceIdentities: ['flowstack-api'],
      roles: [],
    });
    expect(
      bindingsFor({
        nomad_namespace: 'default',
        nomad_job_id: 'traefik',
        nomad_task: 'traefik',
      }).roles.sort(),
    ).toEqual(['flowstack-traefik', 'nomad-default-tasks']);
  });
});
