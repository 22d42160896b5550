import { ENGINE_REGISTRY } from './engine-registry.js';
import { newUuid, randomBase62 } from './ids.js';
import { normalizeMountPath } from './mount-path.js';
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
  resolve(fullPath: string): { mount: Mount; rest: string } | undefined;
  list(): Mount[];
  snapshot(): SavedMount[];
  close(): Promise<void>;
}

const RESERVED = ['sys/', 'auth/', 'cubbyhole/', 'identity/'];

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
    const factory = ENGINE_REGISTRY[type];
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

  for (const m of saved)
    add(m.path, m.type, m.description, m.options, m.config, m.accessor, m.uuid, m.state);

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
      // kv-v2 is the same plugin as kv with version 2.
      const effectiveOptions = type === 'kv-v2' ? { ...options, version: '2' } : options;
      const effectiveType = type === 'kv-v2' ? 'kv' : type;
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
