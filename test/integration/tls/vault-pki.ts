import { randomUUID } from 'node:crypto';
import { startVaultDouble, type VaultDouble } from '@flowstack/vault-double';
import { z } from 'zod';

export interface IssuedCertificate {
  certificate: string;
  privateKey: string;
  /** The CA that issued it: what a client is told to trust. */
  issuingCa: string;
}

export interface TestPki {
  /** Issues a server certificate for exactly `name` from a role that allows only that name. */
  issue(name: string): Promise<IssuedCertificate>;
  stop(): Promise<void>;
}

const issuedSchema = z.object({
  data: z.object({ certificate: z.string(), private_key: z.string(), issuing_ca: z.string() }),
});

/**
 * A PKI mount on the Vault double, set up the way infra/vault sets up its roles (one name per
 * role, no subdomains, no localhost, no IP SANs): `sys/mounts`, `root/generate/internal`,
 * `roles/<name>`, `issue/<role>` as in hashicorp/vault builtin/logical/pki (path_root.go,
 * path_roles.go, path_issue_sign.go; the issue answer carries certificate, private_key and
 * issuing_ca).
 */
export async function startTestPki(): Promise<TestPki> {
  const vault: VaultDouble = await startVaultDouble({ port: 0, rootToken: randomUUID() });
  const call = async (method: string, path: string, body: unknown): Promise<unknown> => {
    const response = await fetch(`${vault.url}/v1/${path}`, {
      method,
      headers: { 'X-Vault-Token': vault.rootToken },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`vault ${method} ${path}: ${response.status} ${text}`);
    return text === '' ? undefined : JSON.parse(text);
  };
  try {
    await call('POST', 'sys/mounts/pki-data', { type: 'pki', config: { max_lease_ttl: '87600h' } });
    await call('POST', 'pki-data/root/generate/internal', {
      common_name: 'flowstack data services test root',
      ttl: '87600h',
    });
  } catch (error) {
    await vault.stop();
    throw error;
  }
  return {
    async issue(name) {
      const role = name.replace(/[^a-z0-9-]/gi, '-');
      await call('POST', `pki-data/roles/${role}`, {
        allowed_domains: [name],
        allow_bare_domains: true,
        allow_subdomains: false,
        allow_localhost: false,
        allow_ip_sans: false,
        server_flag: true,
        client_flag: false,
        max_ttl: '1h',
      });
      const issued = issuedSchema.parse(
        await call('POST', `pki-data/issue/${role}`, { common_name: name, ttl: '1h' }),
      );
      return {
        certificate: issued.data.certificate,
        privateKey: issued.data.private_key,
        issuingCa: issued.data.issuing_ca,
      };
    },
    stop: () => vault.stop(),
  };
}

/**
 * The certificates a co-tenant can present as `name`: one Vault really issued, from the same CA,
 * for another service's name, and one for the right name from a CA of its own. Each entry is
 * [description, issue]; a new PKI is stopped when the test finishes.
 */
export function rogueCertificates(
  pki: () => TestPki,
  name: string,
  otherName: string,
  onFinished: (stop: () => Promise<void>) => void,
): [string, () => Promise<IssuedCertificate>][] {
  return [
    ['a certificate for another name from the same CA', () => pki().issue(otherName)],
    [
      'a certificate for the right name from another CA',
      async () => {
        const other = await startTestPki();
        onFinished(() => other.stop());
        return other.issue(name);
      },
    ],
  ];
}
