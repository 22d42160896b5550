import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  transitBatchSchema,
  transitDatakeySchema,
  transitDecryptSchema,
  transitEncryptSchema,
  transitKeySchema,
} from './schemas.js';
import { VaultError } from './vault-error.js';
import type { VaultHttp } from './vault-http.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const unb64 = (text: string) => Buffer.from(text, 'base64').toString('utf8');

/** Vault's encryption as a service for one named key. Plaintext never leaves this module encoded. */
export interface Transit {
  readonly key: string;
  /** `vault:vN:...` */
  encrypt(plaintext: string): Promise<string>;
  /** One Transit call (batch_input) for many values; results in input order. */
  encryptMany(plaintexts: readonly string[]): Promise<string[]>;
  decrypt(ciphertext: string): Promise<string>;
  /** New ciphertexts under the newest key version; Vault never returns the plaintext. */
  rewrap(ciphertexts: string[]): Promise<string[]>;
  /** A fresh 256-bit data key: its plaintext (for local AES-GCM) and its Transit ciphertext. */
  dataKey(): Promise<{ plaintext: Buffer; ciphertext: string }>;
  /** Decrypts a wrapped data key. */
  unwrapDataKey(ciphertext: string): Promise<Buffer>;
  latestVersion(): Promise<number>;
}

export function createTransit(http: VaultHttp, options: { key: string; mount?: string }): Transit {
  const mount = options.mount ?? 'transit';
  const key = options.key;
  return {
    key,
    async encrypt(plaintext) {
      const answer = await http.write(
        `${mount}/encrypt/${key}`,
        { plaintext: b64(plaintext) },
        transitEncryptSchema,
      );
      return answer.data.ciphertext;
    },
    async encryptMany(plaintexts) {
      if (plaintexts.length === 0) return [];
      const path = `${mount}/encrypt/${key}`;
      const answer = await http.write(
        path,
        { batch_input: plaintexts.map((plaintext) => ({ plaintext: b64(plaintext) })) },
        transitBatchSchema,
      );
      return batchCiphertexts(answer.data.batch_results, plaintexts.length, path);
    },
    async decrypt(ciphertext) {
      const answer = await http.write(
        `${mount}/decrypt/${key}`,
        { ciphertext },
        transitDecryptSchema,
      );
      return unb64(answer.data.plaintext);
    },
    async rewrap(ciphertexts) {
      if (ciphertexts.length === 0) return [];
      const path = `${mount}/rewrap/${key}`;
      const answer = await http.write(
        path,
        { batch_input: ciphertexts.map((ciphertext) => ({ ciphertext })) },
        transitBatchSchema,
      );
      return batchCiphertexts(answer.data.batch_results, ciphertexts.length, path);
    },
    async dataKey() {
      const answer = await http.write(
        `${mount}/datakey/plaintext/${key}`,
        { bits: 256 },
        transitDatakeySchema,
      );
      return {
        plaintext: Buffer.from(answer.data.plaintext, 'base64'),
        ciphertext: answer.data.ciphertext,
      };
    },
    async unwrapDataKey(ciphertext) {
      const answer = await http.write(
        `${mount}/decrypt/${key}`,
        { ciphertext },
        transitDecryptSchema,
      );
      return Buffer.from(answer.data.plaintext, 'base64');
    },
    async latestVersion() {
      const answer = await http.read(`${mount}/keys/${key}`, transitKeySchema);
      return answer.data.latest_version ?? Math.max(...Object.keys(answer.data.keys).map(Number));
    },
  };
}

function batchCiphertexts(
  results: readonly { ciphertext?: string | undefined; error?: string | undefined }[],
  expected: number,
  path: string,
): string[] {
  if (results.length !== expected) {
    throw new VaultError(`Transit answered ${results.length} results for ${expected} items`, {
      kind: 'invalid',
      path,
    });
  }
  return results.map((result, index) => {
    if (result.ciphertext === undefined || result.error !== undefined) {
      throw new VaultError(`Transit item ${index} failed: ${result.error ?? 'no ciphertext'}`, {
        kind: 'invalid',
        path,
      });
    }
    return result.ciphertext;
  });
}

/** Seals short personal data (an e-mail) into a string that is safe to store and publish. */
export interface PiiSealer {
  /** "transit", "envelope", "local-aes-gcm", "plaintext" */
  readonly mode: string;
  seal(plaintext: string): Promise<string>;
  open(sealed: string): Promise<string>;
}

/** Most values one batched Transit call carries. */
const MAX_BATCH = 128;

/**
 * Direct Transit (`vault:vN:...`): every value is encrypted by Vault, never by this process. Seals
 * asked for while a call is out (concurrent requests) go together in the next call, as one
 * `batch_input`: under load that is one Vault round trip for many orders instead of one each, and
 * a lone request still goes out at once.
 */
