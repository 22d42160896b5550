import { ENGINE_REGISTRY } from './engine-registry.js';
import { newUuid, randomBase62 } from './ids.js';
import { normalizeMountPath } from './mount-path.js';
import { ownEntry } from './own.js';
import {
  isPersistentEngine,
  VaultError,
  type Clock,
  type LeaseRegistry,
  type SecretEngine,
} from './types.js';

export interface Mount {
  /** With a trailing slash: "secret/". */
  path: string;
  type: string;
  description: string;
  accessor: string;
  uuid: string;
  options: Record<string, string>;
  config: Record<string, unknown>;
  engine: SecretEngine;
}

export interface SavedMount {
  path: string;
  type: string;
  description: string;
  accessor: string;
  uuid: string;
  options: Record<string, string>;
  config: Record<string, unknown>;
  state: unknown;
}

export interface MountTable {
  mount(
    path: string,
    type: string,
    description: string,
    options: Record<string, string>,
    config: Record<string, unknown>,
  ): Mount;
  unmount(path: string): Promise<void>;
  /** Moves a mount and its state to another path (sys/remount). */
  remount(from: string, to: string): void;
  resolve(fullPath: string): { mount: Mount; rest: string } | undefined;
  list(): Mount[];
  snapshot(): SavedMount[];
  close(): Promise<void>;
}

const RESERVED = ['sys/', 'auth/', 'cubbyhole/', 'identity/'];

/** vault/mount.go mountAliases: old type names served by a newer plugin, listed as given. */
const MOUNT_ALIASES: Readonly<Record<string, string>> = { generic: 'kv' };

/**
 * Engines whose leases carry their mount path: moving them would need Vault's lease revocation
 * on remount, which the double does not do, so it refuses instead of moving half the state.
 */
const NOT_REMOUNTABLE = new Set(['database', 'rabbitmq']);

export function createMountTable(
  clock: Clock,
  leases: LeaseRegistry,
  saved: SavedMount[] = [],
): MountTable {
  const mounts = new Map<string, Mount>();

  const add = (
    path: string,
    type: string,
    description: string,
    options: Record<string, string>,
    config: Record<string, unknown>,
    accessor: string,
    uuid: string,
    state: unknown,
  ): Mount => {
    const factory = ownEntry(ENGINE_REGISTRY, ownEntry(MOUNT_ALIASES, type) ?? type);
    if (!factory) throw new VaultError(400, `plugin not found in the catalog: ${type}`);
    const engine = factory({
      mountPath: path,
      clock,
      leases,
      options: { ...options, ...config },
      saved: state,
    });
    const mount: Mount = { path, type, description, accessor, uuid, options, config, engine };
    mounts.set(path, mount);
    return mount;
  };

  for (const m of saved) {
    add(m.path, m.type, m.description, m.options, m.config, m.accessor, m.uuid, m.state);
  }

  return {
    mount(rawPath, type, description, options, config) {
      const path = normalizeMountPath(rawPath);
      if (path === '/') throw new VaultError(400, 'mount path cannot be empty');
      for (const reserved of RESERVED) {
        if (path.startsWith(reserved)) throw new VaultError(400, `cannot mount under ${reserved}`);
      }
      for (const existing of mounts.keys()) {
        if (existing.startsWith(path) || path.startsWith(existing)) {
          throw new VaultError(400, `path is already in use at ${existing}`);
        }
      }
      // logical_system.go handleMount: kv-v1/kv-v2 are kv with a version; no other type takes one.
      let effectiveType = type;
      let effectiveOptions = options;
      if (type === 'kv-v1' || type === 'kv-v2') {
        effectiveType = 'kv';
        effectiveOptions = { ...options, version: type === 'kv-v2' ? '2' : '1' };
      } else if (type !== 'kv' && (options['version'] ?? '') !== '') {
        throw new VaultError(
          400,
          `secrets engine ${JSON.stringify(type)} does not allow setting a version`,
        );
      }
      const accessor = `${effectiveType}_${randomBase62(8).toLowerCase()}`;
      return add(
        path,
        effectiveType,
        description,
        effectiveOptions,
        config,
        accessor,
        newUuid(),
        undefined,
      );
    },
    async unmount(rawPath) {
      const path = normalizeMountPath(rawPath);
      const mount = mounts.get(path);
      if (!mount) return;
      mounts.delete(path);
      await mount.engine.close();
    },
    remount(rawFrom, rawTo) {
      const from = normalizeMountPath(rawFrom);
      const to = normalizeMountPath(rawTo);
      const mount = mounts.get(from);
      if (!mount) throw new VaultError(400, `no matching mount at "${from}"`);
      if (NOT_REMOUNTABLE.has(mount.type)) {
        throw new VaultError(
          400,
          `remounting a ${mount.type} secrets engine is not implemented by vault-double`,
        );
      }
      for (const reserved of RESERVED) {
        if (to.startsWith(reserved)) throw new VaultError(400, `cannot remount to "${to}"`);
      }
      for (const existing of mounts.keys()) {
        if (existing !== from && (existing.startsWith(to) || to.startsWith(existing))) {
          throw new VaultError(400, `path already in use at "${existing}"`);
        }
      }
      mounts.delete(from);
      mounts.set(to, { ...mount, path: to });
    },
    resolve(fullPath) {
      let best: Mount | undefined;
      for (const mount of mounts.values()) {
        const matches = fullPath.startsWith(mount.path) || `${fullPath}/` === mount.path;
        if (matches && (!best || mount.path.length > best.path.length)) best = mount;
      }
      return best ? { mount: best, rest: fullPath.slice(best.path.length) } : undefined;
    },
    list: () => [...mounts.values()],
    snapshot: () =>
      [...mounts.values()].map((m) => ({
        path: m.path,
        type: m.type,
        description: m.description,
        accessor: m.accessor,
        uuid: m.uuid,
        options: m.options,
        config: m.config,
        state: isPersistentEngine(m.engine) ? m.engine.snapshot() : undefined,
      })),
    async close() {
      await Promise.allSettled([...mounts.values()].map((m) => m.engine.close()));
    },
  };
}
