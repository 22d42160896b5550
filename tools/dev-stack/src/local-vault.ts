import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commonConfigSchema, loadConfig } from '@flowstack/config';
import { createStaticCredentialSource } from '@flowstack/credentials';
import { migrateDatabase } from '@flowstack/domain';
import { bootstrapVault, DEFAULTS, type BootstrapOptions } from '@flowstack/infra-vault';
import type { Logger } from '@flowstack/observability';
import {
  claimScratchFolder,
  SCRATCH_PREFIX,
  sweepLeftovers,
  type LeftoverSweep,
} from './leftovers.js';
import { rabbitmqManagement } from './preflight.js';
import { redisKeyPrefixFor, SERVICE_VAULT_NAMES } from '@flowstack/vault';
import { parseDuration, startVaultDouble, type VaultDouble } from '@flowstack/vault-double';
import { workerConfigSchema } from '@flowstack/worker/config';
import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';

type Service = 'api' | 'worker';

export interface LocalVault {
  url: string;
  /** Random for each run (never the well-known `root`); `npm run dev` prints it once. */
  rootToken: string;
  double: VaultDouble;
  /** What earlier, killed stacks had left behind and this start removed. */
  leftovers: LeftoverSweep;
  /** Environment for one service: JWT login, PostgreSQL on the password-checking cluster. */
  serviceEnv(service: Service): Record<string, string>;
  stop(): Promise<void>;
}

export interface LocalVaultOptions {
  env: Record<string, string | undefined>;
  logger: Logger;
  /** Vault double port (default 8200; 0 = any free port). */
  port?: number;
  /** Lease TTL and max TTL of every dynamic credential (default 1h / 24h). */
  credentialTtl?: string;
  credentialMaxTtl?: string;
  seed?: boolean;
  /** The Vault address api and worker are given, when it is not the double's own (a proxy). */
  servicesAddress?: string | undefined;
  /** Humans' identity sources for the bootstrap (the local LDAP directory and OIDC provider). */
  identity?: Pick<BootstrapOptions, 'ldap' | 'oidc'> | undefined;
}

/** The second PostgreSQL that checks passwords (scripts/pg-auth-cluster.sh). */
export const PG_AUTH = {
  host: '127.0.0.1',
  port: 5433,
  adminUser: 'vaultadmin',
  adminPassword: 'vaultadmin-local-only',
};

/**
 * Vault for the local stack: starts the double, migrates the `flowstack` database on the
 * password-checking PostgreSQL (5433) as its admin, runs the infra bootstrap against the double
 * (the same code that configures a real Vault), and stands in for Nomad's identity issuer: a
 * local RS256 key whose public half the JWT auth method trusts signs one workload JWT per
 * service, written where Nomad would put it (secrets/nomad_token).
 */
