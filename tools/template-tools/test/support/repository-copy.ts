import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository these tests run in (tools/template-tools/test/support -> root). */
export const SOURCE_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/**
 * Extracts the committed tree (HEAD) to a temporary directory: a stable baseline even while work
 * in progress sits in the checkout. The tooling under test is imported from the checkout itself.
 * node_modules is not installed: see linkNodeModules.
 */
export async function copyRepository(): Promise<string> {
  const target = await mkdtemp(join(tmpdir(), 'template-copy-'));
  const archive = execFileSync('git', ['archive', '--format=tar', 'HEAD'], {
    cwd: SOURCE_ROOT,
    maxBuffer: 512 * 1024 * 1024,
  });
  execFileSync('tar', ['-x', '-C', target], { input: archive });
  return target;
}

/**
 * What `npm install` would link, without the network or the time: every external package is a
 * symlink to the source's install, and each workspace of the copy is linked under its own
 * (possibly renamed) scope. Call again after a rename or a scaffold.
 */
export async function linkNodeModules(copy: string): Promise<void> {
  const modules = join(copy, 'node_modules');
  await rm(modules, { recursive: true, force: true });
  await mkdir(modules);
  const source = join(SOURCE_ROOT, 'node_modules');
  const sourceScope = `@${await rootName(SOURCE_ROOT)}`;
  for (const entry of await readdir(source)) {
    if (entry === sourceScope) continue;
    await symlink(join(source, entry), join(modules, entry));
  }
  for (const workspace of await workspaces(copy)) {
    const manifest = JSON.parse(await readFile(join(copy, workspace, 'package.json'), 'utf8')) as {
      name: string;
    };
    await mkdir(dirname(join(modules, manifest.name)), { recursive: true });
    await symlink(join(copy, workspace), join(modules, manifest.name));
    const nested = join(SOURCE_ROOT, workspace, 'node_modules');
    if (existsSync(nested) && !existsSync(join(copy, workspace, 'node_modules'))) {
      await symlink(nested, join(copy, workspace, 'node_modules'));
    }
  }
}

async function rootName(root: string): Promise<string> {
  return (JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { name: string }).name;
}

async function workspaces(root: string): Promise<string[]> {
  const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
    workspaces: string[];
  };
  const found: string[] = [];
  for (const pattern of manifest.workspaces) {
    const dirs = pattern.endsWith('/*')
      ? (await readdir(join(root, pattern.slice(0, -2)))).map((d) => `${pattern.slice(0, -2)}/${d}`)
      : [pattern];
    found.push(...dirs.filter((dir) => existsSync(join(root, dir, 'package.json'))));
  }
  return found;
}

export interface CommandResult {
  status: number | null;
  output: string;
}

/** Runs a command in the copy; the output is returned for the assertion message. */
export function run(copy: string, command: string, args: string[]): CommandResult {
  const result = spawnSync(command, args, {
    cwd: copy,
    encoding: 'utf8',
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1', FORCE_COLOR: '0' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}`.slice(-8000) };
}

/** Files (and paths) under root that still contain `word`, outside node_modules, dist and .git. */
export function filesContaining(root: string, word: string): string[] {
  const result = spawnSync(
    'grep',
    [
      '-rIl',
      '--exclude-dir=node_modules',
      '--exclude-dir=dist',
      '--exclude-dir=.turbo',
      '--exclude=.test-results.json',
      word,
      '.',
    ],
    { cwd: root, encoding: 'utf8' },
  );
  const paths = spawnSync(
    'find',
    ['.', '-path', './node_modules', '-prune', '-o', '-name', `*${word}*`, '-print'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  return [...result.stdout.split('\n'), ...paths.stdout.split('\n')].filter((line) => line !== '');
}
