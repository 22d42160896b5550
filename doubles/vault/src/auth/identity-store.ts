import { newUuid } from '../core/ids.js';

/** Entities keyed by (auth mount accessor, alias name), so repeated logins share an entity. */
export interface IdentityStore {
  entityFor(mountAccessor: string, aliasName: string): string;
  snapshot(): Record<string, string>;
}

export function createIdentityStore(saved: Record<string, string> = {}): IdentityStore {
  const entities = new Map<string, string>(Object.entries(saved));
  return {
    entityFor(mountAccessor, aliasName) {
      const key = `${mountAccessor}\u0000${aliasName}`;
      let id = entities.get(key);
      if (!id) {
        id = newUuid();
        entities.set(key, id);
      }
      return id;
    },
    snapshot: () => Object.fromEntries(entities),
  };
}
