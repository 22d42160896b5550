import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from './helpers.js';

/*
 * .github/workflows/real-binaries.yml runs on a fork's GitHub runners and cannot run here (no
 * HashiCorp binaries, no network). What can be checked without running it is checked: the file is
 * a valid workflow (action-validator, the GitHub workflow JSON schema compiled to WASM), and every
 * script, npm script and test path it calls exists in this repository.
 */
const WORKFLOW = '.github/workflows/real-binaries.yml';
const text = readFileSync(join(REPO_ROOT, WORKFLOW), 'utf8');

interface Step {
  run?: string;
  uses?: string;
}
interface Workflow {
  env: Record<string, string>;
  jobs: Record<string, { steps: Step[] }>;
}
const workflow = parse(text) as Workflow;
const runs = Object.values(workflow.jobs).flatMap((job) =>
  job.steps.flatMap((step) => (step.run === undefined ? [] : [step.run])),
);
const rootScripts = (
  JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  }
).scripts;

describe(WORKFLOW, () => {
  it('when validated against the workflow schema, then it has no errors', () => {
    expect(validateWorkflow(text).errors).toEqual([]);
  });

  it('when a job is malformed, then the same validator rejects it (the check can fail)', () => {
    const broken = text.replace('runs-on: ubuntu-24.04', 'runs_on: ubuntu-24.04');
    expect(broken).not.toBe(text);
    expect(validateWorkflow(broken).errors.length).toBeGreaterThan(0);
  });

  it('when it calls repository scripts, then each exists and parses as bash', () => {
    const scripts = new Set(
      runs.flatMap((run) =>
        [...run.matchAll(/\b((?:infra|scripts)\/[\w./-]+\.sh)\b/g)].map((m) => m[1]!),
      ),
    );
    expect([...scripts].sort()).toEqual([
      'infra/dev-cluster/down.sh',
      'infra/dev-cluster/install-hashicorp.sh',
      'infra/dev-cluster/smoke.sh',
      'infra/dev-cluster/up.sh',
    ]);
    for (const script of scripts) {
      expect(existsSync(join(REPO_ROOT, script)), script).toBe(true);
      expect(spawnSync('bash', ['-n', join(REPO_ROOT, script)]).status, script).toBe(0);
    }
  });

  it('when it runs npm scripts and test paths, then they exist', () => {
    const npmScripts = runs.flatMap((run) =>
      [...run.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]!),
    );
    expect(npmScripts).toContain('test:contract');
    for (const name of npmScripts) expect(rootScripts[name], name).toBeDefined();
    const vitestPaths = runs.flatMap((run) =>
      [...run.matchAll(/cd (\S+)[\s\S]*?npx vitest run (\S+)/g)].map((m) => join(m[1]!, m[2]!)),
    );
    expect(vitestPaths).toEqual(['test/contract/consul']);
    for (const path of vitestPaths) expect(existsSync(join(REPO_ROOT, path)), path).toBe(true);
  });

  it('when it installs HashiCorp binaries, then versions are pinned and archives are checksum-verified', () => {
    for (const key of ['NOMAD_VERSION', 'CONSUL_VERSION', 'VAULT_VERSION']) {
      expect(workflow.env[key], key).toMatch(/^\d+\.\d+\.\d+$/);
    }
    const installs = runs.flatMap((run) =>
      [...run.matchAll(/install-hashicorp\.sh (\w+) "\$(\w+)"/g)].map((m) => `${m[1]} ${m[2]}`),
    );
    expect(new Set(installs)).toEqual(
      new Set(['vault VAULT_VERSION', 'consul CONSUL_VERSION', 'nomad NOMAD_VERSION']),
    );
    const installer = readFileSync(
      join(REPO_ROOT, 'infra/dev-cluster/install-hashicorp.sh'),
      'utf8',
    );
    expect(installer).toContain('https://releases.hashicorp.com/$product/$version');
    expect(installer).toMatch(/grep " \$archive\\\$" "\$sums" \| sha256sum -c -/);
  });

  it('when it exercises the cluster, then it formats, validates, smoke-tests and tears down', () => {
    const all = runs.join('\n');
    expect(all).toContain('nomad fmt -check -recursive jobs infra/nomad');
    expect(all).toMatch(/for file in jobs\/\*\.nomad\.hcl; do [^\n]*nomad job validate "\$file"/);
    expect(all).toContain('CONSUL_HTTP_TOKEN="$token" npx vitest run contract/consul');
    expect(all.indexOf('up.sh')).toBeLessThan(all.indexOf('smoke.sh'));
    expect(all.indexOf('smoke.sh')).toBeLessThan(all.indexOf('down.sh'));
  });
});
