import type { ConsulClient } from '@flowstack/consul';
import { z } from 'zod';
import { applyAuthMethod, applyRoles } from './acl-bootstrap.js';
import { roles, type AclObjectOptions } from './acl-objects.js';
import type { AclPolicy, ConfigEntry, DesiredState } from './desired-state.js';

export type Action = 'created' | 'updated' | 'unchanged' | 'skipped';

export interface Change {
  kind: string;
  name: string;
  action: Action;
  note?: string;
}

export interface WorkloadIdentityOptions {
  /** Nomad's JWKS; without it the auth method and binding rules are skipped. */
  jwksUrl?: string;
  jwksCaPem?: string;
  nomadNamespace: string;
}

/**
 * Makes Consul hold the desired config entries, ACL policies and roles and, given Nomad's JWKS
 * URL, the JWT auth method and binding rules of Nomad workload identity. Idempotent: an object
 * already as desired is not written, so a second run changes nothing (not even the Raft index).
 */
export async function bootstrapConsul(
  client: ConsulClient,
  desired: DesiredState,
  identity: WorkloadIdentityOptions = { nomadNamespace: 'default' },
): Promise<Change[]> {
  const changes: Change[] = [];
  for (const entry of desired.configEntries) changes.push(await applyConfigEntry(client, entry));
  const policies = await applyPolicies(client, desired.policies);
  changes.push(...policies);
  if (policies.some((change) => change.action === 'skipped')) {
    changes.push({
      kind: 'acl-auth-method',
      name: 'nomad-workloads',
      action: 'skipped',
      note: 'the ACL system is not enabled on this agent',
    });
    return changes;
  }
  const objects: AclObjectOptions = {
    jwksUrl: identity.jwksUrl ?? '',
    ...(identity.jwksCaPem === undefined ? {} : { jwksCaPem: identity.jwksCaPem }),
    nomadNamespace: identity.nomadNamespace,
  };
  changes.push(...(await applyRoles(client, roles(objects))));
  if (identity.jwksUrl === undefined) {
    changes.push({
      kind: 'acl-auth-method',
      name: 'nomad-workloads',
      action: 'skipped',
      note: 'no --nomad-jwks-url',
    });
  } else {
    changes.push(...(await applyAuthMethod(client, objects)));
  }
  return changes;
}

async function applyConfigEntry(client: ConsulClient, entry: ConfigEntry): Promise<Change> {
  const path = `/v1/config/${entry.Kind}/${encodeURIComponent(entry.Name)}`;
  const current = await client.request('GET', path);
  let action: Action = 'created';
  if (current.status === 200) {
    if (contains(JSON.parse(current.text), entry)) {
      return { kind: entry.Kind, name: entry.Name, action: 'unchanged' };
    }
    action = 'updated';
  } else if (current.status !== 404) {
    throw new Error(`GET ${path}: ${current.status} ${current.text}`);
  }
  const written = await client.request('PUT', '/v1/config', entry);
  if (written.status !== 200 || written.text.trim() !== 'true') {
    throw new Error(`writing ${entry.Kind} ${entry.Name}: ${written.status} ${written.text}`);
  }
  return { kind: entry.Kind, name: entry.Name, action };
}

const policySchema = z.object({ ID: z.string(), Name: z.string(), Rules: z.string() });

async function applyPolicies(client: ConsulClient, policies: AclPolicy[]): Promise<Change[]> {
  const changes: Change[] = [];
  for (const policy of policies) {
    const current = await client.request(
      'GET',
      `/v1/acl/policy/name/${encodeURIComponent(policy.name)}`,
    );
    // ACLs off: Consul answers 401 "ACL support disabled"; an agent without the ACL API, 404.
    if (current.status === 401 || current.status === 404) {
      changes.push({
        kind: 'acl-policy',
        name: policy.name,
        action: 'skipped',
        note: 'the ACL system is not enabled on this agent',
      });
      continue;
    }
    const body = { Name: policy.name, Description: policy.description, Rules: policy.rules };
    if (current.status === 200) {
      const existing = policySchema.parse(JSON.parse(current.text));
      if (existing.Rules === policy.rules) {
        changes.push({ kind: 'acl-policy', name: policy.name, action: 'unchanged' });
        continue;
      }
      await expectOk(client.request('PUT', `/v1/acl/policy/${existing.ID}`, body), policy.name);
      changes.push({ kind: 'acl-policy', name: policy.name, action: 'updated' });
      continue;
    }
    // A policy that does not exist yet: 403 "ACL not found".
    if (current.status !== 403 || !/ACL not found/i.test(current.text)) {
      throw new Error(`reading ACL policy ${policy.name}: ${current.status} ${current.text}`);
    }
    await expectOk(client.request('PUT', '/v1/acl/policy', body), policy.name);
    changes.push({ kind: 'acl-policy', name: policy.name, action: 'created' });
  }
  return changes;
}

async function expectOk(
  response: Promise<{ status: number; text: string }>,
  name: string,
): Promise<void> {
  const { status, text } = await response;
  if (status !== 200) throw new Error(`writing ACL policy ${name}: ${status} ${text}`);
}

/** True when every field of `wanted` is in `actual` (Consul adds indexes, precedence, ...). */
export function contains(actual: unknown, wanted: unknown): boolean {
  if (Array.isArray(wanted)) {
    return (
      Array.isArray(actual) &&
      actual.length === wanted.length &&
      wanted.every((item, i) => contains(actual[i], item))
    );
  }
  if (typeof wanted === 'object' && wanted !== null) {
    if (typeof actual !== 'object' || actual === null) return false;
    const record = actual as Record<string, unknown>;
    return Object.entries(wanted).every(([key, value]) => contains(record[key], value));
  }
  return Object.is(actual, wanted);
}
