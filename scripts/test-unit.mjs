#!/usr/bin/env node
// `npm run test:unit`: builds what the tests import (turbo's cache makes that quick), then runs
// every `src/**/*.test.ts` that is not `*.int.test.ts`, all workspaces in one vitest process.
//
//   --isolated  run in a network namespace of its own (`unshare -rn`: only a loopback, nothing
//               listening), after checking that PostgreSQL, Redis and RabbitMQ are unreachable
//               there. This is how test/tiers proves the tier needs no server.
//   --no-build  skip the build (the caller built already).
// Other arguments go to vitest, e.g. `npm run test:unit -- packages/queue`.
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const isolated = args.includes('--isolated');
const build = !args.includes('--no-build');
const rest = args.filter((arg) => arg !== '--isolated' && arg !== '--no-build');
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1' };
const SERVERS = [
  ['PostgreSQL', 5432],
  ['Redis', 6379],
  ['RabbitMQ', 5672],
];

const reachable = (port) =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

if (process.env.FLOWSTACK_UNIT_NAMESPACE === '1') {
  // Inside the namespace: bring the loopback up, prove the servers are gone, then run.
  spawnSync('ip', ['link', 'set', 'lo', 'up'], { stdio: 'inherit' });
  for (const [name, port] of SERVERS) {
    if (await reachable(port)) {
      process.stderr.write(`${name} answers on 127.0.0.1:${port} inside the namespace\n`);
      process.exit(1);
    }
  }
  process.stdout.write('no PostgreSQL, Redis or RabbitMQ reachable\n');
}

if (build) {
  const built = spawnSync('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], {
    cwd: root,
    stdio: 'inherit',
    env,
  });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

const inside = process.env.FLOWSTACK_UNIT_NAMESPACE === '1';
const started = Date.now();
const run =
  isolated && !inside
    ? spawnSync(
        'unshare',
        ['-rn', process.execPath, fileURLToPath(import.meta.url), '--no-build', ...rest],
        {
          cwd: root,
          stdio: 'inherit',
          env: { ...env, FLOWSTACK_UNIT_NAMESPACE: '1' },
        },
      )
    : spawnSync('npx', ['vitest', 'run', '--config', 'vitest.unit.config.ts', ...rest], {
        cwd: root,
        stdio: 'inherit',
        env,
      });
if (run.error) {
  process.stderr.write(`${run.error.message}\n`);
  process.exit(1);
}
if (!inside) process.stdout.write(`\nunit tier: ${Math.round((Date.now() - started) / 1000)} s\n`);
process.exit(run.status ?? 1);
