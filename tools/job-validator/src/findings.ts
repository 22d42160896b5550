import type { JobFile } from './job-model.js';

/** One broken rule at one place. */
export interface Finding {
  rule: string;
  file: string;
  /** e.g. "group api / task api". */
  where: string;
  message: string;
}

export type FindingSink = (where: string, message: string) => void;

/** Collects the findings of one rule over one job file. */
export function collect(
  rule: string,
  jobFile: JobFile,
  body: (report: FindingSink) => void,
): Finding[] {
  const findings: Finding[] = [];
  body((where, message) => findings.push({ rule, file: jobFile.file, where, message }));
  return findings;
}

export function formatFinding(finding: Finding): string {
  return `${finding.file} [${finding.rule}] ${finding.where}: ${finding.message}`;
}
