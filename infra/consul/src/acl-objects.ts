/**
 * The Consul ACL objects Nomad workload identity needs, as pure data: what `nomad setup consul`
 * creates (hashicorp/nomad `command/setup_consul.go` and `command/asset/consul-wi-default-*`),
 * plus flowstack's own bindings. The bootstrap writes them; the job validator (rule
 * consul-bindings) and the tests read the same objects.
 */

export const AUTH_METHOD_NAME = 'nomad-workloads';
/** Nomad's `consul.service_identity` / `task_identity` audience (setup_consul.go `consulAud`). */
export const CONSUL_AUDIENCE = 'consul.io';
export const TASKS_POLICY = 'policy-nomad-tasks';

export interface DesiredAuthMethod {
  Name: string;
  Type: 'jwt';
  DisplayName: string;
  Description: string;
  TokenLocality: 'local';
  Config: Record<string, unknown>;
}

export interface DesiredBindingRule {
  Description: string;
  AuthMethod: string;
  BindType: 'service' | 'role';
  BindName: string;
  Selector: string;
}

export interface DesiredRole {
  Name: string;
  Description: string;
  /** Policy names (policies/<name>.hcl). */
  Policies: string[];
  ServiceIdentities: string[];
}

export interface AclObjectOptions {
  jwksUrl: string;
  /** PEM of the CA that signed a TLS Nomad's HTTP certificate. */
  jwksCaPem?: string;
  /** The Nomad namespace flowstack's jobs run in. */
  nomadNamespace: string;
}

/** The method's Config as setup_consul.go `renderAuthMethod` builds it from the asset. */
export function authMethod(options: AclObjectOptions): DesiredAuthMethod {
  return {
    Name: AUTH_METHOD_NAME,
    Type: 'jwt',
    DisplayName: AUTH_METHOD_NAME,
    Description: 'Login method for Nomad workloads using workload identities',
    TokenLocality: 'local',
    Config: {
      JWKSURL: options.jwksUrl,
      ...(options.jwksCaPem === undefined ? {} : { JWKSCACert: options.jwksCaPem }),
      JWTSupportedAlgs: ['RS256'],
      BoundAudiences: [CONSUL_AUDIENCE],
      ClaimMappings: {
        consul_namespace: 'consul_namespace',
        nomad_namespace: 'nomad_namespace',
        nomad_job_id: 'nomad_job_id',
        nomad_task: 'nomad_task',
        nomad_service: 'nomad_service',
      },
    },
  };
}

/** A task identity (no `nomad_service` claim) of one job in flowstack's namespace. */
export function taskOfJob(namespace: string, jobId: string): string {
  return `"nomad_service" not in value and value.nomad_namespace == "${namespace}" and value.nomad_job_id == "${jobId}"`;
}

/** flowstack jobs whose task identity gets a role of its own: job id -> role name. */
export const TASK_ROLES = {
  traefik: 'flowstack-traefik',
  api: 'flowstack-api',
  worker: 'flowstack-worker',
} as const;

/**
 * Binding rules. The first two are setup_consul.go's, byte for byte: a service identity per
 * Nomad service, and the role `nomad-<namespace>-tasks` for every task. Consul applies every
 * rule whose selector matches (agent/consul/acl.go `evaluateRoleBindings`), so a flowstack task
 * gets its own role on top of the tasks role.
 */
export function bindingRules(options: AclObjectOptions): DesiredBindingRule[] {
  return [
    {
      Description: 'Binding rule for Nomad services authenticated using a workload identity',
      AuthMethod: AUTH_METHOD_NAME,
      BindType: 'service',
      BindName: '${value.nomad_service}',
      Selector: '"nomad_service" in value',
    },
    {
      Description: 'Binding rule for Nomad tasks authenticated using a workload identity',
      AuthMethod: AUTH_METHOD_NAME,
      BindType: 'role',
      BindName: 'nomad-${value.nomad_namespace}-tasks',
      Selector: '"nomad_service" not in value',
    },
    ...Object.entries(TASK_ROLES).map(([job, role]) => ({
      Description: `flowstack: the ${job} job's task identity gets role ${role}`,
      AuthMethod: AUTH_METHOD_NAME,
      BindType: 'role' as const,
      BindName: role,
      Selector: taskOfJob(options.nomadNamespace, job),
    })),
  ];
}

/**
 * Roles. `nomad-<namespace>-tasks` is what the tasks rule names (setup_consul.go creates
 * `nomad-default-tasks`). Traefik's Consul Connect-native provider asks the agent for the
 * traefik leaf certificate and registers nothing else; the leaf needs service:write on
 * `traefik` (Consul `agent/agent_endpoint.go` AgentConnectCALeafCert), which a service identity
 * gives (`agent/structs/acl.go`, `aclServiceIdentityTemplate`). api and worker get their
 * policies (policies/flowstack-*.hcl): their own service and their live-config keys.
 */
export function roles(options: AclObjectOptions): DesiredRole[] {
  return [
    {
      Name: `nomad-${options.nomadNamespace}-tasks`,
      Description: 'Role for Nomad tasks using workload identities',
      Policies: [TASKS_POLICY],
      ServiceIdentities: [],
    },
    {
      Name: TASK_ROLES.traefik,
      Description: "flowstack: Traefik's task token may write (get a leaf for) the traefik service",
      Policies: [],
      ServiceIdentities: ['traefik'],
    },
    {
      Name: TASK_ROLES.api,
      Description: 'flowstack: the api task (its service, flowstack/config/api/)',
      Policies: ['flowstack-api'],
      ServiceIdentities: [],
    },
    {
      Name: TASK_ROLES.worker,
      Description: 'flowstack: the worker task (its service, flowstack/config/worker/)',
      Policies: ['flowstack-worker'],
      ServiceIdentities: [],
    },
  ];
}
