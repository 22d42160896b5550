import {
  redisKeyPrefixFor,
  SERVICE_VAULT_NAMES,
  VAULT_NAMES,
  type VaultService,
} from '@flowstack/vault/paths';
import { workerConfigSchema } from '@flowstack/worker/config';
import { deadLetterQueueName, movesExchangeName, retryQueueName } from '@flowstack/queue/topology';
import type { BootstrapOptions } from './bootstrap-options.js';
import type { DesiredSettings, FieldRule } from './settings-compare.js';
import { DEFAULT_ROLE, type WorkloadRole } from './workload-roles.js';

/**
 * What each Vault object should hold, as pure data built from the options: the bootstrap writes
 * these bodies and compares them with what Vault reports.
 */

/** PostgreSQL group roles: objects belong to them, never to a short-lived user. */
export const POSTGRES_GROUPS = {
  api: 'flowstack_readonly',
  worker: 'flowstack_readwrite',
} as const satisfies Record<VaultService, string>;

const duration: FieldRule = { kind: 'duration' };
const set: FieldRule = { kind: 'set' };
const list: FieldRule = { kind: 'list' };
const json: FieldRule = { kind: 'json' };

/** Nomad's task claims copied into the entity alias metadata (templated policies use them). */
const CLAIM_MAPPINGS = {
  nomad_namespace: 'nomad_namespace',
  nomad_job_id: 'nomad_job_id',
  nomad_task: 'nomad_task',
};

function claimsAsLists(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : [String(v)]]),
  );
}

const JWT_ROLE_RULES: Record<string, FieldRule> = {
  bound_audiences: set,
  token_policies: set,
  token_period: duration,
  token_explicit_max_ttl: duration,
  claim_mappings: json,
  // Vault may report a single bound value as a one-element list.
  bound_claims: { kind: 'json', normalize: claimsAsLists },
  // A role with token_type "default" issues service tokens unless the mount says otherwise.
  token_type: { kind: 'value', equivalents: ['default'] },
};

/** The fields every role shares with `nomad setup vault`'s asset (command/asset/vault-wi-default-role.json). */
function jwtRoleBase(): Record<string, unknown> {
  return {
    role_type: 'jwt',
    bound_audiences: [VAULT_NAMES.jwtAudience],
    user_claim: '/nomad_job_id',
    user_claim_json_pointer: true,
    claim_mappings: CLAIM_MAPPINGS,
    token_type: 'service',
    token_period: '30m',
    // 0 so that Nomad can renew the periodic token for as long as the task runs.
    token_explicit_max_ttl: 0,
  };
}

/**
 * The default role: Nomad's templated policy, open to the listed namespaces only (the template
 * confines each job to kv/data/<namespace>/<job>/*; see workload-roles.ts for why the namespace
 * is bound too).
 */
export function nomadWorkloadsRole(namespaces: readonly string[]): DesiredSettings {
  return {
    values: {
      ...jwtRoleBase(),
      bound_claims: { nomad_namespace: [...namespaces] },
      token_policies: [DEFAULT_ROLE.policy],
    },
    rules: JWT_ROLE_RULES,
  };
}

/** A flowstack role: bound on namespace, job and task, with only its own policy. */
export function workloadJwtRole(role: WorkloadRole, namespace: string): DesiredSettings {
  return {
    values: {
      ...jwtRoleBase(),
      bound_claims: {
        nomad_namespace: [namespace],
        nomad_job_id: [role.nomadJobId],
        nomad_task: [role.nomadTask],
      },
      token_policies: [role.name],
      // Its policy lists renew-self and lookup-self, so the token needs nothing from `default`.
      token_no_default_policy: true,
    },
    rules: JWT_ROLE_RULES,
  };
}

/**
 * `jwks_ca_pem` is the CA Vault trusts when it fetches the JWKS (vault-plugin-auth-jwt
 * `path_config.go`, `createCAContext`): a TLS Nomad signs its HTTP listener with a private CA, and
 * Vault test-fetches the keyset when the config is written ("error checking jwks URL").
 */
