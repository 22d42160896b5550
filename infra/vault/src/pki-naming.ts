import { z } from 'zod';
import { differingFields, type DesiredSettings } from './settings-compare.js';
import type { StepOutcome } from './bootstrap.js';
import type { VaultHttp } from './vault-http.js';

type Record_ = (resource: string, outcome: StepOutcome, detail?: string) => void;

/**
 * `<mount>/config/urls`: where clients find the issuing CA and the CRL. Without them Vault warns
 * "This mount hasn't configured any authority information access (AIA) fields" on every CA it
 * generates (builtin/logical/pki/path_intermediate.go, pathGenerateIntermediate), and certificates
 * carry no AIA or CRL distribution point.
 */
export function pkiUrls(baseUrl: string, mount: string): DesiredSettings {
  return {
    values: {
      issuing_certificates: [`${baseUrl}/v1/${mount}/ca`],
      crl_distribution_points: [`${baseUrl}/v1/${mount}/crl`],
      ocsp_servers: [],
    },
    rules: {
      issuing_certificates: { kind: 'list' },
      crl_distribution_points: { kind: 'list' },
      ocsp_servers: { kind: 'list', unreported: (v) => v === undefined || v === null },
    },
  };
}

export async function ensurePkiUrls(
  vault: VaultHttp,
  mount: string,
  baseUrl: string,
  record: Record_,
): Promise<void> {
  const resource = `${mount}/config/urls`;
  const desired = pkiUrls(baseUrl, mount);
  const current = await vault.read(resource);
  const differing = current === undefined ? ['all'] : differingFields(desired, current);
  if (differing.length === 0) {
    record(resource, 'unchanged');
    return;
  }
  await vault.write(resource, desired.values);
  // Vault 1.13+ answers empty lists for a mount that never had URLs (older ones 404).
  const unset =
    current === undefined ||
    Object.keys(desired.values).every((key) => {
      const value = current[key];
      return value === undefined || value === null || (Array.isArray(value) && value.length === 0);
    });
  if (unset) record(resource, 'created');
  else record(resource, 'updated', differing.join(', '));
}

const issuerList = z
  .object({ data: z.object({ keys: z.array(z.string()).default([]) }).loose() })
  .loose();
const issuerRead = z
  .object({
    data: z.object({ issuer_name: z.string().default(''), key_id: z.string().default('') }).loose(),
  })
  .loose();

/**
 * Names the intermediate's issuer. set-signed accepts only `certificate`
 * (path_intermediate.go, pathSetSignedIntermediate), so the issuer it imports has no name; the
 * name is set afterwards on `<mount>/issuer/<id>` (path_fetch_issuers.go, pathUpdateIssuer). The
 * intermediate is the imported issuer that holds a key: the root appended to the bundle has none.
 */
export async function ensurePkiNames(
  vault: VaultHttp,
  mount: string,
  name: string,
  record: Record_,
): Promise<void> {
  const resource = `${mount}/issuer (issuer_name ${name})`;
  const listed = await vault.request('LIST', `${mount}/issuers`);
  if (listed.status === 404 || listed.status === 405) {
    record(resource, 'skipped', 'server has no issuer endpoints');
    return;
  }
  const ids = issuerList.safeParse(listed.body);
  if (!ids.success) {
    record(resource, 'skipped', `unexpected issuer list (${listed.status})`);
    return;
  }
  for (const id of ids.data.data.keys) {
    const read = issuerRead.safeParse((await vault.request('GET', `${mount}/issuer/${id}`)).body);
    if (!read.success || read.data.data.key_id === '') continue;
    if (read.data.data.issuer_name === name) {
      record(resource, 'unchanged');
      return;
    }
    await vault.write(`${mount}/issuer/${id}`, { issuer_name: name });
    record(resource, 'updated');
    return;
  }
  record(resource, 'skipped', 'no issuer with a key in the mount');
}
