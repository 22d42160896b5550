import { VaultError, type EngineResponse } from '../../core/types.js';
import { has, strList, type Body } from '../../http/body.js';

/** What `<pki mount>/config/urls` holds (the AIA, CRL and OCSP URLs put into certificates). */
export interface PkiUrls {
  issuingCertificates: string[];
  crlDistributionPoints: string[];
  ocspServers: string[];
}

const FIELDS = [
  ['issuing_certificates', 'issuingCertificates', 'issuing certificates'],
  ['crl_distribution_points', 'crlDistributionPoints', 'CRL distribution points'],
  ['ocsp_servers', 'ocspServers', 'OCSP servers'],
] as const;

function isUrl(text: string): boolean {
  try {
    return new URL(text).host !== '';
  } catch {
    return false;
  }
}

/**
 * POST config/urls: fields not sent keep their value, each URL is checked, and the error names
 * the list, as hashicorp/vault builtin/logical/pki/path_config_urls.go `pathWriteURL` does
 * ("invalid URL found in issuing certificates: <url>").
 */
export function writePkiUrls(current: PkiUrls | undefined, body: Body): PkiUrls {
  const next: PkiUrls = {
    issuingCertificates: [...(current?.issuingCertificates ?? [])],
    crlDistributionPoints: [...(current?.crlDistributionPoints ?? [])],
    ocspServers: [...(current?.ocspServers ?? [])],
  };
  for (const [field, key, label] of FIELDS) {
    if (!has(body, field)) continue;
    const urls = strList(body, field).filter((url) => url !== '');
    const bad = urls.find((url) => !isUrl(url));
    if (bad !== undefined) throw new VaultError(400, `invalid URL found in ${label}: ${bad}`);
    next[key] = urls;
  }
  return next;
}

/** GET config/urls: empty lists until something is set (Vault 1.13+ answers the defaults). */
export function readPkiUrls(urls: PkiUrls | undefined): EngineResponse {
  return {
    status: 200,
    data: {
      issuing_certificates: urls?.issuingCertificates ?? [],
      crl_distribution_points: urls?.crlDistributionPoints ?? [],
      ocsp_servers: urls?.ocspServers ?? [],
      enable_templating: false,
    },
  };
}
