import { connect } from 'node:net';
import { backend, type BackendRequest, type BackendResponse } from '../core/backend.js';
import { VaultError } from '../core/types.js';
import { bool, has, str, strList, splitList, type Body } from '../http/body.js';
import type { AuthMethod, AuthMethodContext } from './auth-method.js';
import { issueLoginToken } from './login-tokens.js';
import { parseTokenParams, tokenParamsData, type TokenParams } from './token-params.js';

/**
 * The LDAP auth method, binding against a real directory with `ldapts`. It follows
 * hashicorp/vault builtin/credential/ldap (backend.go `Login`, path_login.go, path_groups.go,
 * path_users.go) and sdk/helper/ldaputil (client.go `GetUserBindDN`, `GetLdapGroups`,
 * config.go defaults):
 * - the bind DN is `<userattr>=<username>,<userdn>`, or, with `discoverdn` or `binddn`, the one
 *   entry a subtree search for `(<userattr>=<username>)` finds;
 * - a failed bind, an unknown user and an ambiguous search all answer 400
 *   `ldap operation failed: failed to bind as user`, so a caller cannot tell which;
 * - groups come from `groupfilter` under `groupdn` (attribute `groupattr`), merged with the
 *   user's local groups; a user in no LDAP group still logs in, with the `default` policy only
 *   and Vault's warning.
 */

const ERR_USER_BIND_FAILED = 'ldap operation failed: failed to bind as user';
const DEFAULT_GROUP_FILTER =
  '(|(memberUid={{.Username}})(member={{.UserDN}})(uniqueMember={{.UserDN}}))';

interface LdapConfig {
  urls: string[];
  userDn: string;
  userAttr: string;
  groupDn: string;
  groupAttr: string;
  groupFilter: string;
  bindDn: string;
  bindPass: string;
  discoverDn: boolean;
  denyNullBind: boolean;
  caseSensitiveNames: boolean;
  requestTimeout: number;
  token: TokenParams;
}

interface LdapMapping {
  groups: string[];
  policies: string[];
}

interface LdapState {
  config: LdapConfig | undefined;
  groups: Record<string, LdapMapping>;
  users: Record<string, LdapMapping>;
}