export function createTransitSealer(transit: Transit): PiiSealer {
  let waiting: { plaintext: string; resolve(value: string): void; reject(error: unknown): void }[] =
    [];
  let inFlight = false;
  const flush = (): void => {
    if (inFlight || waiting.length === 0) return;
    const batch = waiting.slice(0, MAX_BATCH);
    waiting = waiting.slice(batch.length);
    inFlight = true;
    const sealed =
      batch.length === 1
        ? transit.encrypt(batch[0]!.plaintext).then((one) => [one])
        : transit.encryptMany(batch.map((item) => item.plaintext));
    sealed
      .then(
        (values) => batch.forEach((item, index) => item.resolve(values[index]!)),
        (error: unknown) => batch.forEach((item) => item.reject(error)),
      )
      .finally(() => {
        inFlight = false;
        flush();
      });
  };
  return {
    mode: 'transit',
    seal: (plaintext) =>
      new Promise<string>((resolve, reject) => {
        waiting.push({ plaintext, resolve, reject });
        flush();
      }),
    open: (sealed) => transit.decrypt(sealed),
  };
}

export const ENVELOPE_PREFIX = 'envelope:v1:';

function splitEnvelope(sealed: string): { wrapped: string; payload: string } {
  if (!sealed.startsWith(ENVELOPE_PREFIX)) throw new Error('not an envelope value');
  const rest = sealed.slice(ENVELOPE_PREFIX.length);
  const cut = rest.lastIndexOf(':');
  return { wrapped: rest.slice(0, cut), payload: rest.slice(cut + 1) };
}

/**
 * Moves sealed values to the key's newest version in one Transit rewrap call, never seeing a
 * plaintext: a direct value (`vault:vN:...`) is rewrapped as it is; an envelope value keeps its
 * AES-GCM payload and only its wrapped data key is rewrapped. Results are in input order.
 */
export async function rewrapSealed(transit: Transit, sealed: readonly string[]): Promise<string[]> {
  const parts = sealed.map((value) =>
    value.startsWith(ENVELOPE_PREFIX)
      ? splitEnvelope(value)
      : { wrapped: value, payload: undefined },
  );
  const fresh = await transit.rewrap(parts.map((part) => part.wrapped));
  return parts.map((part, index) => {
    const ciphertext = fresh[index];
    if (ciphertext === undefined) {
      throw new VaultError(`Transit rewrap returned no ciphertext for item ${index}`, {
        kind: 'invalid',
        path: `rewrap/${transit.key}`,
      });
    }
    return part.payload === undefined
      ? ciphertext
      : `${ENVELOPE_PREFIX}${ciphertext}:${part.payload}`;
  });
}

export interface EnvelopeOptions {
  /** How long one data key encrypts new values (default 5 min). */
  dataKeyLifetimeMs?: number;
  /** How many values one data key encrypts at most (default 100 000). */
  dataKeyMaxUses?: number;
}

/**
 * Envelope encryption: one Transit call per data key instead of one per value. The value is
 * AES-256-GCM under a data key; the stored string carries the data key wrapped by Transit:
 * `envelope:v1:vault:vN:<wrapped key>:<base64 iv|ciphertext|tag>`. Rewrapping touches only the
 * wrapped key. Every data key comes from Transit (`datakey/plaintext`), so Vault can unwrap every
 * value sealed here. When a new data key cannot be had (Vault down) the current one stays in use.
 */
export function createEnvelopeSealer(
  transit: Transit,
  options: EnvelopeOptions = {},
): PiiSealer & {
  rewrap(sealed: string[]): Promise<string[]>;
} {
  const lifetimeMs = options.dataKeyLifetimeMs ?? 300_000;
  const maxUses = options.dataKeyMaxUses ?? 100_000;
  let active: { plaintext: Buffer; ciphertext: string; bornAt: number; uses: number } | undefined;
  let fetching: Promise<void> | undefined;
  const unwrapped = new Map<string, Buffer>();

  const refresh = () => {
    fetching ??= transit
      .dataKey()
      .then((key) => {
        active = { ...key, bornAt: Date.now(), uses: 0 };
        unwrapped.set(key.ciphertext, key.plaintext);
      })
      .finally(() => {
        fetching = undefined;
      });
    return fetching;
  };

  // Only the first seal waits for Vault. A stale key is replaced in the background while it keeps
  // sealing, so a data key's renewal puts no Vault round trip on any order's path.
  const currentKey = async () => {
    if (active === undefined) {
      await refresh();
    } else if (active.uses >= maxUses || Date.now() - active.bornAt >= lifetimeMs) {
      refresh().catch(() => undefined);
    }
    if (active === undefined) throw new Error('no data key');
    active.uses += 1;
    return active;
  };

  return {
    mode: 'envelope',
    async seal(plaintext) {
      const key = await currentKey();
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key.plaintext, iv);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const payload = Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64');
      return `${ENVELOPE_PREFIX}${key.ciphertext}:${payload}`;
    },
    async open(sealed) {
      const { wrapped, payload } = splitEnvelope(sealed);
      let key = unwrapped.get(wrapped);
      if (key === undefined) {
        key = await transit.unwrapDataKey(wrapped);
        if (unwrapped.size > 1_000) unwrapped.clear();
        unwrapped.set(wrapped, key);
      }
      const raw = Buffer.from(payload, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(raw.length - 16));
      return Buffer.concat([
        decipher.update(raw.subarray(12, raw.length - 16)),
        decipher.final(),
      ]).toString('utf8');
    },
    rewrap: (sealed) => rewrapSealed(transit, sealed),
  };
}
