import { randomBytes } from 'node:crypto';
import { formatDuration } from '../../core/ttl.js';
import {
  VaultError,
  type EngineContext,
  type EngineRequest,
  type EngineResponse,
  type PersistentEngine,
} from '../../core/types.js';
import { bool, duration, has, int, str, type Body } from '../../http/body.js';
import { formatCiphertext, open, parseCiphertext, seal } from './aes-gcm.js';

interface TransitKey {
  name: string;
  type: 'aes256-gcm96' | 'aes128-gcm96';
  /** version -> { base64 key, unix seconds created } */
  versions: Record<string, { key: string; created: number }>;
  latestVersion: number;
  minDecryptionVersion: number;
  minEncryptionVersion: number;
  deletionAllowed: boolean;
  exportable: boolean;
  allowPlaintextBackup: boolean;
  autoRotatePeriod: number;
}

interface TransitSnapshot {
  keys: Record<string, TransitKey>;
}

/** framework.GenericNameRegex, the pattern of every transit path's `name` (path_keys.go). */
const KEY_NAME = String.raw`\w(?:[\w.@-]*\w)?`;
const VAULT_KEY_TYPES = new Set([
  'aes128-gcm96',
  'aes256-gcm96',
  'chacha20-poly1305',
  'ed25519',
  'ecdsa-p256',
  'ecdsa-p384',
  'ecdsa-p521',
  'rsa-2048',
  'rsa-3072',
  'rsa-4096',
  'hmac',
  'managed_key',
  'aes128-cmac',
  'aes192-cmac',
  'aes256-cmac',
]);

const KEY_BYTES: Record<TransitKey['type'], number> = { 'aes256-gcm96': 32, 'aes128-gcm96': 16 };