export function jwtConfig(keys: NonNullable<BootstrapOptions['jwt']>): DesiredSettings {
  return {
    values: {
      ...('jwksUrl' in keys
        ? {
            jwks_url: keys.jwksUrl,
            ...(keys.caPem === undefined ? {} : { jwks_ca_pem: keys.caPem }),
          }
        : { jwt_validation_pubkeys: keys.publicKeys }),
      jwt_supported_algs: ['EdDSA', 'RS256'],
      default_role: VAULT_NAMES.defaultJwtRole,
    },
    rules: {
      jwt_validation_pubkeys: { kind: 'list' },
      // An empty list means "every algorithm" and is what servers that ignore the field report.
      jwt_supported_algs: { kind: 'set', unreported: (v) => Array.isArray(v) && v.length === 0 },
    },
  };
}

export function postgresConnection(connection: {
  connectionUrl: string;
  username: string;
  password: string;
}): DesiredSettings {
  return {
    values: {
      plugin_name: 'postgresql-database-plugin',
      connection_url: connection.connectionUrl,
      username: connection.username,
      password: connection.password,
      password_authentication: 'scram-sha-256',
      allowed_roles: [
        SERVICE_VAULT_NAMES.api.postgresRole,
        SERVICE_VAULT_NAMES.worker.postgresRole,
      ],
      verify_connection: true,
    },
    rules: { allowed_roles: set },
    writeOnly: ['password', 'verify_connection'],
  };
}

export function postgresRole(service: VaultService, options: BootstrapOptions): DesiredSettings {
  const group = POSTGRES_GROUPS[service];
  const creation = [
    `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' IN ROLE "${group}";`,
  ];
  // Whatever the worker creates (it writes) is owned by the group from the first statement on.
  if (service === 'worker') creation.push(`ALTER ROLE "{{name}}" SET role = '${group}';`);
  return {
    values: {
      db_name: VAULT_NAMES.postgresConnection,
      creation_statements: creation,
      revocation_statements: [
        `REVOKE "${group}" FROM "{{name}}";`,
        'DROP ROLE IF EXISTS "{{name}}";',
      ],
      default_ttl: options.credentialTtl,
      max_ttl: options.credentialMaxTtl,
    },
    rules: {
      creation_statements: list,
      revocation_statements: list,
      default_ttl: duration,
      max_ttl: duration,
    },
  };
}

export function redisConnection(redis: NonNullable<BootstrapOptions['redis']>): DesiredSettings {
  return {
    values: {
      plugin_name: 'redis-database-plugin',
      host: redis.host,
      port: redis.port,
      username: redis.username,
      password: redis.password,
      tls: false,
      allowed_roles: [SERVICE_VAULT_NAMES.api.redisRole, SERVICE_VAULT_NAMES.worker.redisRole],
      verify_connection: true,
    },
    rules: { allowed_roles: set },
    writeOnly: ['password', 'verify_connection'],
  };
}

/**
 * Redis ACL rules of a service's dynamic user: its own key prefix (`<base><service>:`, never the
 * other's: F10, the worker could plant catalog entries the api served and priced orders by) and
 * the commands @flowstack/cache sends (GET, SET with EX/NX/GET, DEL, PING; ioredis adds CLIENT
 * SETNAME and the INFO ready check). Only the api runs the in-process tier, so only it may
 * publish and subscribe, on its own invalidation channel.
 */
export function redisAclRules(service: VaultService, options: BootstrapOptions): string[] {
  const prefix = redisKeyPrefixFor(service, options.redisKeyPrefix);
  const rules = [`~${prefix}*`, '+get', '+set', '+del', '+ping', '+info', '+client|setname'];
  if (service === 'api') rules.push('+publish', '+subscribe', `&${prefix}invalidate`);
  return rules;
}

export function redisRole(service: VaultService, options: BootstrapOptions): DesiredSettings {
  return {
    values: {
      db_name: VAULT_NAMES.redisConnection,
      creation_statements: [JSON.stringify(redisAclRules(service, options))],
      default_ttl: options.credentialTtl,
      max_ttl: options.credentialMaxTtl,
    },
    rules: { creation_statements: list, default_ttl: duration, max_ttl: duration },
  };
}

