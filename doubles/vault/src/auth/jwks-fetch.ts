import http from 'node:http';
import https from 'node:https';
import { X509Certificate } from 'node:crypto';

/**
 * `jwks_ca_pem`: the certificates Vault trusts when it fetches a JWKS over TLS instead of the
 * system roots (vault-plugin-auth-jwt `path_config.go`, `createCAContext`, which answers
 * "could not parse CA PEM value successfully" when the PEM holds no certificate).
 */
export function parseCaPem(pem: string): string[] | undefined {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const valid = blocks.filter((block) => {
    try {
      new X509Certificate(block);
      return true;
    } catch {
      return false;
    }
  });
  return valid.length > 0 ? valid : undefined;
}

/** A fetch for jose's remote key set that trusts only `ca` (when given) on https URLs. */
export function fetchTrusting(ca: string[] | undefined) {
  return (url: string, options: { headers: Headers; signal: AbortSignal }): Promise<Response> =>
    new Promise((resolve, reject) => {
      const target = new URL(url);
      const headers: Record<string, string> = {};
      options.headers.forEach((value, name) => {
        headers[name] = value;
      });
      const client = target.protocol === 'https:' ? https : http;
      const request = client.get(
        target,
        {
          headers,
          signal: options.signal,
          ...(target.protocol === 'https:' && ca ? { ca } : {}),
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve(
              new Response(Buffer.concat(chunks), {
                status: response.statusCode ?? 500,
                headers: { 'content-type': response.headers['content-type'] ?? '' },
              }),
            ),
          );
          response.on('error', reject);
        },
      );
      request.on('error', reject);
    });
}
