import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseHcl } from '../src/hcl.js';
import { toJobFile, type JobFile } from '../src/job-model.js';
import { loadRepository, type Repository } from '../src/repository.js';
import type { Rule } from '../src/rule.js';
import { contextFor } from '../src/validate.js';
import type { Finding } from '../src/findings.js';

export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

let repository: Promise<Repository> | undefined;
export function realRepository(): Promise<Repository> {
  repository ??= loadRepository(REPO_ROOT);
  return repository;
}

/**
 * A real job file with one textual change, parsed like the real ones: the way a broken commit
 * would look. Fails when the text to replace is not in the file (the fixture went stale).
 */
export async function brokenJob(job: string, from: string | RegExp, to: string): Promise<JobFile> {
  const file = `jobs/${job}.nomad.hcl`;
  const text = await readFile(`${REPO_ROOT}/${file}`, 'utf8');
  const changed = text.replace(from, to);
  if (changed === text) throw new Error(`${file} does not contain ${String(from)}`);
  return toJobFile(file, await parseHcl(file, changed));
}

export async function realJob(job: string): Promise<JobFile> {
  const repo = await realRepository();
  const found = repo.jobs.find((jobFile) => jobFile.file === `jobs/${job}.nomad.hcl`);
  if (!found) throw new Error(`no job ${job}`);
  return found;
}

export async function runRule(rule: Rule, jobFile: JobFile): Promise<Finding[]> {
  return rule.check(jobFile, contextFor(await realRepository()));
}

export function messages(findings: Finding[]): string[] {
  return findings.map((finding) => finding.message);
}

/** The real repository with one script changed textually, the way a broken commit would look. */
export async function withScript(
  file: string,
  from: string | RegExp,
  to: string,
): Promise<Repository> {
  const repo = await realRepository();
  const text = repo.scripts.get(file) ?? '';
  const changed = text.replace(from, to);
  if (changed === text) throw new Error(`${file} does not contain ${String(from)}`);
  return { ...repo, scripts: new Map([...repo.scripts, [file, changed]]) };
}
