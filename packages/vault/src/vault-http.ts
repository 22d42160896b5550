import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import nodeVault from 'node-vault';
import type { z } from 'zod';
import { toVaultError, VaultError } from './vault-error.js';

export interface VaultHttpOptions {
  /** e.g. http://127.0.0.1:8200 */
  address: string;
  /** Per request (default 5 s): a hung Vault must not hang a renewal loop. */
  timeoutMs?: number;
  namespace?: string | undefined;
  /** PEM of the CA that signed Vault's certificate, for https addresses. */
  caCert?: string | undefined;
}

/**
 * The only place node-vault is called. Every answer goes through a zod schema before the rest
 * of the package sees it, and every failure becomes a VaultError with no request details.
 */
export interface VaultHttp {
  readonly address: string;
  /** The token sent with every request ("" when logged out). */
  token: string;
  read<S extends z.ZodType>(path: string, schema: S): Promise<z.output<S>>;
  write<S extends z.ZodType>(
    path: string,
    body: Record<string, unknown>,
    schema: S,
  ): Promise<z.output<S>>;
  /** A write whose answer carries nothing we need (204 or a body we ignore). */
  writeOnly(path: string, body: Record<string, unknown>): Promise<void>;
  /** Unauthenticated login: the token of this client is not sent. */
  login<S extends z.ZodType>(
    path: string,
    body: Record<string, unknown>,
    schema: S,
  ): Promise<z.output<S>>;
}

const tracer = trace.getTracer('@flowstack/vault');

export function createVaultHttp(options: VaultHttpOptions): VaultHttp {
  const newClient = () => {
    const created = nodeVault({
      endpoint: options.address,
      namespace: options.namespace,
      requestOptions: {
        timeout: options.timeoutMs ?? 5_000,
        ...(options.caCert === undefined ? {} : { ca: options.caCert }),
      },
    });
    // node-vault falls back to process.env.VAULT_TOKEN; these clients only ever send the token
    // the token manager gave them.
    created.token = '';
    return created;
  };
  const client = newClient();
  // Logins go through a client without a token: an expired token must not spoil a fresh login.
  const anonymous = newClient();

  const parse = <S extends z.ZodType>(
    schema: S,
    body: unknown,
    operation: string,
    path: string,
  ) => {
    const result = schema.safeParse(body ?? {});
    if (!result.success) {
      throw new VaultError(
        `Vault ${operation} ${path} answered an unexpected shape: ${result.error.issues
          .map((issue) => `${issue.path.join('.')} ${issue.message}`)
          .join('; ')}`,
        { kind: 'malformed', path },
      );
    }
    return result.data;
  };

  // A client span per request; the path names the secret, never its value.
  const call = (operation: string, path: string, run: () => Promise<unknown>) =>
    tracer.startActiveSpan(
      `vault ${operation}`,
      { kind: SpanKind.CLIENT, attributes: { 'vault.operation': operation, 'vault.path': path } },
      async (span) => {
        try {
          return await run();
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw toVaultError(error, operation, path);
        } finally {
          span.end();
        }
      },
    );

  return {
    address: options.address,
    get token() {
      return client.token ?? '';
    },
    set token(value: string) {
      client.token = value;
    },
    async read(path, schema) {
      const body = await call('read', path, () => client.read(path));
      return parse(schema, body, 'read', path);
    },
    async write(path, body, schema) {
      const answer = await call('write', path, () => client.write(path, body));
      return parse(schema, answer, 'write', path);
    },
    async writeOnly(path, body) {
      await call('write', path, () => client.write(path, body));
    },
    async login(path, body, schema) {
      const answer = await call('login', path, () => anonymous.write(path, body));
      return parse(schema, answer, 'login', path);
    },
  };
}
