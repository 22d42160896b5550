import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';

const run = promisify(execFile);

export const VAULT_CLI = fileURLToPath(
  new URL('../../../infra/vault/dist/cli.js', import.meta.url),
);
export const CONSUL_CLI = fileURLToPath(
  new URL('../../../infra/consul/dist/bin.js', import.meta.url),
);

/** Runs a bootstrap CLI as an operator would: secrets in the environment, never on argv. */
export async function runCli(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [script, ...args], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

export interface NomadKeys {
  /** http://127.0.0.1:<port>/.well-known/jwks.json, as a Nomad server serves it. */
  jwksUrl: string;
  /** A JWT shaped like Nomad's workload identity (nomad/structs/workload_id.go IdentityClaims). */
  sign(claims: Record<string, string>, audience: string): Promise<string>;
  stop(): Promise<void>;
}

/** Nomad's side of workload identity: an RS256 key, its JWKS over HTTP, and signed identities. */
export async function startNomadKeys(): Promise<NomadKeys> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'nomad-test', alg: 'RS256', use: 'sig' };
  const server: Server = createServer((request, response) => {
    if (request.url === '/.well-known/jwks.json') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: [jwk] }));
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    sign: (claims, audience) => signIdentity(privateKey, claims, audience),
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function signIdentity(key: CryptoKey, claims: Record<string, string>, audience: string) {
  return new SignJWT({ nomad_allocation_id: 'alloc-test', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'nomad-test', typ: 'JWT' })
    .setSubject(`global:${claims['nomad_namespace'] ?? ''}:${claims['nomad_job_id'] ?? ''}`)
    .setAudience(audience)
    .setIssuedAt()
    .setNotBefore('0s')
    .setExpirationTime('10m')
    .sign(key);
}
