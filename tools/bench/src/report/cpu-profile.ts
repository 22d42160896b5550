import { readFile } from 'node:fs/promises';
import type { ProfileEntry } from './results.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Which library or part of flowstack a script URL belongs to. */
export function categoryOf(url: string, functionName: string): string {
  if (url === '') {
    if (functionName === '(garbage collector)') return 'garbage collector';
    if (functionName === '(idle)') return 'idle';
    return 'native / V8';
  }
  if (url.startsWith('node:')) return 'node core';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules !== null) return modules[1]!;
  const local = /\/(packages|services)\/([^/]+)\//.exec(url);
  if (local !== null) return `@flowstack/${local[2]}`;
  return 'other';
}

function shortUrl(url: string): string {
  const modules = /node_modules\/(.*)$/.exec(url);
  if (modules !== null) return modules[1]!;
  const local = /\/((?:packages|services)\/.*)$/.exec(url);
  if (local !== null) return local[1]!;
  return url.replace(/^file:\/\//, '');
}

function top(totals: Map<string, number>, total: number, count: number): ProfileEntry[] {
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, micros]) => ({ name, selfPercent: Math.round((micros / total) * 1000) / 10 }));
}

/** Self time per function and per library, in percent of the busy (non-idle) time. */
export async function summarizeProfile(
  file: string,
): Promise<{ totalMs: number; topFunctions: ProfileEntry[]; byCategory: ProfileEntry[] }> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const functions = new Map<string, number>();
  const categories = new Map<string, number>();
  let busy = 0;
  for (const [id, micros] of self) {
    const frame = nodes.get(id)?.callFrame;
    if (frame === undefined) continue;
    const category = categoryOf(frame.url, frame.functionName);
    if (category === 'idle') continue;
    busy += micros;
    categories.set(category, (categories.get(category) ?? 0) + micros);
    const name =
      frame.url === ''
        ? frame.functionName
        : `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    functions.set(name, (functions.get(name) ?? 0) + micros);
  }
  const total = Math.max(1, busy);
  return {
    totalMs: Math.round(busy / 1000),
    topFunctions: top(functions, total, 20),
    byCategory: top(categories, total, 12),
  };
}
