import { startVaultDouble, type VaultDouble, type VaultDoubleOptions } from '../src/index.js';

/** A parsed JSON value whose shape the test asserts. */
export type Json = ReturnType<typeof JSON.parse>;

export interface CallResult {
  status: number;
  /** Parsed JSON, or the raw text when the body is not JSON, or undefined when empty. */
  body: Json;
  contentType: string | null;
}

export interface TestDouble {
  double: VaultDouble;
  url: string;
  call(
    method: string,
    path: string,
    options?: { token?: string | null; body?: unknown },
  ): Promise<CallResult>;
  stop(): Promise<void>;
}

/** Starts the double on a free port and gives a small fetch wrapper around `/v1/`. */
export async function startTestDouble(options: VaultDoubleOptions = {}): Promise<TestDouble> {
  const double = await startVaultDouble({ port: 0, ...options });
  return {
    double,
    url: double.url,
    async call(method, path, { token = double.rootToken, body } = {}) {
      const headers: Record<string, string> = {};
      if (token !== null) headers['X-Vault-Token'] = token;
      const res = await fetch(`${double.url}/v1/${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      let parsed: unknown = undefined;
      if (text !== '') {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = text;
        }
      }
      return { status: res.status, body: parsed, contentType: res.headers.get('content-type') };
    },
    stop: () => double.stop(),
  };
}
