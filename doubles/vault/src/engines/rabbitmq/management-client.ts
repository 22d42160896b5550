/** The few RabbitMQ management HTTP API calls the engine needs. */
export interface VhostPermission {
  configure: string;
  write: string;
  read: string;
}

export interface TopicPermission {
  write: string;
  read: string;
}

export interface ManagementClient {
  overview(): Promise<void>;
  putUser(name: string, password: string, tags: string): Promise<void>;
  putPermissions(vhost: string, user: string, perms: VhostPermission): Promise<void>;
  putTopicPermissions(
    vhost: string,
    user: string,
    exchange: string,
    perms: TopicPermission,
  ): Promise<void>;
  /** Deletes the user; a missing user is not an error. */
  deleteUser(name: string): Promise<void>;
  /** Closes the user's open AMQP connections. */
  closeConnectionsOf(name: string): Promise<void>;
}

export class ManagementError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ManagementError';
  }
}

export function createManagementClient(
  baseUrl: string,
  username: string,
  password: string,
): ManagementClient {
  const root = baseUrl.replace(/\/+$/, '');
  const auth = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

  const call = async (method: string, path: string, body?: unknown): Promise<Response> => {
    const res = await fetch(`${root}${path}`, {
      method,
      headers: {
        authorization: auth,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    return res;
  };

  const expectOk = async (res: Response, what: string, allow404 = false): Promise<void> => {
    if (res.ok || (allow404 && res.status === 404)) {
      await res.body?.cancel();
      return;
    }
    const text = await res.text().catch(() => '');
    throw new ManagementError(res.status, `${what}: ${res.status} ${text}`.trim());
  };

  const enc = encodeURIComponent;

  return {
    async overview() {
      await expectOk(await call('GET', '/api/overview'), 'GET /api/overview');
    },
    async putUser(name, pass, tags) {
      await expectOk(
        await call('PUT', `/api/users/${enc(name)}`, { password: pass, tags }),
        'create user',
      );
    },
    async putPermissions(vhost, user, perms) {
      await expectOk(
        await call('PUT', `/api/permissions/${enc(vhost)}/${enc(user)}`, perms),
        `set permissions on vhost ${vhost}`,
      );
    },
    async putTopicPermissions(vhost, user, exchange, perms) {
      await expectOk(
        await call('PUT', `/api/topic-permissions/${enc(vhost)}/${enc(user)}`, {
          exchange,
          ...perms,
        }),
        `set topic permissions on vhost ${vhost}`,
      );
    },
    async deleteUser(name) {
      await expectOk(await call('DELETE', `/api/users/${enc(name)}`), 'delete user', true);
    },
    async closeConnectionsOf(name) {
      const res = await call('GET', '/api/connections?columns=name,user');
      if (!res.ok) {
        await res.body?.cancel();
        return;
      }
      const list = (await res.json()) as unknown;
      if (!Array.isArray(list)) return;
      const names = list
        .filter((c): c is { name: string; user: string } => {
          const conn = c as { name?: unknown; user?: unknown };
          return typeof conn.name === 'string' && conn.user === name;
        })
        .map((c) => c.name);
      for (const conn of names) {
        await expectOk(
          await call('DELETE', `/api/connections/${enc(conn)}`),
          'close connection',
          true,
        );
      }
    },
  };
}