/** ldap.EscapeFilter (RFC 4515): the characters that change a filter's meaning. */
function escapeFilter(value: string): string {
  return value.replace(/[\\*()\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** ldaputil.EscapeLDAPValue (RFC 4514) for the username inside a DN. */
function escapeDnValue(value: string): string {
  let out = value.replace(/["+,;<>\\]/g, (c) => `\\${c}`);
  if (out.startsWith(' ') || out.startsWith('#')) out = `\\${out}`;
  if (out.endsWith(' ') && !out.endsWith('\\ ')) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/** ldaputil's getCN: the first CN of a DN, or the value itself when it is not a DN. */
function groupName(value: string): string {
  return /^\s*cn=((?:\\.|[^,])+)/i.exec(value)?.[1] ?? value;
}

/** ldaputil DialLDAP: the first URL that accepts a TCP connection, or every host's error. */
async function firstReachable(urls: readonly string[]): Promise<string> {
  const errors: string[] = [];
  for (const url of urls) {
    const parsed = new URL(url);
    const port = Number(parsed.port || (parsed.protocol === 'ldaps:' ? 636 : 389));
    const failure = await new Promise<string | undefined>((resolve) => {
      const socket = connect({ host: parsed.hostname, port, timeout: 5000 });
      socket.once('connect', () => {
        socket.destroy();
        resolve(undefined);
      });
      socket.once('timeout', () => {
        socket.destroy();
        resolve(`dial tcp ${parsed.hostname}:${port}: i/o timeout`);
      });
      socket.once('error', (error: NodeJS.ErrnoException) =>
        resolve(
          error.code === 'ECONNREFUSED'
            ? `dial tcp ${parsed.hostname}:${port}: connect: connection refused`
            : `dial tcp ${parsed.hostname}:${port}: ${error.message}`,
        ),
      );
    });
    if (failure === undefined) return url;
    errors.push(`error connecting to host ${JSON.stringify(url)}: ${failure}`);
  }
  const list = errors.map((e) => `\t* ${e}`).join('\n');
  throw new VaultError(
    400,
    `${errors.length} error${errors.length === 1 ? '' : 's'} occurred:\n${list}\n\n`,
  );
}

export function createLdapAuth(ctx: AuthMethodContext): AuthMethod {
  const state: LdapState = (ctx.saved as LdapState | undefined) ?? {
    config: undefined,
    groups: {},
    users: {},
  };
  const canonical = (name: string): string =>
    state.config?.caseSensitiveNames === true ? name : name.toLowerCase();

  const writeConfig = (body: Body): BackendResponse => {
    for (const unsupported of ['upndomain', 'certificate', 'client_tls_cert', 'userfilter']) {
      if (str(body, unsupported) !== '') {
        throw new VaultError(400, `${unsupported} is not supported by this double`);
      }
    }
    if (bool(body, 'starttls', false) || bool(body, 'use_token_groups', false)) {
      throw new VaultError(400, 'starttls and use_token_groups are not supported by this double');
    }
    const current = state.config;
    const urls = has(body, 'url') ? splitList(str(body, 'url')) : (current?.urls ?? []);
    const urlList = urls.length > 0 ? urls : ['ldap://127.0.0.1'];
    for (const url of urlList) {
      let scheme: string;
      try {
        scheme = new URL(url).protocol;
      } catch {
        throw new VaultError(400, `error parsing url ${JSON.stringify(url)}`);
      }
      if (scheme !== 'ldap:' && scheme !== 'ldaps:') {
        throw new VaultError(400, `invalid LDAP scheme in url ${JSON.stringify(url)}`);
      }
    }
    state.config = {
      urls: urlList,
      userDn: str(body, 'userdn', current?.userDn ?? ''),
      userAttr: str(body, 'userattr', current?.userAttr ?? 'cn').toLowerCase(),
      groupDn: str(body, 'groupdn', current?.groupDn ?? ''),
      groupAttr: str(body, 'groupattr', current?.groupAttr ?? 'cn'),
      groupFilter: str(body, 'groupfilter', current?.groupFilter ?? DEFAULT_GROUP_FILTER),
      bindDn: str(body, 'binddn', current?.bindDn ?? ''),
      bindPass: str(body, 'bindpass', current?.bindPass ?? ''),
      discoverDn: bool(body, 'discoverdn', current?.discoverDn ?? false),
      denyNullBind: bool(body, 'deny_null_bind', current?.denyNullBind ?? true),
      caseSensitiveNames: bool(body, 'case_sensitive_names', current?.caseSensitiveNames ?? false),
      requestTimeout: Number(str(body, 'request_timeout', String(current?.requestTimeout ?? 90))),
      token: parseTokenParams(body, current?.token),
    };
    return { status: 204 };
  };

  const readConfig = (): BackendResponse => {
    const c = state.config;
    if (!c) return { status: 200, data: null };
    return {
      status: 200,
      data: {
        url: c.urls.join(','),
        userdn: c.userDn,
        userattr: c.userAttr,
        groupdn: c.groupDn,
        groupattr: c.groupAttr,
        groupfilter: c.groupFilter,
        binddn: c.bindDn,
        discoverdn: c.discoverDn,
        deny_null_bind: c.denyNullBind,
        case_sensitive_names: c.caseSensitiveNames,
        request_timeout: c.requestTimeout,
        upndomain: '',
        userfilter: '({{.UserAttr}}={{.Username}})',
        starttls: false,
        insecure_tls: false,
        use_token_groups: false,
        username_as_alias: false,
        ...tokenParamsData(c.token),
      },
    };
  };

  const mappings = (kind: 'groups' | 'users') => ({
    write(name: string, body: Body): BackendResponse {
      const current = state[kind][canonical(name)];
      state[kind][canonical(name)] = {
        policies: strList(body, 'policies', current?.policies ?? []).map((p) => p.toLowerCase()),
        groups: kind === 'users' ? strList(body, 'groups', current?.groups ?? []) : [],
      };
      return { status: 204 };
    },
    read(name: string): BackendResponse {
      const m = state[kind][canonical(name)];
      if (!m) throw new VaultError(404, '');
      return {
        status: 200,
        data:
          kind === 'users'
            ? { policies: m.policies, groups: m.groups.join(',') }
            : { policies: m.policies },
      };
    },
  });

  /** backend.go Login: bind as the user, then find their groups. */
  const login = async (username: string, body: Body): Promise<BackendResponse> => {
    const config = state.config;
    if (!config) throw new VaultError(400, 'auth method not configured');
    const password = str(body, 'password');
    if (config.denyNullBind && password === '') {
      throw new VaultError(
        400,
        'password cannot be of zero length when passwordless binds are being denied',
      );
    }
    const url = await firstReachable(config.urls);
    const { Client } = await import('ldapts');
    const client = new Client({ url, connectTimeout: 5000, timeout: config.requestTimeout * 1000 });
    try {
      let bindDn: string;
      if (config.discoverDn || (config.bindDn !== '' && config.bindPass !== '')) {
        try {
          await client.bind(config.bindDn, config.bindPass);
          const found = await client.search(config.userDn, {
            scope: 'sub',
            filter: `(${config.userAttr}=${escapeFilter(username)})`,
            attributes: [config.userAttr],
          });
          if (found.searchEntries.length !== 1) {
            throw new Error('LDAP search for binddn 0 or not unique');
          }
          bindDn = found.searchEntries[0]?.dn ?? '';
        } catch {
          throw new VaultError(400, ERR_USER_BIND_FAILED);
        }
      } else {
        bindDn = `${config.userAttr}=${escapeDnValue(username)},${config.userDn}`;
      }
      try {
        await client.bind(bindDn, password);
      } catch {
        throw new VaultError(400, ERR_USER_BIND_FAILED);
      }
      if (config.bindDn !== '' && config.bindPass !== '') {
        try {
          await client.bind(config.bindDn, config.bindPass);
        } catch {
          throw new VaultError(
            400,
            'ldap operation failed: failed to re-bind with the BindDN user',
          );
        }
      }
      const ldapGroups = new Set<string>();
      if (config.groupDn !== '' && config.groupFilter !== '') {
        const filter = config.groupFilter
          .replaceAll('{{.UserDN}}', escapeFilter(bindDn))
          .replaceAll('{{.Username}}', escapeFilter(username));
        let entries;
        try {
          entries = (
            await client.search(config.groupDn, {
              scope: 'sub',
              filter,
              attributes: [config.groupAttr],
            })
          ).searchEntries;
        } catch (error) {
          throw new VaultError(
            400,
            `LDAP search failed: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
        for (const entry of entries) {
          const raw = entry[config.groupAttr];
          const values = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(String);
          if (values.length === 0) ldapGroups.add(groupName(entry.dn));
          for (const v of values) ldapGroups.add(groupName(v));
        }
      }
      const warnings: string[] = [];
      if (ldapGroups.size === 0) {
        warnings.push(
          `no LDAP groups found in groupDN '${config.groupDn}'; only policies from locally-defined groups available`,
        );
      }
      const user = state.users[canonical(username)];
      const allGroups = [...(user?.groups ?? []), ...ldapGroups].map(canonical);
      const policies = [
        ...allGroups.flatMap((g) => state.groups[g]?.policies ?? []),
        ...(user?.policies ?? []),
      ];
      const response = issueLoginToken(ctx.tokens, ctx.identity, {
        mountPath: ctx.mountPath,
        mountAccessor: ctx.accessor,
        loginPath: `${ctx.mountPath}login/${username}`,
        params: { ...config.token, policies: [...config.token.policies, ...policies] },
        aliasName: username,
        aliasMetadata: {},
        tokenMetadata: { username },
      });
      return { ...response, warnings: [...warnings, ...(response.warnings ?? [])] };
    } finally {
      await client.unbind().catch(() => undefined);
    }
  };

  const handle = async (req: BackendRequest): Promise<BackendResponse> => {
    const { operation: op, path, body } = req;
    const write = op === 'create' || op === 'update';
    const loginUser = /^login\/(.+)$/.exec(path)?.[1];
    if (loginUser !== undefined && write) return login(loginUser, body);
    if (path === 'config' && write) return writeConfig(body);
    if (path === 'config' && op === 'read') return readConfig();
    for (const kind of ['groups', 'users'] as const) {
      if (path === kind && op === 'list') {
        return { status: 200, data: { keys: Object.keys(state[kind]).sort() } };
      }
      const name = new RegExp(`^${kind}/(.+)$`).exec(path)?.[1];
      if (name === undefined) continue;
      if (write) return mappings(kind).write(name, body);
      if (op === 'read') return mappings(kind).read(name);
      if (op === 'delete') {
        delete state[kind][canonical(name)];
        return { status: 204 };
      }
    }
    throw new VaultError(405, 'unsupported operation');
  };

  return {
    ...backend(handle, {
      exists: (path) => {
        if (path === 'config') return Promise.resolve(state.config !== undefined);
        const m = /^(groups|users)\/(.+)$/.exec(path);
        if (m) return Promise.resolve(canonical(m[2] ?? '') in state[m[1] as 'groups' | 'users']);
        return Promise.resolve(true);
      },
      isUnauthenticated: (path) => path.startsWith('login/'),
    }),
    snapshot: () => state,
  };
}