export async function startLocalVault(options: LocalVaultOptions): Promise<LocalVault> {
  const env = { ...options.env, POSTGRES_HOST: PG_AUTH.host, POSTGRES_PORT: String(PG_AUTH.port) };
  const config = loadConfig('dev-stack', commonConfigSchema, env);
  await migrateDatabase({
    host: PG_AUTH.host,
    port: PG_AUTH.port,
    database: config.POSTGRES_DB,
    credentials: createStaticCredentialSource({
      username: PG_AUTH.adminUser,
      password: PG_AUTH.adminPassword,
    }),
    logger: options.logger,
    createDatabase: true,
    seed: options.seed ?? true,
  });

  const redisAdmin = {
    username: options.env.REDIS_ADMIN_USER ?? 'default',
    password: options.env.REDIS_ADMIN_PASSWORD ?? 'local-nopass',
  };
  const credentialMaxTtl = options.credentialMaxTtl ?? '24h';
  const leftovers = await sweepLeftovers({
    postgres: {
      host: PG_AUTH.host,
      port: PG_AUTH.port,
      user: PG_AUTH.adminUser,
      password: PG_AUTH.adminPassword,
    },
    redis: { host: config.REDIS_HOST, port: config.REDIS_PORT, ...redisAdmin },
    // The longest a local stack's credential lives (the default max TTL is the longest used).
    maxCredentialAgeSeconds: Math.max(parseDuration(credentialMaxTtl), 24 * 3600),
    logger: options.logger,
  });

  const double = await startVaultDouble({
    port: options.port ?? 8200,
    rootToken: `hvs.${randomBytes(24).toString('base64url')}`,
  });
  const dir = await mkdtemp(join(tmpdir(), SCRATCH_PREFIX));
  const stop = async () => {
    await double.stop();
    // Workload JWTs and the audit log of this run.
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await claimScratchFolder(dir);
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    await bootstrapVault({
      ...DEFAULTS,
      address: double.url,
      token: double.rootToken,
      postgres: {
        url: `postgresql://${PG_AUTH.adminUser}:${PG_AUTH.adminPassword}@${PG_AUTH.host}:${PG_AUTH.port}/${config.POSTGRES_DB}`,
      },
      redis: { host: config.REDIS_HOST, port: config.REDIS_PORT, ...redisAdmin },
      rabbitmq: (({ url, username, password }) => ({ managementUrl: url, username, password }))(
        rabbitmqManagement({ ...options.env, RABBITMQ_HOST: config.RABBITMQ_HOST }),
      ),
      jwt: { publicKeys: [await exportSPKI(publicKey)] },
      credentialTtl: options.credentialTtl ?? '1h',
      credentialMaxTtl,
      auditFilePath: join(dir, 'audit.log'),
      ordersExchange: config.ORDERS_EXCHANGE,
      ordersQueue: config.ORDERS_QUEUE,
      workerRetryDelaysMs: workerConfigSchema.shape.WORKER_RETRY_DELAYS_MS.parse(
        options.env.WORKER_RETRY_DELAYS_MS,
      ),
      redisKeyPrefix: config.REDIS_KEY_PREFIX,
      ...options.identity,
    });
    const jwtFiles = {
      api: await writeWorkloadJwt(dir, 'api', privateKey),
      worker: await writeWorkloadJwt(dir, 'worker', privateKey),
    };
    return {
      url: double.url,
      rootToken: double.rootToken,
      double,
      leftovers,
      serviceEnv: (service) => ({
        VAULT_AUTH_METHOD: 'jwt',
        VAULT_ADDR: options.servicesAddress ?? double.url,
        VAULT_JWT_FILE: jwtFiles[service],
        VAULT_JWT_ROLE: SERVICE_VAULT_NAMES[service].jwtRole,
        // Its Vault-issued Redis user may touch its own keys only (F10).
        REDIS_KEY_PREFIX: redisKeyPrefixFor(service, config.REDIS_KEY_PREFIX),
        // The bootstrap declared the orders exchange; the leased users may not (F11).
        ORDERS_EXCHANGE_DECLARE: 'false',
        POSTGRES_HOST: PG_AUTH.host,
        POSTGRES_PORT: String(PG_AUTH.port),
      }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * A JWT shaped like Nomad's workload identity for the service's task, written where Nomad puts it
 * (`<dir>/<service>/secrets/nomad_token`). Returns the file's path.
 */
export async function writeWorkloadJwt(
  dir: string,
  service: Service,
  key: CryptoKey,
): Promise<string> {
  const jwt = await new SignJWT({
    nomad_namespace: 'default',
    nomad_job_id: SERVICE_VAULT_NAMES[service].nomadJobId,
    nomad_task: service,
    nomad_allocation_id: 'local',
  })
    .setProtectedHeader({ alg: 'RS256', kid: 'local-dev' })
    .setSubject(`global:default:${service}:${service}:${service}:default`)
    .setAudience('vault.io')
    .setIssuedAt()
    .setExpirationTime('7d')
    .sign(key);
  const secrets = join(dir, service, 'secrets');
  await mkdir(secrets, { recursive: true });
  const file = join(secrets, 'nomad_token');
  await writeFile(file, jwt, { mode: 0o600 });
  return file;
}
