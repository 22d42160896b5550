import { readFile, writeFile } from 'node:fs/promises';
import { markdownTable } from '@flowstack/config';
import { RELIABILITY_DOC, type DrillResult, type FuzzResult, type ResultsFile } from './results.js';

const START = '<!-- drill-results:start -->';
const END = '<!-- drill-results:end -->';

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
const millis = (ms: number | undefined) =>
  ms === undefined ? 'n/a' : ms < 1_000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;

function errors(result: DrillResult): string {
  const entries = Object.entries(result.errorsSeen);
  return entries.length === 0 ? 'none' : entries.map(([label, n]) => `${n}× ${label}`).join(', ');
}

/** The middle columns of both drill tables, filled by outcomeCells. */
const OUTCOME_HEADERS = ['Result', 'Accepted', 'Stored', 'Duplicates', 'Missing', 'Errors seen'];

/** Result, the books and the errors of one drill: the middle of both drill tables. */
function outcomeCells(r: DrillResult): string[] {
  return [
    r.passed ? 'pass' : '**FAIL**',
    String(r.accepted),
    String(r.stored),
    String(r.duplicates),
    String(r.missing),
    `${errors(r)}${r.ambiguous > 0 ? ` (${r.ambiguous} retried, ${r.storedWhileAmbiguous} already stored)` : ''}`,
  ];
}

/** The table of docs/reliability.md, from the results file the chaos suite writes. */
export function renderDrillTable(file: ResultsFile): string {
  const rows = file.drills
    .filter((r) => r.brokerCluster === undefined)
    .sort((a, b) => a.drill.localeCompare(b.drill))
    .map((r) =>
      [
        r.drill,
        r.fault,
        r.expected,
        ...outcomeCells(r),
        millis(r.recoveryMs),
        r.ranAt.slice(0, 16).replace('T', ' '),
      ].map(cell),
    );
  return markdownTable(
    ['Drill', 'Fault', 'Expected', ...OUTCOME_HEADERS, 'Recovery', 'Run (UTC)'],
    rows,
  );
}

/** The hostile-input figures of docs/reliability.md. */
export function renderFuzzTable(fuzz: FuzzResult): string {
  return markdownTable(
    [
      'Hostile input',
      'Requests',
      'Time',
      'Contract violations',
      'api RSS before → after',
      'Half-headers client cut',
      'Silent client cut',
      'api alive',
      'Run (UTC)',
    ],
    [
      [
        'fast-check over every endpoint',
        String(fuzz.requests),
        `${fuzz.seconds.toFixed(1)} s`,
        String(fuzz.contractViolations),
        `${fuzz.rssBeforeMiB} → ${fuzz.rssAfterMiB} MiB`,
        `${millis(fuzz.slowClientCutMs)} (408)`,
        millis(fuzz.idleClientCutMs),
        fuzz.apiAlive ? 'yes' : '**no**',
        fuzz.ranAt.slice(0, 16).replace('T', ' '),
      ],
    ],
  );
}

/**
 * The drills on the three-node RabbitMQ cluster, with the longest gap between two `202`s, and a
 * closing line naming the longest gap of them all.
 */
export function renderClusterDrillTable(file: ResultsFile): string {
  const drills = file.drills
    .filter((r) => r.brokerCluster !== undefined)
    .sort((a, b) => a.drill.localeCompare(b.drill));
  if (drills.length === 0) return '';
  const rows = drills.map((r) =>
    [
      r.drill,
      r.fault,
      r.brokerCluster!.queueType,
      ...outcomeCells(r),
      millis(r.longestAcceptGapMs),
      millis(r.recoveryMs),
      r.ranAt.slice(0, 16).replace('T', ' '),
    ].map(cell),
  );
  const worst = drills
    .filter((r) => r.longestAcceptGapMs !== undefined)
    .sort((a, b) => b.longestAcceptGapMs! - a.longestAcceptGapMs!)[0];
  const table = markdownTable(
    [
      'Cluster drill',
      'Fault',
      'Queue type',
      ...OUTCOME_HEADERS,
      'Longest gap in accepted orders',
      'Recovery',
      'Run (UTC)',
    ],
    rows,
  );
  return [
    table,
    ...(worst === undefined
      ? []
      : [
          '',
          `Longest gap in accepted orders on the cluster: ${millis(worst.longestAcceptGapMs)} (${worst.drill}).`,
        ]),
  ].join('\n');
}

/** What goes between the markers of docs/reliability.md. */
export function renderResultsSection(file: ResultsFile): string {
  const suite =
    file.suiteDurationMs === undefined
      ? ''
      : `Last full run: ${file.generatedAt.slice(0, 16).replace('T', ' ')} UTC, suite ${(file.suiteDurationMs / 1000).toFixed(0)} s.\n\n`;
  const fuzz = file.fuzz === undefined ? '' : `${renderFuzzTable(file.fuzz)}\n\n`;
  const cluster = renderClusterDrillTable(file);
  return `${suite}${renderDrillTable(file)}\n\n${cluster === '' ? '' : `${cluster}\n\n`}${fuzz}`;
}

export async function updateReliabilityDoc(file: ResultsFile): Promise<void> {
  const doc = await readFile(RELIABILITY_DOC, 'utf8');
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start === -1 || end === -1) return;
  await writeFile(
    RELIABILITY_DOC,
    `${doc.slice(0, start + START.length)}\n\n${renderResultsSection(file)}${doc.slice(end)}`,
  );
}
