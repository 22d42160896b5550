import { z } from 'zod';
import { JobSpecError } from './errors.js';
import type { HclDocument } from './hcl.js';
import { resolveVariables, variableDefaults } from './variables.js';

/*
 * The subset of the Nomad job specification that flowstack's rules read, typed with zod over the
 * hcl2json shape: a block is a list of bodies, a labelled block is `{ label: [body] }`. Unknown
 * attributes pass through untouched (the rules only look at what they know).
 */

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** An unlabelled block that may appear at most once. */
const block = <T extends z.ZodType>(schema: T) =>
  z
    .array(schema)
    .max(1, 'block may appear only once')
    .optional()
    .transform((bodies) => bodies?.[0]);

/** An unlabelled block that may repeat. */
const blocks = <T extends z.ZodType>(schema: T) => z.array(schema).default([]);

/** A labelled block (`group "api" { ... }`), as a list with the label as `name`. */
const labelled = <T extends z.ZodType>(schema: T) =>
  z
    .record(z.string(), z.array(schema))
    .default({})
    .transform((byLabel) =>
      Object.entries(byLabel).flatMap(([name, bodies]) =>
        bodies.map((body) => ({ name, ...(body as object) }) as { name: string } & z.output<T>),
      ),
    );

const vaultSchema = z.looseObject({
  role: z.string().optional(),
  policies: z.array(z.string()).optional(),
  change_mode: z.string().optional(),
  change_signal: z.string().optional(),
  env: z.boolean().optional(),
  allow_token_expiration: z.boolean().optional(),
});

const checkSchema = z.looseObject({
  name: z.string().optional(),
  type: z.string(),
  path: z.string().optional(),
  port: z.union([z.string(), z.number()]).optional(),
  expose: z.boolean().optional(),
  address_mode: z.string().optional(),
  interval: z.string().optional(),
  timeout: z.string().optional(),
  command: z.string().optional(),
  args: z.array(z.string()).optional(),
  task: z.string().optional(),
  check_restart: block(z.looseObject({ limit: z.number().optional() })),
});

const upstreamSchema = z.looseObject({
  destination_name: z.string(),
  local_bind_port: z.number(),
  local_bind_address: z.string().optional(),
});

const exposePathSchema = z.looseObject({
  path: z.string(),
  protocol: z.string().optional(),
  local_path_port: z.number(),
  listener_port: z.string(),
});

const connectSchema = z.looseObject({
  native: z.boolean().optional(),
  sidecar_service: block(
    z.looseObject({
      proxy: block(
        z.looseObject({
          upstreams: blocks(upstreamSchema),
          expose: block(z.looseObject({ path: blocks(exposePathSchema) })),
        }),
      ),
    }),
  ),
});

const serviceSchema = z.looseObject({
  name: z.string().optional(),
  port: z.union([z.string(), z.number()]).optional(),
  provider: z.string().optional(),
  address_mode: z.string().optional(),
  task: z.string().optional(),
  tags: z.array(z.string()).default([]),
  canary_tags: z.array(z.string()).default([]),
  meta: block(z.record(z.string(), scalar)),
  check: blocks(checkSchema),
  connect: block(connectSchema),
});

const templateSchema = z.looseObject({
  data: z.string().optional(),
  source: z.string().optional(),
  destination: z.string(),
  env: z.boolean().optional(),
  change_mode: z.string().optional(),
  change_signal: z.string().optional(),
  perms: z.string().optional(),
  uid: z.number().optional(),
  gid: z.number().optional(),
});

const taskSchema = z.looseObject({
  driver: z.string(),
  user: z.string().optional(),
  config: block(
    z.looseObject({
      image: z.string().optional(),
      command: z.string().optional(),
      entrypoint: z.array(z.string()).optional(),
      args: z.array(z.string()).optional(),
    }),
  ),
  consul: block(z.looseObject({})),
  env: block(z.record(z.string(), scalar)),
  template: blocks(templateSchema),
  vault: block(vaultSchema),
  kill_timeout: z.string().optional(),
  kill_signal: z.string().optional(),
  lifecycle: block(z.looseObject({ hook: z.string(), sidecar: z.boolean().optional() })),
  resources: block(
    z.looseObject({
      cpu: z.number().optional(),
      memory: z.number().optional(),
      memory_max: z.number().optional(),
    }),
  ),
  volume_mount: blocks(z.looseObject({ volume: z.string(), destination: z.string() })),
});

const portSchema = z.looseObject({ static: z.number().optional(), to: z.number().optional() });

/** constraint: attribute/operator/value, or the distinct_hosts / distinct_property shorthands. */
const constraintSchema = z.looseObject({
  attribute: z.string().optional(),
  operator: z.string().optional(),
  value: scalar.optional(),
  distinct_hosts: scalar.optional(),
  distinct_property: z.string().optional(),
});

const spreadSchema = z.looseObject({
  attribute: z.string(),
  weight: z.number().optional(),
});

const migrateSchema = z.looseObject({
  max_parallel: z.number().optional(),
  health_check: z.string().optional(),
});

/*
 * The scaling block and the Nomad Autoscaler policy inside it. Nomad stores `policy` opaquely;
 * its keys are the autoscaler's (hashicorp/nomad-autoscaler policy/nomad/validate.go), which
 * accepts any type and reports wrong ones, so these stay loose and the scaling rule reports them.
 */
