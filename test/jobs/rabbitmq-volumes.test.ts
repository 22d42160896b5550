import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseHcl } from '@flowstack/job-validator';
import { REPO_ROOT, realJob } from './helpers.js';

/*
 * infra/nomad/rabbitmq-volumes.sh against a stand-in `nomad` on PATH that records every
 * `nomad volume create -` it is given (the spec arrives on stdin) and lists the volume names in
 * EXISTING for `nomad volume status`.
 */

const SCRIPT = join(REPO_ROOT, 'infra/nomad/rabbitmq-volumes.sh');
const FAKE_NOMAD = `#!/bin/sh
if [ "$1 $2" = "volume status" ]; then printf '%s ' $EXISTING; exit 0; fi
if [ "$1 $2 $3" = "volume create -" ]; then
  n=$(ls "$RECORD" | wc -l)
  cat > "$RECORD/spec-$n.hcl"
  exit 0
fi
echo "unexpected nomad $*" >&2
exit 2
`;

let bin: string;
let record: string;

beforeEach(async () => {
  bin = await mkdtemp(join(tmpdir(), 'flowstack-nomad-bin-'));
  record = await mkdtemp(join(tmpdir(), 'flowstack-volume-specs-'));
  await writeFile(join(bin, 'nomad'), FAKE_NOMAD);
  await chmod(join(bin, 'nomad'), 0o755);
});

afterEach(async () => {
  await rm(bin, { recursive: true, force: true });
  await rm(record, { recursive: true, force: true });
});

function run(args: string[], existing = '') {
  return spawnSync('/bin/bash', [SCRIPT, ...args], {
    encoding: 'utf8',
    env: {
      PATH: `${bin}:/usr/bin:/bin`,
      NOMAD_ADDR: 'http://127.0.0.1:4646',
      RECORD: record,
      EXISTING: existing,
    },
  });
}

async function specs(): Promise<Record<string, unknown>[]> {
  const files = (await readdir(record)).sort();
  return Promise.all(
    files.map(async (file) => parseHcl(file, await readFile(join(record, file), 'utf8'))),
  );
}

describe('infra/nomad/rabbitmq-volumes.sh', () => {
  it('when given three clients, then it creates member N volume on the N-th client, as the job mounts it', async () => {
    const result = run(['node-a', 'node-b', 'node-c']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const created = await specs();
    expect(created.map((spec) => spec['name'])).toEqual([
      'flowstack-rabbitmq[0]',
      'flowstack-rabbitmq[1]',
      'flowstack-rabbitmq[2]',
    ]);
    expect(created.map((spec) => (spec['constraint'] as { value: string }[])[0]!.value)).toEqual([
      'node-a',
      'node-b',
      'node-c',
    ]);
    // The job's per_alloc source: allocation N asks for "<source>[N]".
    const job = await realJob('rabbitmq');
    const volume = job.job.group[0]!.volume[0]!;
    expect(volume.per_alloc).toBe(true);
    expect(`${volume.source}[0]`).toBe(created[0]!['name']);
  });

  it('when a volume exists already, then it is left alone and only the new members get one', async () => {
    const result = run(['node-a', 'node-b', 'node-c'], 'flowstack-rabbitmq[0]');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('flowstack-rabbitmq[0] exists');
    expect((await specs()).map((spec) => spec['name'])).toEqual([
      'flowstack-rabbitmq[1]',
      'flowstack-rabbitmq[2]',
    ]);
  });

  it('when two members would share a client, then it refuses before creating anything', async () => {
    const result = run(['node-a', 'node-b', 'node-a']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('node IDs must be distinct: one member per client');
    expect(await readdir(record)).toEqual([]);
  });

  it('when no client is named, then it prints its usage and exits non-zero', () => {
    const result = run([]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('usage: infra/nomad/rabbitmq-volumes.sh <node-id>');
  });
});
