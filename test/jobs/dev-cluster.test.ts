import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { REPO_ROOT } from './helpers.js';

it('when nomad, consul and vault are not on PATH, then the dev cluster says so and exits non-zero', async () => {
  const bin = await mkdtemp(join(tmpdir(), 'flowstack-path-'));
  try {
    for (const tool of ['dirname']) await symlink(`/usr/bin/${tool}`, join(bin, tool));
    const result = spawnSync('/bin/bash', [join(REPO_ROOT, 'infra/dev-cluster/up.sh')], {
      encoding: 'utf8',
      env: { PATH: bin },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('missing on PATH: nomad consul vault docker curl openssl');
  } finally {
    await rm(bin, { recursive: true, force: true });
  }
});
