import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { assertValidName, nameForms } from './project-name.js';
import { currentProjectName } from './rename-project.js';
import {
  CONFIG_TABLE,
  renderWorkerService,
  serviceNames,
  type ServiceNames,
} from './service-template.js';
import { TemplateError } from './template-error.js';

/** Names the stack already uses for its own processes and data services. */
const TAKEN = new Set([
  'api',
  'worker',
  'migrate',
  'postgres',
  'redis',
  'rabbitmq',
  'vault',
  'consul',
  'traefik',
]);

export interface ScaffoldResult {
  created: string[];
  edited: string[];
}

/**
 * Scaffolds services/<name> from templates/worker-service (package, Dockerfile, entry point,
 * its own config schema in src/config.ts, unit, README and component tests, Nomad job, Consul
 * service-defaults and ACL policy), then edits what the templates cannot hold: the Vault
 * registry, engine roles and policy, the Consul intentions. Then formats what it wrote
 * and renders the README's config table. `npm install` links the new workspace afterwards.
 */
export async function scaffoldService(root: string, name: string): Promise<ScaffoldResult> {
  assertValidName(name, 'service name');
  if (TAKEN.has(name)) {
    throw new TemplateError(`invalid service name "${name}": already used by the stack`);
  }
  if (existsSync(join(root, 'services', name))) {
    throw new TemplateError(`services/${name} already exists`);
  }
  const n = serviceNames(nameForms(await currentProjectName(root)), nameForms(name));
  const result: ScaffoldResult = { created: [], edited: [] };
  const create = async (file: string, text: string) => {
    if (existsSync(join(root, file))) throw new TemplateError(`${file} already exists`);
    await mkdir(dirname(join(root, file)), { recursive: true });
    await writeFile(join(root, file), text);
    result.created.push(file);
  };
  const edit = async (file: string, change: (text: string) => string) => {
    const text = await readFile(join(root, file), 'utf8');
    const next = change(text);
    if (next !== text) {
      await writeFile(join(root, file), next);
      result.edited.push(file);
    }
  };

  // The workspace with its config schema, its Nomad job, its Consul service-defaults and ACL policy.
  const rendered = await renderWorkerService(root, name);
  const readme = `services/${name}/README.md`;
  for (const [file, text] of rendered) if (file !== readme) await create(file, text);

  // Vault: its names, its grants, engine roles, policy rendered from the registry.
  await edit(VAULT_NAMES_FILE, (text) => addToVaultNames(text, n));
  await edit(VAULT_REGISTRY_FILE, (text) => addToVaultRegistry(text, n));
  await edit('infra/vault/src/engine-settings.ts', (text) => addToEngineSettings(text, n));
  await create(
    `infra/vault/policies/${n.identity}.hcl`,
    await renderVaultPolicy(root, name, n.service.dashed),
  );

  // Consul: the intentions to the data services and Vault.
  for (const destination of ['postgres', 'redis', 'rabbitmq', 'vault']) {
    const file = `infra/consul/config-entries/service-intentions.${destination}.json`;
    if (existsSync(join(root, file))) await edit(file, (text) => allowSource(text, n.identity));
  }

  prettier(root, [...result.created, ...result.edited]);

  await create(
    readme,
    rendered.get(readme)!.replace(CONFIG_TABLE, await renderServiceConfigTable(root, name, n)),
  );
  prettier(root, [readme]);
  return result;
}

const VAULT_NAMES_FILE = 'packages/vault/src/paths.ts';
const VAULT_REGISTRY_FILE = 'infra/vault/src/registry.ts';

/**
 * Imports TypeScript sources the scaffold just edited, before anything is built or linked: each is
 * transpiled into a scratch folder in `near`, where the root node_modules resolve their package
 * imports, and an import of the Vault names (paths.ts, which has no imports) is pointed at its
 * edited copy. Returns the names module, then the modules of `files` in their order.
 */
