import { z } from 'zod';
import { BootstrapError } from './bootstrap-error.js';

export interface VaultHttpOptions {
  /** Base URL without /v1, e.g. https://vault.service.consul:8200. */
  address: string;
  token: string;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
}

export interface VaultReply {
  status: number;
  /** The response body (objects under `data` for most reads); undefined for 204. */
  body: unknown;
}

export interface VaultHttp {
  /** GET; the response's `data`, or undefined when the path does not exist (404, `data: null`). */
  read(path: string): Promise<Record<string, unknown> | undefined>;
  /** POST with a JSON body. */
  write(path: string, body: Record<string, unknown>): Promise<VaultReply>;
  /** Any method; never throws on a Vault error status (for probes). */
  request(method: string, path: string, body?: Record<string, unknown>): Promise<VaultReply>;
  /** How many writes (POST/PUT/DELETE) this client has sent. */
  readonly writes: number;
}

const errorBody = z.object({ errors: z.array(z.string()).optional() }).loose();
const objectBody = z.record(z.string(), z.unknown());

/** What Vault said went wrong, without echoing anything we sent. */
export function vaultErrorText(body: unknown): string {
  const parsed = errorBody.safeParse(body);
  const errors = parsed.success ? (parsed.data.errors ?? []) : [];
  return errors.length > 0 ? errors.join('; ') : 'no error text';
}

/** A small Vault HTTP client: the bootstrap needs generic paths, typed at each use with zod. */
export function createVaultHttp(options: VaultHttpOptions): VaultHttp {
  const base = `${options.address.replace(/\/+$/, '')}/v1/`;
  const timeoutMs = options.timeoutMs ?? 30_000;
  let writes = 0;

  const request = async (
    method: string,
    path: string,
    body?: Record<string, unknown>,
  ): Promise<VaultReply> => {
    if (method !== 'GET' && method !== 'LIST') writes += 1;
    let response: Response;
    try {
      response = await fetch(base + path.replace(/^\/+/, ''), {
        method,
        headers: {
          'X-Vault-Token': options.token,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new BootstrapError(`${method} ${path}: Vault is not reachable`, undefined, {
        cause: error,
      });
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = text;
    }
    return { status: response.status, body: parsed };
  };

  const fail = (method: string, path: string, reply: VaultReply): never => {
    throw new BootstrapError(
      `${method} ${path}: Vault answered ${reply.status} (${vaultErrorText(reply.body)})`,
      reply.status,
    );
  };

  return {
    async read(path) {
      const reply = await request('GET', path);
      if (reply.status === 404) return undefined;
      if (reply.status !== 200) return fail('GET', path, reply);
      const body = objectBody.parse(reply.body);
      if (!('data' in body)) return body;
      // `data: null` is how Vault reports an object that is not configured yet.
      const data = objectBody.safeParse(body['data']);
      return data.success ? data.data : undefined;
    },
    async write(path, body) {
      const reply = await request('POST', path, body);
      if (reply.status !== 200 && reply.status !== 204) return fail('POST', path, reply);
      return reply;
    },
    request,
    get writes() {
      return writes;
    },
  };
}
