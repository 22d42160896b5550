import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listProjectFiles } from './project-files.js';
import type { NameForms } from './project-name.js';
import { createRenamer } from './rename-project.js';

/**
 * The worker-style service template: real files under templates/worker-service, laid out as in
 * the repository, for a service named `sample-service`. Scaffolding renames every spelling of
 * that name (the rename's renamer), so the files stay formatted, parsed and diffable with the
 * worker they follow. The project's own name in them is renamed with the rest of the repository.
 */
export const TEMPLATE_DIR = 'tools/template-tools/templates/worker-service';
export const TEMPLATE_SERVICE = 'sample-service';
/** Where the README's config table goes: rendered from the new schema once it is built. */
export const CONFIG_TABLE =
  '<!-- config table: rendered from the schema by npm run new:service -->';

/** The spellings the scaffolder's edits of shared files need. */
export interface ServiceNames {
  project: NameForms;
  service: NameForms;
  /** project-service: Consul service, Vault role and policy. */
  identity: string;
  /** sampleServiceConfigSchema, exported by the service's src/config.ts */
  schemaExport: string;
}

export function serviceNames(project: NameForms, service: NameForms): ServiceNames {
  return {
    project,
    service,
    identity: `${project.dashed}-${service.dashed}`,
    schemaExport: `${service.camel}ConfigSchema`,
  };
}

/** The template's files for `service` in `root`: repository path -> text. */
export async function renderWorkerService(
  root: string,
  service: string,
): Promise<Map<string, string>> {
  const dir = join(root, TEMPLATE_DIR);
  const rename = createRenamer(TEMPLATE_SERVICE, service);
  const files = new Map<string, string>();
  for (const file of await listProjectFiles(dir)) {
    files.set(rename(file), rename(await readFile(join(dir, file), 'utf8'), file));
  }
  return files;
}
