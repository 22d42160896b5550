import { createSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { closedPort } from '@flowstack/test-kit';
import { describe, expect, it } from 'vitest';
import {
  authClusterCheck,
  devStackChecks,
  executableCheck,
  findUnreachable,
  localDependencies,
  portCheck,
  redisDefaultUserOpen,
  rabbitmqManagement,
  rabbitmqManagementCheck,
  runPreflight,
  serverCheck,
  type PreflightCheck,
} from './preflight.js';

async function listening(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

const rabbitmq = () => localDependencies({}).find((dep) => dep.name === 'RabbitMQ')!;

describe('findUnreachable', () => {
  it('when a server does not answer, then it is named on one line with the command that starts it', async () => {
    const port = await closedPort();
    const problems = await findUnreachable(localDependencies({ REDIS_PORT: String(port) }));
    expect(problems).toEqual([
      `Redis is not reachable at 127.0.0.1:${port}; start it with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no`,
    ]);
  });

  it('when all three servers answer, then nothing is reported', async () => {
    expect(await findUnreachable(localDependencies({}))).toEqual([]);
  });
});

describe('RabbitMQ management API', () => {
  it('when the management API is unreachable, then the one line names it and the command that enables it', async () => {
    const port = await closedPort();
    const target = rabbitmqManagement({ RABBITMQ_MANAGEMENT_URL: `http://127.0.0.1:${port}` });
    // Root or not: a non-default port is not one that enabling the plugin would open.
    const lines = await runPreflight([
      serverCheck(rabbitmq()),
      rabbitmqManagementCheck(target, { root: true }),
    ]);
    expect(lines).toEqual([
      `RabbitMQ management API (used by Vault's RabbitMQ engine) is not reachable at http://127.0.0.1:${port}; enable it with: sudo rabbitmq-plugins enable rabbitmq_management   (or run without Vault: npm run dev -- --no-vault)`,
    ]);
  });

  it('when the management API answers to the admin user, then nothing is reported', async () => {
    expect(await runPreflight([rabbitmqManagementCheck(rabbitmqManagement({}))])).toEqual([]);
  });

  it('when it refuses the admin user, then the line says which keys to set', async () => {
    const lines = await runPreflight([
      rabbitmqManagementCheck(
        rabbitmqManagement({ RABBITMQ_ADMIN_USER: `nobody-${process.pid}` }),
        { root: false },
      ),
    ]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`refused user "nobody-${process.pid}"`);
    expect(lines[0]).toContain('RABBITMQ_ADMIN_USER');
  });

  it('when the broker itself is down, then only the broker is named (its management API would only repeat the cause)', async () => {
    const port = await closedPort();
    const lines = await runPreflight(
      devStackChecks({
        env: { RABBITMQ_PORT: String(port), RABBITMQ_MANAGEMENT_URL: `http://127.0.0.1:${port}` },
        vault: { port: 0, authCluster: { host: '127.0.0.1', port: 5433 } },
        ports: false,
      }),
    );
    expect(lines).toEqual([expect.stringMatching(/^RabbitMQ is not reachable at 127\.0\.0\.1:/)]);
  });
});

describe('password-checking PostgreSQL cluster', () => {
  it('when it is missing and we are not root, then the line gives the script to run as root', async () => {
    const port = await closedPort();
    const lines = await runPreflight([authClusterCheck({ host: '127.0.0.1', port, root: false })]);
    expect(lines).toEqual([
      `PostgreSQL password-checking cluster (for Vault-issued users) is not reachable at 127.0.0.1:${port}; create it with: sudo PG_AUTH_PORT=${port} bash scripts/pg-auth-cluster.sh   (or run without Vault: npm run dev -- --no-vault)`,
    ]);
  });

  it('when it is up, then nothing is reported and it is not the plain PostgreSQL check that runs', async () => {
    const checks = devStackChecks({
      env: { POSTGRES_PORT: String(await closedPort()) },
      vault: { port: 0, authCluster: { host: '127.0.0.1', port: 5433 } },
      ports: false,
    });
    expect(await runPreflight(checks)).toEqual([]);
  });
});

describe('ports the stack listens on', () => {
  it('when a TCP port is taken, then the line names what needed it and the key that moves it', async () => {
    const { server, port } = await listening();
    try {
      const lines = await runPreflight(
        devStackChecks({ env: { PORT: String(port), HEALTH_PORT: '0' }, ports: true }),
      );
      expect(lines).toEqual([
        `Port ${port}/tcp (api) is already in use on 127.0.0.1; see what holds it with: ss -lnpt 'sport = :${port}'   (stop it, or set PORT=<free port>)`,
      ]);
    } finally {
      server.close();
    }
  });

  it('when a UDP port is taken, then it is reported as UDP', async () => {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const { port } = socket.address();
    try {
      const lines = await runPreflight([
        portCheck({
          what: 'Consul double DNS',
          host: '127.0.0.1',
          port,
          key: 'X',
          protocol: 'udp',
        }),
      ]);
      expect(lines).toEqual([expect.stringContaining(`Port ${port}/udp (Consul double DNS)`)]);
    } finally {
      socket.close();
    }
  });

  it('when the port is free, then nothing is reported', async () => {
    const port = await closedPort();
    expect(
      await runPreflight([portCheck({ what: 'api', host: '127.0.0.1', port, key: 'PORT' })]),
    ).toEqual([]);
  });
});

describe('runPreflight', () => {
  it('when a check has a fix, then the fix runs once and the check is asked again', async () => {
    let fixed = 0;
    const check: PreflightCheck = {
      name: 'thing',
      check: () => Promise.resolve(fixed > 0 ? undefined : 'thing is missing; run: make-thing'),
      fix: () => {
        fixed += 1;
        return Promise.resolve();
      },
    };
    expect(await runPreflight([check])).toEqual([]);
    expect(fixed).toBe(1);
  });

  it('when a fix does not help, then the line is still reported', async () => {
    const check: PreflightCheck = {
      name: 'thing',
      check: () => Promise.resolve('thing is missing; run: make-thing'),
      fix: () => Promise.resolve(),
    };
    expect(await runPreflight([check])).toEqual(['thing is missing; run: make-thing']);
  });

  it('when a program a feature needs is missing, then the line gives its install command', async () => {
    const lines = await runPreflight([
      executableCheck({
        what: 'LDAP server',
        executable: `slapd-missing-${process.pid}`,
        install: 'sudo bash scripts/install-slapd.sh',
      }),
      executableCheck({ what: 'Node.js', executable: 'node', install: 'unused' }),
    ]);
    expect(lines).toEqual([
      `LDAP server (slapd-missing-${process.pid}) is not installed; install it with: sudo bash scripts/install-slapd.sh`,
    ]);
  });
});

describe('redisDefaultUserOpen', () => {
  it('when Redis answers an unauthenticated PING, then the default user is open; NOAUTH or no server, then not', async () => {
    // The machine's Redis keeps its default user open for the tests that share it.
    expect(await redisDefaultUserOpen('127.0.0.1', 6379)).toBe(true);
    const closed = createServer((socket) => {
      socket.once('data', () => socket.write('-NOAUTH Authentication required.\r\n'));
    });
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = closed.address() as { port: number };
      expect(await redisDefaultUserOpen('127.0.0.1', port)).toBe(false);
    } finally {
      closed.close();
    }
    expect(await redisDefaultUserOpen('127.0.0.1', await closedPort())).toBe(false);
  });
});
