import { kvV2ReadSchema } from './schemas.js';
import type { VaultHttp } from './vault-http.js';

/** Reads `<mount>/data/<path>` from a KV v2 engine and returns the secret's key/value map. */
export async function readKv(
  http: VaultHttp,
  path: string,
  options: { mount?: string; version?: number } = {},
): Promise<Record<string, unknown>> {
  const mount = options.mount ?? 'kv';
  const query = options.version === undefined ? '' : `?version=${options.version}`;
  const answer = await http.read(`${mount}/data/${path}${query}`, kvV2ReadSchema);
  return answer.data.data;
}
