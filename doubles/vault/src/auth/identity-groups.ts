import { newUuid } from '../core/ids.js';
import {
  VaultError,
  type EngineResponse,
  type RouteModule,
  type RouteRequest,
} from '../core/types.js';
import { str, strList, strMap } from '../http/body.js';

/**
 * The part of Vault's identity secrets engine that maps an identity provider's groups to
 * policies: external groups (`identity/group`, `identity/group/name/:name`,
 * `identity/group/id/:id`) and their aliases (`identity/group-alias`). At each login through an
 * auth method that reports group aliases (OIDC's `groups_claim`), the entity's external
 * memberships are replaced by the groups whose alias matches (name, mount accessor), as
 * hashicorp/vault vault/identity_store_util.go refreshExternalGroupMembershipsByEntityID does;
 * those groups' policies become the token's identity_policies, evaluated on every request.
 */
interface IdentityGroup {
  id: string;
  name: string;
  type: 'internal' | 'external';
  policies: string[];
  metadata: Record<string, string>;
  alias: { id: string; name: string; mountAccessor: string } | undefined;
  creationTime: string;
}

export interface SavedIdentityGroups {
  groups: IdentityGroup[];
  /** entity id -> ids of the external groups it belongs to */
  memberships: Record<string, string[]>;
}

export interface IdentityGroups {
  /** Policies the entity holds through its groups (identity_policies). */
  policiesOf(entityId: string): string[];
  /** Replaces the entity's external memberships for one mount; returns its identity policies. */
  refreshExternalMemberships(
    entityId: string,
    mountAccessor: string,
    aliasNames: string[],
  ): string[];
  readonly routes: RouteModule;
  snapshot(): SavedIdentityGroups;
}

