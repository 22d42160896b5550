import { spawnSync } from 'node:child_process';

export interface NomadCheck {
  command: string;
  ok: boolean;
  output: string;
}

export function nomadOnPath(): boolean {
  return spawnSync('nomad', ['version'], { encoding: 'utf8' }).status === 0;
}

/**
 * HashiCorp's own checks where the binary exists: `nomad fmt -check` (formatting) and
 * `nomad job validate` (the server-side schema; it needs no cluster for the local checks).
 */
export function runNomadChecks(root: string, jobFiles: readonly string[]): NomadCheck[] {
  const run = (args: string[]): NomadCheck => {
    const result = spawnSync('nomad', args, { cwd: root, encoding: 'utf8' });
    return {
      command: `nomad ${args.join(' ')}`,
      ok: result.status === 0,
      output: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim(),
    };
  };
  return [
    run(['fmt', '-check', '-recursive', 'jobs', 'infra/nomad']),
    ...jobFiles.map((file) => run(['job', 'validate', file])),
  ];
}
