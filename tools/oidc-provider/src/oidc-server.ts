import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';
import { findPerson } from './demo-people.js';
import { loginPage } from './login-page.js';

export interface OidcClient {
  clientId: string;
  clientSecret: string;
  /** Exact redirect URIs (the provider compares them byte for byte). */
  redirectUris: string[];
}

export interface OidcProviderOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  clients: OidcClient[];
}

export interface RunningOidcProvider {
  /** The issuer, also the discovery base: <issuer>/.well-known/openid-configuration */
  issuer: string;
  stop(): Promise<void>;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 16_384) throw new Error('form too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * An OpenID Connect provider built on `oidc-provider` (a certified implementation): discovery,
 * JWKS, authorization code flow for confidential clients, userinfo with a `groups` claim, and
 * a sign-in page that checks the demo people's passwords. Consent is granted for the
 * registered (first-party) clients without asking. Sessions, codes and keys live in memory
 * and die with the process.
 */
export async function startOidcProvider(
  options: OidcProviderOptions,
): Promise<RunningOidcProvider> {
  const host = options.host ?? '127.0.0.1';
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) =>
    res.writeHead(503).end();
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const issuer = `http://${host}:${(server.address() as AddressInfo).port}`;

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'local-1', alg: 'RS256', use: 'sig' };
  const configuration: Configuration = {
    clients: options.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: c.redirectUris,
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: ['openid', 'profile', 'email', 'groups'],
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
      groups: ['groups'],
    },
    findAccount: (_ctx, id) => {
      const person = findPerson(id);
      if (!person) return undefined;
      return {
        accountId: id,
        claims: () => ({
          sub: person.username,
          name: person.name,
          preferred_username: person.username,
          email: person.email,
          email_verified: true,
          groups: [...person.groups],
        }),
      };
    },
    features: { devInteractions: { enabled: false } },
    // Vault's OIDC flow sends no code_challenge (vault-plugin-auth-jwt path_oidc.go, authURL):
    // the client is confidential and authenticates at the token endpoint instead.
    pkce: { methods: ['S256'], required: () => false },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: {
      AuthorizationCode: 60,
      AccessToken: 300,
      IdToken: 300,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
  };
  const provider = new Provider(issuer, configuration);
  const providerCallback = provider.callback();

  const interaction = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const details = await provider.interactionDetails(req, res);
    const action = `/interaction/${details.uid}`;
    const param = (name: string): string => {
      const value = details.params[name];
      return typeof value === 'string' ? value : '';
    };
    const clientId = param('client_id');
    if (details.prompt.name === 'consent') {
      // First-party clients only: the provider is the organisation's own.
      const grant = new provider.Grant({ accountId: String(details.session?.accountId), clientId });
      grant.addOIDCScope(param('scope') || 'openid');
      const grantId = await grant.save();
      await provider.interactionFinished(
        req,
        res,
        { consent: { grantId } },
        {
          mergeWithLastSubmission: true,
        },
      );
      return;
    }
    if (req.method === 'POST') {
      const form = await readForm(req);
      const person = findPerson(form.get('username') ?? '');
      if (!person || person.password !== form.get('password')) {
        res
          .writeHead(401, { 'Content-Type': 'text/html; charset=utf-8' })
          .end(loginPage({ action, clientName: clientId, error: 'Invalid username or password.' }));
        return;
      }
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: person.username } },
        {
          mergeWithLastSubmission: false,
        },
      );
      return;
    }
    res
      .writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
      .end(loginPage({ action, clientName: clientId }));
  };

  handler = (req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      interaction(req, res).catch((error: unknown) => {
        if (res.headersSent) return res.end();
        res
          .writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' })
          .end(`sign-in failed: ${error instanceof Error ? error.message : 'unknown error'}`);
      });
      return;
    }
    void providerCallback(req, res);
  };

  return {
    issuer,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
