import { isIP } from 'node:net';
import { VaultError } from '../../core/types.js';

export interface NamePolicy {
  allowedDomains: string[];
  allowSubdomains: boolean;
  allowBareDomains: boolean;
  allowGlobDomains: boolean;
  allowLocalhost: boolean;
  allowAnyName: boolean;
  enforceHostnames: boolean;
  allowIpSans: boolean;
}

const HOSTNAME =
  /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

/** Whether a DNS name is allowed by a PKI role, following Vault's validateNames. */
export function isNameAllowed(name: string, policy: NamePolicy): boolean {
  const lower = name.toLowerCase();
  if (policy.enforceHostnames && !HOSTNAME.test(lower)) return false;
  if (policy.allowAnyName) return true;
  if (
    policy.allowLocalhost &&
    (lower === 'localhost' || lower === 'localdomain' || lower.endsWith('.localhost'))
  ) {
    return true;
  }
  for (const raw of policy.allowedDomains) {
    const domain = raw.toLowerCase();
    if (policy.allowBareDomains && lower === domain) return true;
    if (policy.allowSubdomains && lower.endsWith(`.${domain.replace(/^\*\./, '')}`)) return true;
    if (policy.allowGlobDomains && domain.includes('*') && globMatch(domain, lower)) return true;
  }
  return false;
}

export function checkNames(
  commonName: string,
  altNames: string[],
  ipSans: string[],
  policy: NamePolicy,
): void {
  if (!isIP(commonName) && !isNameAllowed(commonName, policy)) {
    throw new VaultError(400, `common name ${commonName} not allowed by this role`);
  }
  if (isIP(commonName) && !policy.allowIpSans) {
    throw new VaultError(400, `common name ${commonName} not allowed by this role`);
  }
  for (const name of altNames) {
    if (!isNameAllowed(name, policy)) {
      throw new VaultError(400, `subject alternate name ${name} not allowed by this role`);
    }
  }
  if (ipSans.length > 0 && !policy.allowIpSans) {
    throw new VaultError(
      400,
      `IP Subject Alternative Names are not allowed in this role, but was provided ${ipSans.join(',')}`,
    );
  }
  for (const ip of ipSans) {
    if (!isIP(ip)) throw new VaultError(400, `the value "${ip}" is not a valid IP address`);
  }
}

function globMatch(pattern: string, value: string): boolean {
  const source = pattern
    .split('*')
    .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`).test(value);
}
