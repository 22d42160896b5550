import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BootstrapError } from './bootstrap-error.js';
import {
  DEFAULTS,
  parsePostgresUrl,
  parseRabbitmqUrl,
  parseRedisUrl,
  type BootstrapOptions,
  type JwtKeys,
} from './bootstrap-options.js';
import { DEFAULT_WORKLOAD_NAMESPACES, RESERVED_NAMESPACES } from './workload-roles.js';
import { LDAP_DEFAULTS } from './identity-settings.js';

export const USAGE = `usage: VAULT_TOKEN=... npm run infra:vault -- --address URL [options]

Secrets come from the environment, never from the command line (argv is readable by every user
of the host in /proc/<pid>/cmdline and in ps):
  VAULT_TOKEN                    a root or sudo-capable token (--token TOKEN still works, not advised)
  VAULT_BOOTSTRAP_POSTGRES_URL   postgresql://admin:password@host:port/db  (database engine, PostgreSQL)
  VAULT_BOOTSTRAP_REDIS_URL      redis://user:password@host:port           (database engine, Redis)
  VAULT_BOOTSTRAP_RABBITMQ_URL   http://admin:password@host:15672          (RabbitMQ engine)
  (--postgres-url, --redis and --rabbitmq-management-url are still accepted.)

  --address URL                  Vault address (default: $VAULT_ADDR)
  --nomad-jwks-url URL           Nomad's JWKS, e.g. https://nomad.service.consul:4646/.well-known/jwks.json
  --nomad-jwks-ca-file FILE      PEM CA of a TLS Nomad, written as jwks_ca_pem (with --nomad-jwks-url)
  --jwt-public-key-file FILE     PEM public key(s) instead of a JWKS (repeatable)
  --nomad-namespace NAME         Nomad namespace of flowstack's jobs; every role is bound to it (default ${DEFAULTS.nomadNamespace})
  --workload-namespace NAME      namespace whose jobs may use the default role (repeatable; default ${DEFAULT_WORKLOAD_NAMESPACES.join(', ')})
  --ldap-url URL                 humans through LDAP, e.g. ldap://ldap.example.com:389 (auth/ldap)
  --ldap-userdn DN               base DN of people (default ${LDAP_DEFAULTS.userdn})
  --ldap-groupdn DN              base DN of groups (default ${LDAP_DEFAULTS.groupdn})
  --ldap-userattr ATTR           (default ${LDAP_DEFAULTS.userattr})
  --ldap-operators-group NAME    directory group mapped to policy admin (default ${LDAP_DEFAULTS.operatorsGroup})
  --credential-ttl DURATION      dynamic credential TTL (default ${DEFAULTS.credentialTtl})
  --credential-max-ttl DURATION  dynamic credential max TTL (default ${DEFAULTS.credentialMaxTtl})
  --audit-file PATH              file audit device path on the Vault server (default ${DEFAULTS.auditFilePath});
  --audit-second-file PATH       target of the second audit device, file-2/ (default stdout)
  --pki-base-url URL             address clients reach Vault at, for the PKI AIA/CRL URLs (default: --address)
  --rabbitmq-vhost NAME          (default ${DEFAULTS.rabbitmqVhost})
  --orders-exchange NAME         (default ${DEFAULTS.ordersExchange})
  --orders-queue NAME            (default ${DEFAULTS.ordersQueue})
  --worker-retry-delays-ms LIST  the worker's WORKER_RETRY_DELAYS_MS: the retry queues its user may declare (default: the worker's)
  --redis-key-prefix PREFIX      (default ${DEFAULTS.redisKeyPrefix})
  --json                         print the report as JSON
`;

export interface CliCommand {
  options: BootstrapOptions;
  json: boolean;
  /** Things the operator should hear about (never a secret). */
  warnings: string[];
}

function parseDelays(text: string): number[] {
  const delays = text.split(',').map((part) => Number(part.trim()));
  if (delays.some((delay) => !Number.isInteger(delay) || delay < 0)) {
    throw new BootstrapError(
      `--worker-retry-delays-ms ${text}: expected comma-separated non-negative integers`,
    );
  }
  return delays;
}

function readPem(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new BootstrapError(`${what} ${file}: ${(error as Error).message}`);
  }
}

