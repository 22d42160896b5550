import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadRepository, type JobFile } from '@flowstack/job-validator';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A job spec of this repository, parsed as the validator parses it. */
export async function realJob(job: string): Promise<JobFile> {
  const repo = await loadRepository(REPO_ROOT);
  const found = repo.jobs.find((jobFile) => jobFile.file === `jobs/${job}.nomad.hcl`);
  if (!found) throw new Error(`no job ${job}`);
  return found;
}

/** Drops a database a test created on the machine's PostgreSQL (trust auth on 5432). */
export function dropDatabase(name: string): void {
  spawnSync('psql', [
    '-h',
    '127.0.0.1',
    '-U',
    'postgres',
    '-d',
    'postgres',
    '-qc',
    `DROP DATABASE IF EXISTS ${name}`,
  ]);
}