/** Transit: named AES-GCM keys with versions, encrypt/decrypt/rewrap and data keys. */
export function createTransitEngine(ctx: EngineContext): PersistentEngine {
  // A Map, so key names like `__proto__` or `constructor` are keys like any other.
  const keys = new Map<string, TransitKey>(
    Object.entries((ctx.saved as TransitSnapshot | undefined)?.keys ?? {}),
  );
  const nowSeconds = (): number => Math.floor(ctx.clock.now() / 1000);

  const addVersion = (key: TransitKey): void => {
    const n = key.latestVersion + 1;
    key.versions[String(n)] = {
      key: randomBytes(KEY_BYTES[key.type]).toString('base64'),
      created: nowSeconds(),
    };
    key.latestVersion = n;
  };

  const createKey = (name: string, body: Body): TransitKey => {
    const type = str(body, 'type', 'aes256-gcm96');
    if (!VAULT_KEY_TYPES.has(type)) throw new VaultError(400, `unknown key type ${type}`);
    if (type !== 'aes256-gcm96' && type !== 'aes128-gcm96') {
      throw new VaultError(
        400,
        `key type "${type}" is not supported by this double (aes256-gcm96, aes128-gcm96)`,
      );
    }
    if (bool(body, 'derived', false) || bool(body, 'convergent_encryption', false)) {
      throw new VaultError(400, 'derived and convergent keys are not supported by this double');
    }
    const key: TransitKey = {
      name,
      type,
      versions: {},
      latestVersion: 0,
      minDecryptionVersion: 1,
      minEncryptionVersion: 0,
      deletionAllowed: false,
      exportable: bool(body, 'exportable', false),
      allowPlaintextBackup: bool(body, 'allow_plaintext_backup', false),
      autoRotatePeriod: duration(body, 'auto_rotate_period'),
    };
    addVersion(key);
    keys.set(name, key);
    return key;
  };

  const keyInfo = (key: TransitKey): Record<string, unknown> => ({
    name: key.name,
    type: key.type,
    keys: Object.fromEntries(Object.entries(key.versions).map(([n, v]) => [n, v.created])),
    latest_version: key.latestVersion,
    min_decryption_version: key.minDecryptionVersion,
    min_encryption_version: key.minEncryptionVersion,
    min_available_version: 0,
    deletion_allowed: key.deletionAllowed,
    derived: false,
    exportable: key.exportable,
    allow_plaintext_backup: key.allowPlaintextBackup,
    auto_rotate_period: formatDuration(key.autoRotatePeriod),
    convergent_encryption: false,
    imported_key: false,
    supports_encryption: true,
    supports_decryption: true,
    supports_derivation: true,
    supports_signing: false,
  });

  const mustGet = (name: string): TransitKey => {
    const key = keys.get(name);
    if (!key) throw new VaultError(400, 'encryption key not found');
    return key;
  };

  const configure = (key: TransitKey, body: Body): void => {
    const minDec = int(body, 'min_decryption_version', key.minDecryptionVersion);
    const minEnc = int(body, 'min_encryption_version', key.minEncryptionVersion);
    if (minDec < 1 && has(body, 'min_decryption_version')) {
      throw new VaultError(400, 'min decryption version must be at least 1');
    }
    if (minDec > key.latestVersion) {
      throw new VaultError(
        400,
        'cannot set min decryption version to a value greater than the latest version',
      );
    }
    if (minEnc !== 0 && (minEnc < minDec || minEnc > key.latestVersion)) {
      throw new VaultError(
        400,
        'min encryption version must be 0 or between min decryption version and the latest version',
      );
    }
    key.minDecryptionVersion = minDec;
    key.minEncryptionVersion = minEnc;
    key.deletionAllowed = bool(body, 'deletion_allowed', key.deletionAllowed);
    const exportable = bool(body, 'exportable', key.exportable);
    if (key.exportable && !exportable) {
      throw new VaultError(400, 'export cannot be disabled on a key that already has it enabled');
    }
    key.exportable = exportable;
    key.allowPlaintextBackup = bool(body, 'allow_plaintext_backup', key.allowPlaintextBackup);
    key.autoRotatePeriod = duration(body, 'auto_rotate_period', key.autoRotatePeriod);
  };

  const encryptionVersion = (key: TransitKey, requested: number): number => {
    if (requested === 0) return key.latestVersion;
    if (requested > key.latestVersion) throw new VaultError(400, 'invalid key version');
    const floor = key.minEncryptionVersion || key.minDecryptionVersion;
    if (requested < floor) {
      throw new VaultError(
        400,
        'requested version for encryption is less than the minimum encryption key version',
      );
    }
    return requested;
  };

  const keyBytes = (key: TransitKey, version: number): Buffer => {
    const v = key.versions[String(version)];
    if (!v) throw new VaultError(400, 'invalid key version');
    return Buffer.from(v.key, 'base64');
  };

  const encryptOne = (key: TransitKey, item: Body, keyVersion: number): Record<string, unknown> => {
    const plaintextB64 = str(item, 'plaintext');
    checkBase64(plaintextB64);
    const version = encryptionVersion(key, int(item, 'key_version', keyVersion));
    const sealed = seal(keyBytes(key, version), Buffer.from(plaintextB64, 'base64'));
    return { ciphertext: formatCiphertext(version, sealed), key_version: version };
  };

  const decryptRaw = (key: TransitKey, ciphertext: string): Buffer => {
    if (ciphertext === '') throw new VaultError(400, 'missing ciphertext to decrypt');
    const { version, sealed } = parseCiphertext(ciphertext);
    if (version < key.minDecryptionVersion) {
      throw new VaultError(
        400,
        'ciphertext or signature version is disallowed by policy (too old)',
      );
    }
    if (version > key.latestVersion) {
      throw new VaultError(400, 'invalid ciphertext: version is too new');
    }
    return open(keyBytes(key, version), sealed);
  };

  /** Runs `fn` over batch_input (per-item errors) or the single top-level item. */
  const batchOrSingle = (
    body: Body,
    fn: (item: Body) => Record<string, unknown>,
  ): EngineResponse => {
    const batch = body['batch_input'];
    if (batch === undefined || batch === null) return { status: 200, data: fn(body) };
    if (!Array.isArray(batch)) throw new VaultError(400, 'batch_input must be a list');
    if (batch.length === 0) throw new VaultError(400, 'missing batch input to process');
    let failures = 0;
    const results = batch.map((raw: unknown) => {
      try {
        if (typeof raw !== 'object' || raw === null) {
          throw new VaultError(400, 'invalid batch item');
        }
        return fn(raw as Body);
      } catch (error) {
        if (!(error instanceof VaultError)) throw error;
        failures += 1;
        return { error: error.message };
      }
    });
    const partialCode = int(body, 'partial_failure_response_code', 0);
    const status =
      failures === 0 ? 200 : failures < results.length && partialCode > 0 ? partialCode : 400;
    return { status, data: { batch_results: results } };
  };

  const route = (req: EngineRequest): EngineResponse => {
    const { operation: op, body } = req;
    const write = op === 'create' || op === 'update';
    if (req.path === 'keys' && op === 'list') {
      return { status: 200, data: { keys: [...keys.keys()].sort() } };
    }
    const m = new RegExp(
      `^(keys|encrypt|decrypt|rewrap|datakey/(?:plaintext|wrapped))/(${KEY_NAME})(?:/(config|rotate))?$`,
    ).exec(req.path);
    if (!m?.[1] || !m[2]) throw new VaultError(404, 'unsupported path');
    const [, kind, name, sub] = m;
    if (kind === 'keys' && sub === undefined) {
      if (write) return { status: 200, data: keyInfo(keys.get(name) ?? createKey(name, body)) };
      if (op === 'read') {
        const key = keys.get(name);
        if (!key) throw new VaultError(404, '');
        return { status: 200, data: keyInfo(key) };
      }
      if (op === 'delete') {
        const key = keys.get(name);
        if (key && !key.deletionAllowed) {
          throw new VaultError(400, 'deletion is not allowed for this key');
        }
        keys.delete(name);
        return { status: 204 };
      }
    }
    if (kind === 'keys' && sub === 'config' && write) {
      const key = keys.get(name);
      if (!key) throw new VaultError(400, 'no existing key named ' + name + ' could be found');
      configure(key, body);
      return { status: 200, data: keyInfo(key) };
    }
    if (kind === 'keys' && sub === 'rotate' && write) {
      const key = keys.get(name);
      if (!key) throw new VaultError(400, 'key not found');
      addVersion(key);
      return { status: 200, data: keyInfo(key) };
    }
    if (kind === 'encrypt' && write) {
      // path_encrypt.go: without batch_input a missing `plaintext` is refused before the key is
      // looked up or upserted (an empty string is a valid plaintext).
      if (!has(body, 'batch_input') && !has(body, 'plaintext')) {
        throw new VaultError(400, 'missing plaintext to encrypt');
      }
      // The core authorized `create` when the key is missing: upsert it as Vault does.
      const key =
        keys.get(name) ??
        (op === 'create'
          ? createKey(name, { type: str(body, 'type', 'aes256-gcm96') })
          : mustGet(name));
      const defaultVersion = int(body, 'key_version', 0);
      return batchOrSingle(body, (item) => encryptOne(key, item, defaultVersion));
    }
    if (kind === 'decrypt' && write) {
      const key = mustGet(name);
      return batchOrSingle(body, (item) => ({
        plaintext: decryptRaw(key, str(item, 'ciphertext')).toString('base64'),
      }));
    }
    if (kind === 'rewrap' && write) {
      const key = mustGet(name);
      const defaultVersion = int(body, 'key_version', 0);
      return batchOrSingle(body, (item) => {
        const plaintext = decryptRaw(key, str(item, 'ciphertext'));
        const version = encryptionVersion(key, int(item, 'key_version', defaultVersion));
        return {
          ciphertext: formatCiphertext(version, seal(keyBytes(key, version), plaintext)),
          key_version: version,
        };
      });
    }
    if (kind?.startsWith('datakey/') && write) {
      const key = mustGet(name);
      const bits = int(body, 'bits', 256);
      if (![128, 256, 512].includes(bits)) throw new VaultError(400, 'invalid bits value');
      const dataKey = randomBytes(bits / 8);
      const version = key.latestVersion;
      const data: Record<string, unknown> = {
        ciphertext: formatCiphertext(version, seal(keyBytes(key, version), dataKey)),
        key_version: version,
      };
      if (kind === 'datakey/plaintext') data['plaintext'] = dataKey.toString('base64');
      return { status: 200, data };
    }
    throw new VaultError(405, 'unsupported operation');
  };

  return {
    type: 'transit',
    exists(path) {
      const m = /^(?:keys|encrypt)\/([^/]+)$/.exec(path);
      return Promise.resolve(m?.[1] === undefined || keys.has(m[1]));
    },
    handle: (req) => Promise.resolve(route(req)),
    close: () => Promise.resolve(),
    snapshot: (): TransitSnapshot => ({ keys: Object.fromEntries(keys) }),
  };
}

/**
 * Go's base64.StdEncoding.DecodeString as transit runs it on `plaintext`: the error names the
 * offset of the first byte it cannot use ("illegal base64 data at input byte N").
 */
function checkBase64(text: string): void {
  const bad = text.search(/[^A-Za-z0-9+/=]/);
  const firstPad = text.indexOf('=');
  const padOk = firstPad === -1 || /^={1,2}$/.test(text.slice(firstPad));
  let offset = -1;
  if (bad !== -1) offset = bad;
  else if (!padOk) offset = firstPad;
  else if (text.length % 4 !== 0) offset = text.length - (text.length % 4);
  if (offset !== -1) throw new VaultError(400, `illegal base64 data at input byte ${offset}`);
}