async function importEdited(
  root: string,
  near: string,
  files: readonly string[],
): Promise<unknown[]> {
  const dir = await mkdtemp(join(root, near, '.scaffold-'));
  try {
    const urls: string[] = [];
    for (const [index, file] of [VAULT_NAMES_FILE, ...files].entries()) {
      const source = await readFile(join(root, file), 'utf8');
      const js = ts
        .transpileModule(source, {
          compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
        })
        .outputText.replace(/'@[a-z0-9-]+\/vault\/paths'/, "'./module-0.mjs'");
      const target = join(dir, `module-${index}.mjs`);
      await writeFile(target, js);
      urls.push(pathToFileURL(target).href);
    }
    const modules: unknown[] = [];
    for (const url of urls) modules.push(await import(url));
    return modules;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The README's config table, from the new service's src/config.ts, rendered by the config package
 * (built here: the copy of a fresh checkout has no dist).
 */
async function renderServiceConfigTable(
  root: string,
  name: string,
  n: ServiceNames,
): Promise<string> {
  execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', 'packages/config/tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  const [, schemas] = await importEdited(root, `services/${name}`, [
    `services/${name}/src/config.ts`,
  ]);
  const config = (await import(
    pathToFileURL(join(root, 'packages/config/dist/index.js')).href
  )) as { renderConfigTable(schema: unknown): string };
  return config.renderConfigTable((schemas as Record<string, unknown>)[n.schemaExport]);
}

function prettier(root: string, files: string[]): void {
  execFileSync(
    join(root, 'node_modules/.bin/prettier'),
    // HCL and the Dockerfile have no prettier parser: skipped, not an error.
    ['--write', '--ignore-unknown', '--log-level=warn', ...files],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
}

const key = (name: string) => (/^[a-z][a-z0-9]*$/.test(name) ? name : `'${name}'`);
const access = (name: string) => (/^[a-z][a-z0-9]*$/.test(name) ? `.${name}` : `['${name}']`);

function replaceOnce(
  text: string,
  anchor: RegExp,
  replace: (match: string) => string,
  file: string,
): string {
  if (!anchor.test(text)) throw new TemplateError(`${file}: cannot find ${anchor.source} to edit`);
  return text.replace(anchor, replace);
}

/** Inserts `entry` before the `};` that closes the object declared by `declaration`. */
function insertIntoObject(text: string, declaration: string, entry: string, file: string): string {
  const start = text.indexOf(declaration);
  const end = start < 0 ? -1 : text.indexOf('\n};', start);
  if (end < 0) throw new TemplateError(`${file}: cannot find ${declaration} to edit`);
  return `${text.slice(0, end)}\n${entry}${text.slice(end)}`;
}

function addToVaultNames(text: string, n: ServiceNames): string {
  const file = VAULT_NAMES_FILE;
  const s = n.service.dashed;
  let next = replaceOnce(
    text,
    /export type VaultService = ([^;]+);/,
    (m) => m.replace(/;$/, ` | '${s}';`),
    file,
  );
  next = replaceOnce(
    next,
    /export const VAULT_SERVICES: readonly VaultService\[\] = \[([^\]]*)\];/,
    (m) => m.replace(/\];$/, `, '${s}'];`),
    file,
  );
  return insertIntoObject(
    next,
    'export const SERVICE_VAULT_NAMES',
    `  ${key(s)}: {
    jwtRole: '${n.identity}',
    policy: '${n.identity}',
    nomadJobId: '${s}',
    postgresRole: '${s}-readwrite',
    redisRole: '${s}-cache',
    rabbitmqRole: '${s}-consumer',
    kvConfigPath: '${n.project.dashed}/${s}/config',
  },`,
    file,
  );
}

function addToVaultRegistry(text: string, n: ServiceNames): string {
  const s = n.service.dashed;
  return insertIntoObject(
    text,
    'const VAULT_PATHS',
    `  ${key(s)}: [...credsPaths('${s}'), ...lifecyclePaths(leasedBy(credsPaths('${s}')))],`,
    VAULT_REGISTRY_FILE,
  );
}

function addToEngineSettings(text: string, n: ServiceNames): string {
  const file = 'infra/vault/src/engine-settings.ts';
  const s = n.service.dashed;
  let next = replaceOnce(
    text,
    /\n\} as const satisfies Record<VaultService, string>;/,
    (m) => `\n  ${key(s)}: '${n.project.snake}_readwrite',${m}`,
    file,
  );
  next = replaceOnce(
    next,
    /SERVICE_VAULT_NAMES\.worker\.postgresRole,?/,
    (m) => `${m.replace(/,$/, '')},\n        SERVICE_VAULT_NAMES${access(s)}.postgresRole,`,
    file,
  );
  return replaceOnce(
    next,
    /SERVICE_VAULT_NAMES\.worker\.redisRole/,
    (m) => `${m}, SERVICE_VAULT_NAMES${access(s)}.redisRole`,
    file,
  );
}

function allowSource(text: string, source: string): string {
  const entry = JSON.parse(text) as { Sources?: { Name: string; Action: string }[] };
  const sources = entry.Sources ?? [];
  if (sources.some((s) => s.Name === source)) return text;
  entry.Sources = [...sources, { Name: source, Action: 'allow' }];
  return `${JSON.stringify(entry, null, 2)}\n`;
}

interface RegistryModule {
  pathsFor(
    service: string,
  ): readonly { path: string; capabilities: readonly string[]; purpose: string }[];
  renderPolicyBlock(grant: {
    path: string;
    capabilities: readonly string[];
    purpose: string;
  }): string;
}

interface NamesModule {
  SERVICE_VAULT_NAMES: Record<string, { policy: string }>;
}

/** The policy text infra/vault renders (src/service-policies.ts), from the edited registry. */
async function renderVaultPolicy(root: string, name: string, service: string): Promise<string> {
  const [names, registry] = await importEdited(root, `services/${name}`, [VAULT_REGISTRY_FILE]);
  const policy = (names as NamesModule).SERVICE_VAULT_NAMES[service]!.policy;
  const header = [
    `# ${policy}: generated from ${VAULT_REGISTRY_FILE}; do not edit by hand.`,
    `# Regenerate with: npm run build -w @${policy.slice(0, policy.length - service.length - 1)}/infra-vault && node infra/vault/dist/render-policies.js`,
    '# Bound to the JWT role of the same name at jwt-nomad (bound_claims nomad_job_id).',
  ];
  const grants = registry as RegistryModule;
  const blocks = grants.pathsFor(service).map((grant) => grants.renderPolicyBlock(grant));
  return `${header.join('\n')}\n\n${blocks.join('\n\n')}\n`;
}
