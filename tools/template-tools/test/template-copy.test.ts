import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listProjectFiles } from '../src/project-files.js';
import { renameProject } from '../src/rename-project.js';
import { scaffoldService } from '../src/scaffold-service.js';
import {
  copyRepository,
  filesContaining,
  linkNodeModules,
  run,
  SOURCE_ROOT,
} from './support/repository-copy.js';

/**
 * On a copy of the repository: scaffold a service and check what it touched (its workspace, the
 * config and Vault packages, its tests, the job validation, the format), then rename the project
 * (scaffolded service included) and typecheck and lint every workspace and validate the jobs.
 * Building and linting a whole copy takes minutes on a small machine.
 */
const CHECK_TIMEOUT_MS = 40 * 60_000;
const SERVICE = 'mailer';
// Built at run time: a name written out in the repository would be refused as a collision.
const NEW_NAME = ['north', 'wind'].join('-');
/** Where the old name may remain after a rename: nowhere. */
const ALLOWED_LEFTOVERS: readonly string[] = [];

let copy: string;
let original: Map<string, string>;

async function snapshot(root: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const file of await listProjectFiles(root)) {
    files.set(file, await readFile(join(root, file), 'utf8'));
  }
  return files;
}

function expectSuccess(result: { status: number | null; output: string }): void {
  expect(result.status, result.output).toBe(0);
}

const turbo = (copyRoot: string, ...args: string[]) =>
  run(copyRoot, join(copyRoot, 'node_modules/.bin/turbo'), [
    'run',
    ...args,
    '--output-logs=errors-only',
    '--concurrency=2',
  ]);

beforeAll(async () => {
  copy = await copyRepository();
  await linkNodeModules(copy);
});

afterAll(async () => {
  if (copy !== undefined) await rm(copy, { recursive: true, force: true });
});

describe('npm run new:service on a copy of the repository', () => {
  it(
    'when a service is scaffolded, then typecheck, lint, its tests and the job validation pass',
    async () => {
      const result = await scaffoldService(copy, SERVICE);
      expect(result.created).toContain(`services/${SERVICE}/src/main.ts`);
      expect(result.created).toContain(`jobs/${SERVICE}.nomad.hcl`);
      expect(result.edited).toContain('packages/vault/src/paths.ts');
      await linkNodeModules(copy);

      const touched = [SERVICE, 'config', 'vault', 'infra-vault', 'infra-consul'];
      expectSuccess(
        turbo(copy, 'typecheck', 'lint', ...touched.map((name) => `--filter=@flowstack/${name}`)),
      );
      expectSuccess(turbo(copy, 'test', `--filter=@flowstack/${SERVICE}`));
      const results = JSON.parse(
        await readFile(join(copy, `services/${SERVICE}/.test-results.json`), 'utf8'),
      ) as { numPassedTests: number; numFailedTests: number };
      expect(results.numFailedTests).toBe(0);
      expect(results.numPassedTests).toBeGreaterThanOrEqual(6);
      const jobs = run(copy, 'npm', ['run', 'validate:jobs']);
      expectSuccess(jobs);
      const jobFiles = (await readdir(join(copy, 'jobs'))).filter((f) => f.endsWith('.nomad.hcl'));
      expect(jobs.output).toContain(`checked ${jobFiles.length} jobs`);
      expect(jobs.output).toContain('job validation passed');
      const prettier = join(copy, 'node_modules/.bin/prettier');
      // Every file prettier has a parser for (not HCL, not the Dockerfile).
      const written = [...result.created, ...result.edited];
      expectSuccess(run(copy, prettier, ['--check', '--ignore-unknown', ...written]));
    },
    CHECK_TIMEOUT_MS,
  );

  it('when the name is taken or invalid, then it is refused', async () => {
    await expect(scaffoldService(copy, 'worker')).rejects.toThrow('already used by the stack');
    await expect(scaffoldService(copy, SERVICE)).rejects.toThrow('already exists');
    await expect(scaffoldService(copy, 'Bad')).rejects.toThrow('invalid service name');
  });
});

describe('npm run rename on a copy of the repository', () => {
  it(
    'when renamed, then no old name remains and typecheck, lint and the job validation pass',
    async () => {
      original = await snapshot(copy);
      const result = await renameProject(copy, NEW_NAME);
      expect(result.from).toBe('flowstack');
      await linkNodeModules(copy);

      const leftovers = filesContaining(copy, 'flowstack').filter(
        (file) => !ALLOWED_LEFTOVERS.includes(file),
      );
      expect(leftovers).toEqual([]);
      expect(await readFile(join(copy, `jobs/${SERVICE}.nomad.hcl`), 'utf8')).toContain(
        `"${NEW_NAME}-${SERVICE}"`,
      );
      expectSuccess(turbo(copy, 'typecheck', 'lint'));
      expectSuccess(run(copy, 'npm', ['run', 'validate:jobs']));
    },
    CHECK_TIMEOUT_MS,
  );

  it('when run again with the same name, then nothing changes', async () => {
    const before = await snapshot(copy);
    const again = await renameProject(copy, NEW_NAME);
    expect(again.changedFiles).toEqual([]);
    expect(await snapshot(copy)).toEqual(before);
  });

  it('when renamed back, then every file is as before the rename', async () => {
    await renameProject(copy, 'flowstack');
    expect(await snapshot(copy)).toEqual(original);
  });

  it('when the name is invalid, then the command exits non-zero with the reason', () => {
    const cli = join(SOURCE_ROOT, 'tools/template-tools/dist/rename-cli.js');
    const result = run(copy, process.execPath, [cli, 'Not_Valid']);
    expect(result.status).toBe(1);
    expect(result.output).toContain('invalid project name "Not_Valid"');
  });
});
