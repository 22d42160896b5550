import { formatDuration } from '../../core/ttl.js';
import {
  VaultError,
  type EngineContext,
  type EngineRequest,
  type EngineResponse,
  type PersistentEngine,
} from '../../core/types.js';
import { bool, duration, has, int, obj, type Body } from '../../http/body.js';
import { listChildren } from './kv-store.js';

interface Version {
  data: Record<string, unknown> | null;
  createdMs: number;
  /** Clock ms at which the version counts as deleted; 0 = not deleted. */
  deletionMs: number;
  destroyed: boolean;
}

interface Secret {
  currentVersion: number;
  oldestVersion: number;
  maxVersions: number;
  casRequired: boolean;
  deleteVersionAfter: number;
  customMetadata: Record<string, string> | null;
  createdMs: number;
  updatedMs: number;
  versions: Record<string, Version>;
}

interface KvV2Config {
  maxVersions: number;
  casRequired: boolean;
  deleteVersionAfter: number;
}

interface KvV2Snapshot {
  config: KvV2Config;
  secrets: Record<string, Secret>;
}

const DEFAULT_MAX_VERSIONS = 10;
const CAS_MISMATCH = 'check-and-set parameter did not match the current version';

/** KV version 2: versioned secrets with check-and-set, soft delete, undelete and destroy. */
export function createKvV2Engine(ctx: EngineContext): PersistentEngine {
  const saved = ctx.saved as KvV2Snapshot | undefined;
  const state: { config: KvV2Config } = {
    config: saved?.config ?? { maxVersions: 0, casRequired: false, deleteVersionAfter: 0 },
  };
  // A Map, so secret paths named `__proto__` or `constructor` are keys like any other.
  const secrets = new Map<string, Secret>(Object.entries(saved?.secrets ?? {}));
  const now = (): number => ctx.clock.now();
  const iso = (ms: number): string => (ms > 0 ? new Date(ms).toISOString() : '');
  const isDeleted = (v: Version): boolean => v.deletionMs > 0 && v.deletionMs <= now();

  const versionMetadata = (secret: Secret, n: number, v: Version): Record<string, unknown> => ({
    created_time: iso(v.createdMs),
    custom_metadata: secret.customMetadata,
    deletion_time: iso(v.deletionMs),
    destroyed: v.destroyed,
    version: n,
  });

  const readData = (path: string, query: URLSearchParams): EngineResponse => {
    const secret = secrets.get(path);
    if (!secret || secret.currentVersion === 0) throw new VaultError(404, '');
    const asked = Number.parseInt(query.get('version') ?? '0', 10) || 0;
    const n = asked > 0 ? asked : secret.currentVersion;
    const v = secret.versions[String(n)];
    if (!v) throw new VaultError(404, '');
    const metadata = versionMetadata(secret, n, v);
    if (v.destroyed || isDeleted(v)) return { status: 404, data: { data: null, metadata } };
    return { status: 200, data: { data: v.data, metadata } };
  };

  const checkCas = (secret: Secret | undefined, options: Body): void => {
    const required = state.config.casRequired || (secret?.casRequired ?? false);
    if (!has(options, 'cas')) {
      if (required) throw new VaultError(400, 'check-and-set parameter required for this call');
      return;
    }
    const cas = int(options, 'cas', 0);
    if (cas !== (secret?.currentVersion ?? 0)) throw new VaultError(400, CAS_MISMATCH);
  };

  const ensureSecret = (path: string): Secret => {
    let secret = secrets.get(path);
    if (!secret) {
      secret = {
        currentVersion: 0,
        oldestVersion: 0,
        maxVersions: 0,
        casRequired: false,
        deleteVersionAfter: 0,
        customMetadata: null,
        createdMs: now(),
        updatedMs: now(),
        versions: {},
      };
      secrets.set(path, secret);
    }
    return secret;
  };

  const addVersion = (path: string, data: Record<string, unknown>): EngineResponse => {
    const secret = ensureSecret(path);
    const n = secret.currentVersion + 1;
    const t = now();
    const dva = secret.deleteVersionAfter || state.config.deleteVersionAfter;
    const v: Version = {
      data,
      createdMs: t,
      deletionMs: dva > 0 ? t + dva * 1000 : 0,
      destroyed: false,
    };
    secret.versions[String(n)] = v;
    secret.currentVersion = n;
    secret.updatedMs = t;
    if (secret.oldestVersion === 0) secret.oldestVersion = n;
    const max = secret.maxVersions || state.config.maxVersions || DEFAULT_MAX_VERSIONS;
    while (n - secret.oldestVersion + 1 > max) {
      delete secret.versions[String(secret.oldestVersion)];
      secret.oldestVersion += 1;
    }
    return { status: 200, data: versionMetadata(secret, n, v) };
  };

  const writeData = (path: string, body: Body): EngineResponse => {
    if (!has(body, 'data')) throw new VaultError(400, 'no data provided');
    const data = obj(body, 'data');
    checkCas(secrets.get(path), obj(body, 'options'));
    return addVersion(path, data);
  };

  const patchData = (path: string, body: Body): EngineResponse => {
    const secret = secrets.get(path);
    const latest = secret?.versions[String(secret.currentVersion)];
    if (!secret || !latest || latest.destroyed || isDeleted(latest)) throw new VaultError(404, '');
    checkCas(secret, obj(body, 'options'));
    const merged = mergePatch(latest.data ?? {}, obj(body, 'data'));
    return addVersion(path, merged);
  };

  const versionsOf = (body: Body): number[] => {
    const raw = body['versions'];
    const list = Array.isArray(raw)
      ? raw
      : typeof raw === 'string' || typeof raw === 'number'
        ? String(raw).split(',')
        : [];
    const versions = list
      .map((x) => Number.parseInt(String(x), 10))
      .filter((x) => Number.isInteger(x) && x > 0);
    if (versions.length === 0) throw new VaultError(400, 'no version number provided');
    return versions;
  };

  const eachVersion = (path: string, body: Body, fn: (v: Version) => void): EngineResponse => {
    const versions = versionsOf(body);
    const secret = secrets.get(path);
    if (secret) {
      for (const n of versions) {
        const v = secret.versions[String(n)];
        if (v) fn(v);
      }
    }
    return { status: 204 };
  };

  const readMetadata = (path: string): EngineResponse => {
    const secret = secrets.get(path);
    if (!secret) throw new VaultError(404, '');
    const versions: Record<string, unknown> = {};
    for (const [n, v] of Object.entries(secret.versions)) {
      versions[n] = {
        created_time: iso(v.createdMs),
        deletion_time: iso(v.deletionMs),
        destroyed: v.destroyed,
      };
    }
    return {
      status: 200,
      data: {
        cas_required: secret.casRequired,
        created_time: iso(secret.createdMs),
        current_version: secret.currentVersion,
        custom_metadata: secret.customMetadata,
        delete_version_after: formatDuration(secret.deleteVersionAfter),
        max_versions: secret.maxVersions,
        oldest_version: secret.oldestVersion,
        updated_time: iso(secret.updatedMs),
        versions,
      },
    };
  };

  const writeMetadata = (path: string, body: Body): EngineResponse => {
    const secret = ensureSecret(path);
    if (has(body, 'max_versions')) secret.maxVersions = int(body, 'max_versions', 0);
    if (has(body, 'cas_required')) secret.casRequired = bool(body, 'cas_required', false);
    if (has(body, 'delete_version_after')) {
      secret.deleteVersionAfter = duration(body, 'delete_version_after');
    }
    if (has(body, 'custom_metadata')) {
      const custom = obj(body, 'custom_metadata');
      secret.customMetadata = Object.fromEntries(
        Object.entries(custom).map(([k, v]) => [k, String(v)]),
      );
    }
    secret.updatedMs = now();
    return { status: 204 };
  };

  const config = (req: EngineRequest): EngineResponse => {
    if (req.operation === 'read') {
      return {
        status: 200,
        data: {
          max_versions: state.config.maxVersions,
          cas_required: state.config.casRequired,
          delete_version_after: formatDuration(state.config.deleteVersionAfter),
        },
      };
    }
    if (req.operation !== 'create' && req.operation !== 'update') {
      throw new VaultError(405, 'unsupported operation');
    }
    const b = req.body;
    state.config = {
      maxVersions: int(b, 'max_versions', state.config.maxVersions),
      casRequired: bool(b, 'cas_required', state.config.casRequired),
      deleteVersionAfter: duration(b, 'delete_version_after', state.config.deleteVersionAfter),
    };
    return { status: 204 };
  };

  const route = (req: EngineRequest): EngineResponse => {
    const { operation: op, body } = req;
    const write = op === 'create' || op === 'update';
    if (req.path === 'config') return config(req);
    const m = /^(data|metadata|delete|undelete|destroy|subkeys)\/(.+)$/.exec(req.path);
    const listsRoot = req.path === 'metadata' && op === 'list';
    if (!listsRoot && (!m?.[1] || m[2] === undefined)) return invalidPath(req);
    const kind = m?.[1] ?? 'metadata';
    const path = m?.[2] ?? '';
    switch (`${kind} ${op}`) {
      case 'data read':
        return readData(path, req.query);
      case 'data create':
      case 'data update':
        return writeData(path, body);
      case 'data patch':
        return patchData(path, body);
      case 'data delete': {
        const secret = secrets.get(path);
        const latest = secret?.versions[String(secret.currentVersion)];
        if (latest && !isDeleted(latest)) latest.deletionMs = now();
        return { status: 204 };
      }
      case 'metadata read':
        return readMetadata(path);
      case 'metadata create':
      case 'metadata update':
        return writeMetadata(path, body);
      case 'metadata delete':
        secrets.delete(path);
        return { status: 204 };
      case 'metadata list':
        return { status: 200, data: { keys: listChildren(secrets.keys(), path) } };
      case 'subkeys read': {
        const res = readData(path, req.query);
        const d = res.data as { data: Record<string, unknown> | null; metadata: unknown };
        if (res.status !== 200 || !d.data) throw new VaultError(404, '');
        return { status: 200, data: { subkeys: subkeys(d.data), metadata: d.metadata } };
      }
    }
    if (write && kind === 'delete') {
      return eachVersion(path, body, (v) => {
        if (!isDeleted(v)) v.deletionMs = now();
      });
    }
    if (write && kind === 'undelete') {
      return eachVersion(path, body, (v) => {
        if (!v.destroyed) v.deletionMs = 0;
      });
    }
    if (write && kind === 'destroy') {
      return eachVersion(path, body, (v) => {
        v.destroyed = true;
        v.data = null;
      });
    }
    throw new VaultError(405, 'unsupported operation');
  };

  return {
    type: 'kv',
    exists(path) {
      const m = /^(?:data|metadata)\/(.+)$/.exec(path);
      return Promise.resolve(m?.[1] === undefined || secrets.has(m[1]));
    },
    handle: (req) => Promise.resolve(route(req)),
    close: () => Promise.resolve(),
    snapshot: (): KvV2Snapshot => ({ config: state.config, secrets: Object.fromEntries(secrets) }),
  };
}