export function rabbitmqConnection(
  rabbitmq: NonNullable<BootstrapOptions['rabbitmq']>,
): DesiredSettings {
  return {
    values: {
      connection_uri: rabbitmq.managementUrl,
      username: rabbitmq.username,
      password: rabbitmq.password,
      verify_connection: true,
    },
    writeOnly: ['password', 'verify_connection'],
  };
}

export function rabbitmqLease(options: BootstrapOptions): DesiredSettings {
  return {
    values: { ttl: options.credentialTtl, max_ttl: options.credentialMaxTtl },
    rules: { ttl: duration, max_ttl: duration },
  };
}

const quote = (name: string): string => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The worker's default retry delays, when the bootstrap is not told the deployed ones. */
const DEFAULT_RETRY_DELAYS_MS: readonly number[] =
  workerConfigSchema.shape.WORKER_RETRY_DELAYS_MS.parse(undefined);

/**
 * RabbitMQ permission regexes per service, exactly what the code needs, as rabbit_channel.erl
 * checks them (deps/rabbit/src): a passive `exchange.declare` or `queue.declare` needs nothing;
 * `queue.declare` needs configure on the queue and, for a new queue with a dead-letter exchange,
 * read on the queue and write on that exchange; `queue.bind` needs write on the queue and read on
 * the exchange; `basic.publish` needs write on the exchange (on `amq.default` for ""); `basic.consume`
 * and `basic.get` need read on the queue. Configure also allows deleting, so no service has it on
 * the orders exchange (the bootstrap declares it); the worker's copies go through its own
 * `<queue>.moves` exchange, never through `amq.default`, which would reach every queue.
 */
export function rabbitmqPermissions(
  service: VaultService,
  options: BootstrapOptions,
): { configure: string; write: string; read: string } {
  const exchange = quote(options.ordersExchange);
  if (service === 'api') {
    // Checks the exchange passively and publishes to it; declares and reads nothing.
    return { configure: '', write: `^${exchange}$`, read: '' };
  }
  const queue = options.ordersQueue;
  const delays = [...new Set(options.workerRetryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS)].filter(
    (delay) => delay > 0,
  );
  const own = [
    queue,
    deadLetterQueueName(queue),
    movesExchangeName(queue),
    ...delays.map((delay) => retryQueueName(queue, delay)),
  ]
    .map(quote)
    .join('|');
  return {
    // Its queues and the moves exchange (assertConsumerTopology in @flowstack/queue): declaring
    // them also lets it delete them, which costs only itself.
    configure: `^(${own})$`,
    // Binding its queues (to the orders and the moves exchange) and publishing copies to moves.
    write: `^(${own})$`,
    // Binding from the orders exchange and from moves, consuming, replaying dead letters, and
    // declaring a retry queue whose dead-letter exchange is moves.
    read: `^(${exchange}|${own})$`,
  };
}

export function rabbitmqRole(service: VaultService, options: BootstrapOptions): DesiredSettings {
  return {
    values: {
      tags: '',
      vhosts: JSON.stringify({ [options.rabbitmqVhost]: rabbitmqPermissions(service, options) }),
    },
    rules: { vhosts: json },
  };
}

/**
 * The api's PKI role: certificates for its own name and nothing else (no other service, no
 * wildcard), server use only. `localhost` and IP SANs stay allowed because the local stack and
 * its clients reach the api by 127.0.0.1 and verify the name; Vault PKI roles cannot restrict
 * which IPs (only whether any may be asked for).
 */
export function pkiRole(): DesiredSettings {
  return {
    values: {
      allowed_domains: [VAULT_NAMES.apiCertificateName],
      allow_subdomains: false,
      allow_glob_domains: false,
      allow_bare_domains: true,
      allow_localhost: true,
      allow_ip_sans: true,
      server_flag: true,
      client_flag: false,
      key_type: 'ec',
      key_bits: 256,
      ttl: '72h',
      max_ttl: '720h',
    },
    rules: { allowed_domains: set, ttl: duration, max_ttl: duration },
  };
}