const policyCheckSchema = z.looseObject({
  source: z.unknown().optional(),
  query: z.unknown().optional(),
  query_window: z.unknown().optional(),
  strategy: labelled(z.record(z.string(), z.unknown())),
});

const scalingSchema = z.looseObject({
  enabled: z.boolean().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  policy: block(
    z.looseObject({
      evaluation_interval: z.unknown().optional(),
      cooldown: z.unknown().optional(),
      check: labelled(policyCheckSchema),
    }),
  ),
});

const updateSchema = z.looseObject({
  max_parallel: z.number().optional(),
  canary: z.number().optional(),
  auto_revert: z.boolean().optional(),
  auto_promote: z.boolean().optional(),
  health_check: z.string().optional(),
  min_healthy_time: z.string().optional(),
  healthy_deadline: z.string().optional(),
  progress_deadline: z.string().optional(),
});

const groupSchema = z.looseObject({
  count: z.number().optional(),
  network: block(
    z.looseObject({
      mode: z.string().optional(),
      hostname: z.string().optional(),
      port: labelled(portSchema),
    }),
  ),
  service: blocks(serviceSchema),
  task: labelled(taskSchema),
  volume: labelled(
    z.looseObject({
      type: z.string(),
      source: z.string(),
      read_only: z.boolean().optional(),
      sticky: z.boolean().optional(),
      per_alloc: z.boolean().optional(),
      access_mode: z.string().optional(),
    }),
  ),
  update: block(updateSchema),
  migrate: block(migrateSchema),
  constraint: blocks(constraintSchema),
  spread: blocks(spreadSchema),
  scaling: block(scalingSchema),
  restart: block(z.looseObject({ mode: z.string().optional(), attempts: z.number().optional() })),
  reschedule: block(
    z.looseObject({ attempts: z.number().optional(), unlimited: z.boolean().optional() }),
  ),
  consul: block(z.looseObject({})),
  vault: block(vaultSchema),
  shutdown_delay: z.string().optional(),
});

const jobSchema = z.looseObject({
  type: z.string().default('service'),
  datacenters: z.array(z.string()).optional(),
  update: block(updateSchema),
  migrate: block(migrateSchema),
  constraint: blocks(constraintSchema),
  spread: blocks(spreadSchema),
  vault: block(vaultSchema),
  group: labelled(groupSchema),
});

const fileSchema = z.looseObject({ job: labelled(jobSchema) });

export type Job = { name: string } & z.output<typeof jobSchema>;
export type Group = Job['group'][number];
export type Task = Group['task'][number];
export type Service = Group['service'][number];
export type Check = Service['check'][number];
export type Template = Task['template'][number];
export type VaultBlock = z.output<typeof vaultSchema>;
export type Update = z.output<typeof updateSchema>;
export type Constraint = z.output<typeof constraintSchema>;
export type Scaling = z.output<typeof scalingSchema>;

/** A parsed job file: the job with variables resolved to their defaults. */
export interface JobFile {
  file: string;
  job: Job;
}

export function toJobFile(file: string, document: HclDocument): JobFile {
  const resolved = resolveVariables(file, document, variableDefaults(file, document));
  const parsed = fileSchema.safeParse(resolved);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    throw new JobSpecError(file, `not a job this model understands: ${problems}`);
  }
  const jobs = parsed.data.job;
  if (jobs.length !== 1) throw new JobSpecError(file, `expected one job, found ${jobs.length}`);
  return { file, job: jobs[0]! };
}

/** The vault block in force for a task: task, then group, then job (Nomad merges them). */
export function vaultFor(job: Job, group: Group, task: Task): VaultBlock | undefined {
  return task.vault ?? group.vault ?? job.vault;
}

/** The update block in force for a group. */
export function updateFor(job: Job, group: Group): Update | undefined {
  if (!job.update && !group.update) return undefined;
  return { ...job.update, ...group.update };
}

/** The migrate block in force for a group (group fields over the job's). */
export function migrateFor(job: Job, group: Group): z.output<typeof migrateSchema> | undefined {
  if (!job.migrate && !group.migrate) return undefined;
  return { ...job.migrate, ...group.migrate };
}

/** Constraints and spreads that apply to a group: the job's and its own. */
export function placementFor(
  job: Job,
  group: Group,
): { constraints: Constraint[]; spreads: string[] } {
  return {
    constraints: [...job.constraint, ...group.constraint],
    spreads: [...job.spread, ...group.spread].map((spread) => spread.attribute),
  };
}

/** Whether a distinct_hosts constraint (either spelling) applies to the group. */
export function hasDistinctHosts(job: Job, group: Group): boolean {
  return placementFor(job, group).constraints.some(
    (constraint) =>
      String(constraint.distinct_hosts) === 'true' ||
      (constraint.operator === 'distinct_hosts' && String(constraint.value ?? 'true') === 'true'),
  );
}

/** The long-running main tasks of a group (not prestart/poststop hooks). */
export function mainTasks(group: Group): Task[] {
  return group.task.filter(
    (task) => task.lifecycle === undefined || task.lifecycle.sidecar === true,
  );
}