const ROOT_PATHS = new Set(['metadata', 'data', 'delete', 'undelete', 'destroy']);
const CLI_VERB: Record<EngineRequest['operation'], string> = {
  create: 'put',
  update: 'put',
  patch: 'patch',
  read: 'get',
  list: 'list',
  delete: 'delete',
};

/**
 * vault-plugin-secrets-kv backend.go pathInvalid: a path outside the v2 layout (a v1-style
 * `secret/hello`, or the bare root of `data/`...) is 404 with a warning and no `errors`.
 */
function invalidPath(req: EngineRequest): EngineResponse {
  const warning = ROOT_PATHS.has(req.path)
    ? 'Non-listing operations on the root of a K/V v2 mount are not supported.'
    : `Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv ${CLI_VERB[req.operation]}' for this operation.`;
  return { status: 404, warnings: [warning] };
}

/** Sets an own property even for a key named `__proto__`. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** RFC 7396 JSON merge patch, as `PATCH data/:path` applies it. */
function mergePatch(
  target: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...target };
  for (const [k, v] of Object.entries(patch)) {
    const current = Object.hasOwn(out, k) ? out[k] : undefined;
    if (v === null) {
      Reflect.deleteProperty(out, k);
    } else if (
      typeof v === 'object' &&
      !Array.isArray(v) &&
      typeof current === 'object' &&
      current !== null &&
      !Array.isArray(current)
    ) {
      setOwn(out, k, mergePatch(current as Record<string, unknown>, v as Record<string, unknown>));
    } else {
      setOwn(out, k, v);
    }
  }
  return out;
}

function subkeys(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    setOwn(
      out,
      k,
      typeof v === 'object' && v !== null && !Array.isArray(v)
        ? subkeys(v as Record<string, unknown>)
        : null,
    );
  }
  return out;
}
