import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The runtime image of services/<service>/Dockerfile without Docker: `turbo prune --docker`
 * (the prune stage), `npm ci --omit=dev` in the pruned tree (the deps stage), then each
 * workspace's dist and migrations from the repository's build (the build stage's /artifact).
 * Nothing else from the checkout reaches the folder.
 */
export async function stageProductionArtifact(root: string, scopes: string[]): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'flowstack-artifact-'));
  const pruned = join(work, 'pruned');
  run('npx', ['turbo', 'prune', ...scopes, '--docker', '--out-dir', pruned], root);
  const app = join(work, 'app');
  await cp(join(pruned, 'json'), app, { recursive: true });
  // The same install as the Dockerfile's deps stage; serialized with the other npm runs here.
  run(
    'flock',
    [
      '/tmp/flowstack-npm.lock',
      'npm',
      'ci',
      '--omit=dev',
      '--ignore-scripts',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
    ],
    app,
  );
  for (const parent of ['packages', 'services']) {
    if (!existsSync(join(app, parent))) continue;
    for (const name of await readdir(join(app, parent))) {
      for (const part of ['dist', 'migrations']) {
        const from = join(root, parent, name, part);
        if (existsSync(from)) await cp(from, join(app, parent, name, part), { recursive: true });
      }
    }
  }
  return app;
}

function run(command: string, args: string[], cwd: string): void {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', npm_config_loglevel: 'error' },
  });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr || result.stdout}`);
  }
}

export interface StartedProcess {
  child: ChildProcess;
  output(): string;
  /** Sends SIGTERM and resolves with the exit code and how long the shutdown took. */
  terminate(): Promise<{ code: number | null; ms: number }>;
}

/** Starts `node dist/main.js` in the staged service folder, as the image's CMD does. */
export function startService(cwd: string, env: Record<string, string>): StartedProcess {
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return {
    child,
    output: () => output,
    async terminate() {
      const started = Date.now();
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      return { code, ms: Date.now() - started };
    },
  };
}

/** Polls until the URL answers 200 or the process exits; returns the last status seen. */
export async function waitForStatus(
  url: string,
  process: StartedProcess,
  timeoutMs: number,
): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last: number | undefined;
  while (Date.now() < deadline && process.child.exitCode === null) {
    try {
      const response = await fetch(url);
      last = response.status;
      if (last === 200) return last;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return last;
}
