import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { formatFinding } from '../src/findings.js';
import { validateRepository } from '../src/validate.js';
import { realRepository, REPO_ROOT } from './helpers.js';

describe('the repository as committed', () => {
  it('when every job, policy and agent file is parsed, then all parse with the HCL parser', async () => {
    const repo = await realRepository();
    const jobs = (await readdir(`${REPO_ROOT}/jobs`)).filter((name) => name.endsWith('.nomad.hcl'));
    expect(jobs.sort()).toEqual(
      ['api', 'postgres', 'rabbitmq', 'redis', 'traefik', 'worker'].map(
        (name) => `${name}.nomad.hcl`,
      ),
    );
    expect(repo.jobs).toHaveLength(jobs.length);
    expect(repo.parsedFiles.filter((file) => file.startsWith('infra/vault/policies/'))).toContain(
      'infra/vault/policies/flowstack-api.hcl',
    );
    expect(repo.parsedFiles.some((file) => file.startsWith('infra/nomad/'))).toBe(true);
  });

  it('when every rule runs over the real jobs, then none reports a finding', async () => {
    const report = validateRepository(await realRepository());
    expect(report.findings.map(formatFinding)).toEqual([]);
    expect(report.rules.length).toBeGreaterThanOrEqual(12);
  });

  it('when the Vault registry is loaded, then it is the one from packages/vault', async () => {
    const repo = await realRepository();
    const api = repo.vault.registry.get('api')?.map((use) => use.path) ?? [];
    expect(api).toContain('database/creds/api-readonly');
    expect(repo.vault.roles.get('flowstack-api')).toEqual(['flowstack-api']);
  });
});
