import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BootstrapError } from './bootstrap-error.js';
import {
  DEFAULTS,
  parsePostgresUrl,
  parseRabbitmqUrl,
  parseRedisUrl,
  type BootstrapOptions,
} from './bootstrap-options.js';
import { LDAP_DEFAULTS } from './identity-settings.js';

export const USAGE = `usage: npm run infra:vault -- --address URL --token TOKEN [options]

  --address URL                  Vault address (default: $VAULT_ADDR)
  --token TOKEN                  a root or sudo-capable token (default: $VAULT_TOKEN)
  --postgres-url URL             postgresql://admin:password@host:port/db  (database engine, PostgreSQL)
  --redis URL                    redis://user:password@host:port           (database engine, Redis)
  --rabbitmq-management-url URL  http://admin:password@host:15672          (RabbitMQ engine)
  --nomad-jwks-url URL           Nomad's JWKS, e.g. http://nomad.service.consul:4646/.well-known/jwks.json
  --jwt-public-key-file FILE     PEM public key(s) instead of a JWKS (repeatable)
  --ldap-url URL                 humans through LDAP, e.g. ldap://ldap.example.com:389 (auth/ldap)
  --ldap-userdn DN               base DN of people (default ${LDAP_DEFAULTS.userdn})
  --ldap-groupdn DN              base DN of groups (default ${LDAP_DEFAULTS.groupdn})
  --ldap-userattr ATTR           (default ${LDAP_DEFAULTS.userattr})
  --ldap-operators-group NAME    directory group mapped to policy admin (default ${LDAP_DEFAULTS.operatorsGroup})
  --credential-ttl DURATION      dynamic credential TTL (default ${DEFAULTS.credentialTtl})
  --credential-max-ttl DURATION  dynamic credential max TTL (default ${DEFAULTS.credentialMaxTtl})
  --audit-file PATH              file audit device path on the Vault server (default ${DEFAULTS.auditFilePath})
  --rabbitmq-vhost NAME          (default ${DEFAULTS.rabbitmqVhost})
  --orders-exchange NAME         (default ${DEFAULTS.ordersExchange})
  --orders-queue NAME            (default ${DEFAULTS.ordersQueue})
  --redis-key-prefix PREFIX      (default ${DEFAULTS.redisKeyPrefix})
  --json                         print the report as JSON
`;

export interface CliCommand {
  options: BootstrapOptions;
  json: boolean;
}

/** Turns argv (and VAULT_ADDR/VAULT_TOKEN) into bootstrap options; throws BootstrapError on misuse. */
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
        'jwt-public-key-file': { type: 'string', multiple: true },
        'ldap-url': { type: 'string' },
        'ldap-userdn': { type: 'string', default: LDAP_DEFAULTS.userdn },
        'ldap-groupdn': { type: 'string', default: LDAP_DEFAULTS.groupdn },
        'ldap-userattr': { type: 'string', default: LDAP_DEFAULTS.userattr },
        'ldap-operators-group': { type: 'string', default: LDAP_DEFAULTS.operatorsGroup },
        'credential-ttl': { type: 'string', default: DEFAULTS.credentialTtl },
        'credential-max-ttl': { type: 'string', default: DEFAULTS.credentialMaxTtl },
        'audit-file': { type: 'string', default: DEFAULTS.auditFilePath },
        'rabbitmq-vhost': { type: 'string', default: DEFAULTS.rabbitmqVhost },
        'orders-exchange': { type: 'string', default: DEFAULTS.ordersExchange },
        'orders-queue': { type: 'string', default: DEFAULTS.ordersQueue },
        'redis-key-prefix': { type: 'string', default: DEFAULTS.redisKeyPrefix },
        json: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw new BootstrapError(`${(error as Error).message}\n\n${USAGE}`);
  }
  const address = values.address ?? env['VAULT_ADDR'];
  const token = values.token ?? env['VAULT_TOKEN'];
  if (!address || !token)
    throw new BootstrapError(`--address and --token are required\n\n${USAGE}`);
  const keyFiles = values['jwt-public-key-file'] ?? [];
  if (values['nomad-jwks-url'] !== undefined && keyFiles.length > 0) {
    throw new BootstrapError('use either --nomad-jwks-url or --jwt-public-key-file, not both');
  }
  const jwt =
    values['nomad-jwks-url'] !== undefined
      ? { jwksUrl: values['nomad-jwks-url'] }
      : keyFiles.length > 0
        ? { publicKeys: keyFiles.map((file) => readFileSync(file, 'utf8').trim()) }
        : undefined;
  const ldapUrl = values['ldap-url'];
  const pgUrl = values['postgres-url'];
  const redisUrl = values.redis;
  const mqUrl = values['rabbitmq-management-url'];
  return {
    json: values.json,
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
      rabbitmqVhost: values['rabbitmq-vhost'],
      ordersExchange: values['orders-exchange'],
      ordersQueue: values['orders-queue'],
      redisKeyPrefix: values['redis-key-prefix'],
    },
  };
}
