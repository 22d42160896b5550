import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

// A network namespace needs unprivileged user namespaces (or root with CAP_SYS_ADMIN); some
// container runtimes forbid them, and then this proof cannot be made on that machine.
const canIsolate = spawnSync('unshare', ['-rn', 'true']).status === 0;

it.skipIf(!canIsolate)(
  'when the unit tier runs where no PostgreSQL, Redis or RabbitMQ is reachable, then every test in it passes',
  () => {
    const run = spawnSync(process.execPath, ['scripts/test-unit.mjs', '--isolated', '--no-build'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      maxBuffer: 64 * 1024 * 1024,
    });
    const output = `${run.stdout}\n${run.stderr}`;
    expect(output).toContain('no PostgreSQL, Redis or RabbitMQ reachable');
    expect(output).toMatch(/Tests\s+\d+ passed/);
    expect(output).not.toMatch(/Tests\s+.*\d+ failed/);
    expect(run.status, output.slice(-3_000)).toBe(0);
  },
  600_000,
);