export function createIdentityGroups(saved?: SavedIdentityGroups): IdentityGroups {
  const groups = new Map<string, IdentityGroup>((saved?.groups ?? []).map((g) => [g.id, g]));
  const memberships = new Map<string, Set<string>>(
    Object.entries(saved?.memberships ?? {}).map(([k, v]) => [k, new Set(v)]),
  );
  const byName = (name: string) => [...groups.values()].find((g) => g.name === name);

  const render = (g: IdentityGroup): Record<string, unknown> => ({
    id: g.id,
    name: g.name,
    type: g.type,
    policies: g.policies,
    metadata: Object.keys(g.metadata).length > 0 ? g.metadata : null,
    alias: g.alias
      ? {
          id: g.alias.id,
          name: g.alias.name,
          mount_accessor: g.alias.mountAccessor,
          canonical_id: g.id,
        }
      : {},
    member_entity_ids: [...memberships.entries()]
      .filter(([, ids]) => ids.has(g.id))
      .map(([entity]) => entity),
    member_group_ids: [],
    parent_group_ids: [],
    creation_time: g.creationTime,
    namespace_id: 'root',
  });

  const upsert = (req: RouteRequest, existing: IdentityGroup | undefined): EngineResponse => {
    const type = str(req.body, 'type', existing?.type ?? 'internal');
    if (type !== 'internal' && type !== 'external') {
      throw new VaultError(400, `invalid group type "${type}"`);
    }
    if (existing && existing.type !== type) {
      throw new VaultError(400, 'group type cannot be changed');
    }
    if (strList(req.body, 'member_entity_ids').length > 0 && type === 'external') {
      throw new VaultError(400, "member entities can't be set manually for external groups");
    }
    const name = str(req.body, 'name', existing?.name ?? '') || `group_${newUuid().slice(0, 8)}`;
    const clash = byName(name);
    if (clash && clash !== existing) throw new VaultError(400, 'group name is already in use');
    const group: IdentityGroup = existing ?? {
      id: newUuid(),
      name,
      type,
      policies: [],
      metadata: {},
      alias: undefined,
      creationTime: new Date().toISOString(),
    };
    group.name = name;
    group.policies = strList(req.body, 'policies', existing?.policies ?? []);
    group.metadata =
      req.body['metadata'] === undefined ? group.metadata : strMap(req.body, 'metadata');
    groups.set(group.id, group);
    return existing ? { status: 204 } : { status: 200, data: { id: group.id, name: group.name } };
  };

  const handle = (req: RouteRequest): EngineResponse => {
    const { operation: op, path } = req;
    const write = op === 'create' || op === 'update';
    if (path === 'identity/group' && write) {
      const id = str(req.body, 'id');
      return upsert(req, id ? groups.get(id) : byName(str(req.body, 'name')));
    }
    if ((path === 'identity/group/name' || path === 'identity/group/id') && op === 'list') {
      const keys = [...groups.values()].map((g) => (path.endsWith('name') ? g.name : g.id)).sort();
      return { status: 200, data: { keys } };
    }
    const m = /^identity\/group\/(name|id)\/(.+)$/.exec(path);
    if (m) {
      const [, by, key = ''] = m;
      const group = by === 'name' ? byName(key) : groups.get(key);
      if (write) {
        if (by === 'id' && !group) throw new VaultError(400, 'invalid group ID');
        return upsert(
          { ...req, body: { ...req.body, name: by === 'name' ? key : req.body['name'] } },
          group,
        );
      }
      if (op === 'read') {
        if (!group) throw new VaultError(404, '');
        return { status: 200, data: render(group) };
      }
      if (op === 'delete') {
        if (group) {
          groups.delete(group.id);
          for (const ids of memberships.values()) ids.delete(group.id);
        }
        return { status: 204 };
      }
    }
    if (path === 'identity/group-alias' && write) {
      const canonicalId = str(req.body, 'canonical_id');
      const group = groups.get(canonicalId);
      if (!group) throw new VaultError(400, "invalid group ID given in 'canonical_id'");
      if (group.type !== 'external') {
        throw new VaultError(400, "alias can't be set on an internal group");
      }
      const name = str(req.body, 'name');
      const mountAccessor = str(req.body, 'mount_accessor');
      if (name === '') throw new VaultError(400, 'missing alias name');
      if (mountAccessor === '') throw new VaultError(400, 'missing mount_accessor');
      group.alias = { id: group.alias?.id ?? newUuid(), name, mountAccessor };
      return { status: 200, data: { id: group.alias.id, canonical_id: group.id } };
    }
    const aliasId = /^identity\/group-alias\/id\/(.+)$/.exec(path)?.[1];
    if (aliasId !== undefined) {
      const group = [...groups.values()].find((g) => g.alias?.id === aliasId);
      if (op === 'read') {
        if (!group?.alias) throw new VaultError(404, '');
        return {
          status: 200,
          data: {
            id: group.alias.id,
            name: group.alias.name,
            mount_accessor: group.alias.mountAccessor,
            canonical_id: group.id,
          },
        };
      }
      if (op === 'delete') {
        if (group) group.alias = undefined;
        return { status: 204 };
      }
    }
    throw new VaultError(404, `unsupported path`);
  };

  return {
    policiesOf(entityId) {
      const ids = memberships.get(entityId);
      if (!ids) return [];
      return [...new Set([...ids].flatMap((id) => groups.get(id)?.policies ?? []))].sort();
    },
    refreshExternalMemberships(entityId, mountAccessor, aliasNames) {
      const current = memberships.get(entityId) ?? new Set<string>();
      for (const id of [...current]) {
        if (groups.get(id)?.alias?.mountAccessor === mountAccessor) current.delete(id);
      }
      for (const g of groups.values()) {
        if (
          g.type === 'external' &&
          g.alias?.mountAccessor === mountAccessor &&
          aliasNames.includes(g.alias.name)
        ) {
          current.add(g.id);
        }
      }
      memberships.set(entityId, current);
      return this.policiesOf(entityId);
    },
    routes: {
      prefixes: ['identity/'],
      handle: (req) => Promise.resolve(handle(req)),
    },
    snapshot: () => ({
      groups: [...groups.values()],
      memberships: Object.fromEntries([...memberships].map(([k, v]) => [k, [...v]])),
    }),
  };
}