/** Turns argv and the environment into bootstrap options; throws BootstrapError on misuse. */
export function parseCliArgs(argv: readonly string[], env: NodeJS.ProcessEnv): CliCommand {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        address: { type: 'string' },
        token: { type: 'string' },
        'postgres-url': { type: 'string' },
        redis: { type: 'string' },
        'rabbitmq-management-url': { type: 'string' },
        'nomad-jwks-url': { type: 'string' },
        'nomad-jwks-ca-file': { type: 'string' },
        'jwt-public-key-file': { type: 'string', multiple: true },
        'nomad-namespace': { type: 'string', default: DEFAULTS.nomadNamespace },
        'workload-namespace': { type: 'string', multiple: true },
        'ldap-url': { type: 'string' },
        'ldap-userdn': { type: 'string', default: LDAP_DEFAULTS.userdn },
        'ldap-groupdn': { type: 'string', default: LDAP_DEFAULTS.groupdn },
        'ldap-userattr': { type: 'string', default: LDAP_DEFAULTS.userattr },
        'ldap-operators-group': { type: 'string', default: LDAP_DEFAULTS.operatorsGroup },
        'credential-ttl': { type: 'string', default: DEFAULTS.credentialTtl },
        'credential-max-ttl': { type: 'string', default: DEFAULTS.credentialMaxTtl },
        'audit-file': { type: 'string', default: DEFAULTS.auditFilePath },
        'audit-second-file': { type: 'string', default: 'stdout' },
        'pki-base-url': { type: 'string' },
        'rabbitmq-vhost': { type: 'string', default: DEFAULTS.rabbitmqVhost },
        'orders-exchange': { type: 'string', default: DEFAULTS.ordersExchange },
        'orders-queue': { type: 'string', default: DEFAULTS.ordersQueue },
        'worker-retry-delays-ms': { type: 'string' },
        'redis-key-prefix': { type: 'string', default: DEFAULTS.redisKeyPrefix },
        json: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw new BootstrapError(`${(error as Error).message}\n\n${USAGE}`);
  }
  const warnings: string[] = [];
  const address = values.address ?? env['VAULT_ADDR'];
  const token = values.token ?? env['VAULT_TOKEN'];
  if (!address || !token) {
    throw new BootstrapError(`--address (or VAULT_ADDR) and VAULT_TOKEN are required\n\n${USAGE}`);
  }
  if (values.token !== undefined) {
    warnings.push('--token puts the token on the command line (visible in ps): set VAULT_TOKEN');
  }
  const keyFiles = values['jwt-public-key-file'] ?? [];
  const jwksUrl = values['nomad-jwks-url'];
  const caFile = values['nomad-jwks-ca-file'];
  if (jwksUrl !== undefined && keyFiles.length > 0) {
    throw new BootstrapError('use either --nomad-jwks-url or --jwt-public-key-file, not both');
  }
  if (caFile !== undefined && jwksUrl === undefined) {
    throw new BootstrapError('--nomad-jwks-ca-file needs --nomad-jwks-url');
  }
  let jwt: JwtKeys | undefined;
  if (jwksUrl !== undefined) {
    const caPem = caFile === undefined ? undefined : readPem(caFile, '--nomad-jwks-ca-file');
    if (caPem !== undefined && !caPem.includes('-----BEGIN CERTIFICATE-----')) {
      throw new BootstrapError(`--nomad-jwks-ca-file ${caFile} holds no PEM certificate`);
    }
    jwt = { jwksUrl, ...(caPem === undefined ? {} : { caPem }) };
  } else if (keyFiles.length > 0) {
    jwt = { publicKeys: keyFiles.map((file) => readPem(file, '--jwt-public-key-file')) };
  }
  if (values['audit-file'] === values['audit-second-file']) {
    throw new BootstrapError(
      '--audit-file and --audit-second-file must differ (two devices, two targets)',
    );
  }
  const namespace = values['nomad-namespace'];
  const workloadNamespaces = values['workload-namespace'] ?? [...DEFAULT_WORKLOAD_NAMESPACES];
  for (const name of [namespace, ...workloadNamespaces]) {
    if (RESERVED_NAMESPACES.includes(name)) {
      throw new BootstrapError(
        `Nomad namespace "${name}" is reserved: the default role's template kv/data/<namespace>/<job>/* would reach flowstack's own secrets at kv/data/${name}/`,
      );
    }
  }
  const fromEnvOrFlag = (flag: string | undefined, name: string, flagName: string) => {
    if (flag !== undefined) {
      warnings.push(`${flagName} puts a password on the command line (visible in ps): set ${name}`);
      return flag;
    }
    const value = env[name];
    return value === undefined || value === '' ? undefined : value;
  };
  const pgUrl = fromEnvOrFlag(
    values['postgres-url'],
    'VAULT_BOOTSTRAP_POSTGRES_URL',
    '--postgres-url',
  );
  const redisUrl = fromEnvOrFlag(values.redis, 'VAULT_BOOTSTRAP_REDIS_URL', '--redis');
  const mqUrl = fromEnvOrFlag(
    values['rabbitmq-management-url'],
    'VAULT_BOOTSTRAP_RABBITMQ_URL',
    '--rabbitmq-management-url',
  );
  const ldapUrl = values['ldap-url'];
  return {
    json: values.json,
    warnings,
    options: {
      address,
      token,
      ...(pgUrl === undefined ? {} : { postgres: parsePostgresUrl(pgUrl) }),
      ...(redisUrl === undefined ? {} : { redis: parseRedisUrl(redisUrl) }),
      ...(mqUrl === undefined ? {} : { rabbitmq: parseRabbitmqUrl(mqUrl) }),
      ...(jwt === undefined ? {} : { jwt }),
      ...(ldapUrl === undefined
        ? {}
        : {
            ldap: {
              ...LDAP_DEFAULTS,
              url: ldapUrl,
              userdn: values['ldap-userdn'],
              groupdn: values['ldap-groupdn'],
              userattr: values['ldap-userattr'],
              operatorsGroup: values['ldap-operators-group'],
            },
          }),
      credentialTtl: values['credential-ttl'],
      credentialMaxTtl: values['credential-max-ttl'],
      auditFilePath: values['audit-file'],
      auditSecondPath: values['audit-second-file'],
      nomadNamespace: namespace,
      workloadNamespaces,
      pkiBaseUrl: (values['pki-base-url'] ?? address).replace(/\/+$/, ''),
      rabbitmqVhost: values['rabbitmq-vhost'],
      ordersExchange: values['orders-exchange'],
      ordersQueue: values['orders-queue'],
      ...(values['worker-retry-delays-ms'] === undefined
        ? {}
        : { workerRetryDelaysMs: parseDelays(values['worker-retry-delays-ms']) }),
      redisKeyPrefix: values['redis-key-prefix'],
    },
  };
}
