import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { VaultReply } from './identity-vault.js';

/**
 * What `vault login -method=oidc` runs on the person's machine (hashicorp/vault-plugin-auth-jwt
 * cli.go, callbackHandler): a loopback listener the provider redirects the browser to, which
 * hands state and code to Vault's callback endpoint and shows the outcome. The token itself is
 * never put on the page.
 */
export interface CliCallback {
  /** http://127.0.0.1:<port>/oidc/callback */
  redirectUri: string;
  /** Vault's answers, one per callback the browser reached, in order. */
  results: VaultReply[];
  /** Resolves at the next callback's answer. */
  next(): Promise<VaultReply>;
  close(): Promise<void>;
}

export async function startCliCallback(
  completeLogin: (query: URLSearchParams) => Promise<VaultReply>,
): Promise<CliCallback> {
  const results: VaultReply[] = [];
  const waiting: ((reply: VaultReply) => void)[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/oidc/callback') return void res.writeHead(404).end();
    const query = new URLSearchParams({
      state: url.searchParams.get('state') ?? '',
      code: url.searchParams.get('code') ?? '',
    });
    void completeLogin(query).then((reply) => {
      results.push(reply);
      waiting.shift()?.(reply);
      const ok = reply.status === 200;
      const detail = ok
        ? `policies: ${(reply.body.auth?.policies ?? []).join(', ')}`
        : (reply.body.errors ?? []).join('; ');
      res
        .writeHead(ok ? 200 : 400, { 'Content-Type': 'text/html; charset=utf-8' })
        .end(
          `<!doctype html><title>Vault login</title><h1 id="outcome">${ok ? 'Signed in to Vault' : 'Vault login failed'}</h1><p id="detail">${detail.replace(/[<>&]/g, '')}</p>`,
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    redirectUri: `http://127.0.0.1:${port}/oidc/callback`,
    results,
    next: () => new Promise((resolve) => waiting.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
