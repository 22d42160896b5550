#!/usr/bin/env node
// `npm test`: the static checks (format, types, lint), then every workspace's tests through turbo,
// one workspace at a time (they share the machine's servers and its two cores). Adds up the
// per-workspace vitest JSON reports into one closing line. Extra arguments go to turbo's test run,
// e.g. `npm test -- --filter=@flowstack/api`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const workspaces = JSON.parse(
  spawnSync('npm', ['query', '.workspace'], { cwd: root, encoding: 'utf8' }).stdout || '[]',
).map((ws) => join(root, ws.location));
const reportOf = (dir) => join(dir, '.test-results.json');
for (const dir of workspaces) rmSync(reportOf(dir), { force: true });

const started = Date.now();
const run = (command, args) =>
  spawnSync(command, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
  }).status;
const staticChecks = [
  ['format', run('npx', ['prettier', '--check', '--log-level=warn', '.'])],
  [
    'typecheck and lint',
    run('npx', ['turbo', 'run', 'typecheck', 'lint', '--output-logs=errors-only']),
  ],
].filter(([, status]) => status !== 0);
const turbo = spawnSync(
  'npx',
  ['turbo', 'run', 'test', '--concurrency=1', '--continue', ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit', env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' } },
);

// The fault drills restart throwaway servers and run one file at a time: a suite of their own.
const chaosReport = join(root, 'test', '.chaos-results.json');
rmSync(chaosReport, { force: true });
const chaos = run('npm', ['run', 'test:chaos', '-w', '@flowstack/system-tests']);

let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
const failedWorkspaces = [];
/** The failed tests by name, so the end of the output says which ones without scrolling back. */
const failures = [];
const collectFailures = (report) => {
  for (const file of report.testResults ?? []) {
    const path = file.name.startsWith(root) ? file.name.slice(root.length) : file.name;
    const failedTests = (file.assertionResults ?? []).filter((test) => test.status === 'failed');
    for (const test of failedTests) {
      const why = (test.failureMessages?.[0] ?? '').split('\n')[0].slice(0, 300);
      failures.push(`${path}: ${test.fullName ?? test.title}\n      ${why}`);
    }
    if (failedTests.length === 0 && file.status === 'failed') {
      failures.push(`${path}: ${(file.message ?? 'the file failed to run').split('\n')[0]}`);
    }
  }
};
for (const dir of workspaces) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (!pkg.scripts?.test) continue;
  if (!existsSync(reportOf(dir))) {
    missing.push(pkg.name);
    continue;
  }
  const report = JSON.parse(readFileSync(reportOf(dir), 'utf8'));
  if (!report.success || report.numTotalTests === 0) failedWorkspaces.push(pkg.name);
  collectFailures(report);
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
}
if (existsSync(chaosReport)) {
  const report = JSON.parse(readFileSync(chaosReport, 'utf8'));
  if (!report.success || report.numTotalTests === 0) failedWorkspaces.push('chaos drills');
  collectFailures(report);
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
} else {
  missing.push('chaos drills');
}
const seconds = Math.round((Date.now() - started) / 1000);
for (const [name] of staticChecks) process.stdout.write(`\n${name} failed\n`);
if (failedWorkspaces.length > 0)
  process.stdout.write(`\nfailed workspaces: ${failedWorkspaces.join(', ')}\n`);
if (failures.length > 0) process.stdout.write(`\nfailed tests:\n  - ${failures.join('\n  - ')}\n`);
if (missing.length > 0) process.stdout.write(`\nno test report from: ${missing.join(', ')}\n`);
process.stdout.write(
  `\nAll workspaces (${seconds} s):\n${passed} passed, ${failed} failed, ${skipped} skipped\n`,
);
const ok =
  turbo.status === 0 &&
  chaos === 0 &&
  failed === 0 &&
  missing.length === 0 &&
  failedWorkspaces.length === 0 &&
  staticChecks.length === 0;
process.exit(ok ? 0 : 1);
