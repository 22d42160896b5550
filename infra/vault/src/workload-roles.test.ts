import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { nomadWorkloadsRole, workloadJwtRole } from './engine-settings.js';
import { parsePolicyGrants } from './policy-document.js';
import { POLICIES_DIR } from './service-policies.js';
import {
  ACCESSOR_PLACEHOLDER,
  DATA_SERVICE_ROLES,
  renderDefaultPolicy,
  renderKvReaderPolicy,
  WORKLOAD_ROLES,
} from './workload-roles.js';

const committed = (name: string) => readFile(new URL(`${name}.hcl`, POLICIES_DIR), 'utf8');

describe.each(DATA_SERVICE_ROLES)('the $name role', (role) => {
  it('when its policy is generated, then it equals the committed file', async () => {
    expect(await committed(role.name)).toBe(renderKvReaderPolicy(role));
  });

  it('when its policy is parsed, then it reads its one KV secret and keeps its token alive, nothing else', async () => {
    const grants = await parsePolicyGrants(await committed(role.name));
    expect(Object.fromEntries([...grants].map(([path, caps]) => [path, [...caps]]))).toEqual({
      ...Object.fromEntries((role.kvReads ?? []).map((path) => [`kv/data/${path}`, ['read']])),
      'auth/token/renew-self': ['update'],
      'auth/token/lookup-self': ['read'],
    });
  });
});

describe('JWT role bindings', () => {
  it('when any flowstack role is built, then it binds namespace, job and task and names only its policy', () => {
    for (const role of WORKLOAD_ROLES) {
      expect(workloadJwtRole(role, 'default').values).toMatchObject({
        bound_claims: {
          nomad_namespace: ['default'],
          nomad_job_id: [role.nomadJobId],
          nomad_task: [role.nomadTask],
        },
        token_policies: [role.name],
        token_no_default_policy: true,
      });
    }
  });

  it('when two roles share a job, then their tasks differ (migrate is not the worker)', () => {
    const keys = WORKLOAD_ROLES.map((role) => `${role.nomadJobId}/${role.nomadTask}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('when the default role is built, then it is bound to the namespaces and carries only the templated policy', () => {
    expect(nomadWorkloadsRole(['default']).values).toMatchObject({
      bound_claims: { nomad_namespace: ['default'] },
      token_policies: ['nomad-workloads'],
    });
  });

  it("when the default policy is rendered, then every path is templated on the mount's accessor and none reaches flowstack's tree", async () => {
    const text = renderDefaultPolicy(await committed('nomad-workloads'), 'auth_jwt_1234abcd');
    expect(text).not.toContain(ACCESSOR_PLACEHOLDER);
    const paths = [...(await parsePolicyGrants(text)).keys()];
    expect(paths).toHaveLength(4);
    for (const path of paths.filter((p) => p.startsWith('kv/data/'))) {
      expect(path).toMatch(
        /^kv\/data\/\{\{identity\.entity\.aliases\.auth_jwt_1234abcd\.metadata\.nomad_namespace\}\}\/\{\{identity\.entity\.aliases\.auth_jwt_1234abcd\.metadata\.nomad_job_id\}\}/,
      );
    }
    expect(paths.some((p) => /^(transit|pki|database|rabbitmq)\//.test(p))).toBe(false);
  });
});
