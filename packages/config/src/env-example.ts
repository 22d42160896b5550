import type { z } from 'zod';
import { documentConfig } from './load-config.js';

function section(title: string, schema: z.ZodObject, include: (key: string) => boolean): string[] {
  const lines = ['', `# ---- ${title} ----`];
  for (const doc of documentConfig(schema)) {
    if (!include(doc.key)) continue;
    lines.push('', `# ${doc.description}${doc.secret ? ' (secret: never commit it)' : ''}`);
    if (doc.required) {
      lines.push(`${doc.key}=`);
    } else {
      lines.push(`# ${doc.key}=${doc.defaultValue === undefined ? '' : unquote(doc.defaultValue)}`);
    }
  }
  return lines;
}

/** documentConfig gives defaults as JSON; an env file holds the bare text. */
function unquote(json: string): string {
  const value: unknown = JSON.parse(json);
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** The schemas `.env.example` documents: the shared keys and each service's own. */
export interface EnvExampleSchemas {
  common: z.ZodObject;
  api: z.ZodObject;
  worker: z.ZodObject;
}

/**
 * `.env.example`: every key api and worker read, with its description and default, commented out
 * so that a copy changes nothing until a line is uncommented. Generated from the schemas the
 * services own (`node tools/dev-stack/dist/env-example-cli.js > .env.example`, which may import
 * both services where this package may not); a test keeps the file true.
 */
export function renderEnvExample({ common: commonSchema, api, worker }: EnvExampleSchemas): string {
  const common = new Set(Object.keys(commonSchema.shape));
  const apiKeys = new Set(Object.keys(api.shape));
  const defaultsOf = (schema: z.ZodObject) =>
    new Map(documentConfig(schema).map((doc) => [doc.key, doc.defaultValue]));
  const commonDefaults = defaultsOf(commonSchema);
  // A service's own key, or a shared one whose default the service sets itself (REDIS_KEY_PREFIX).
  const ownTo = (schema: z.ZodObject) => {
    const defaults = defaultsOf(schema);
    return (key: string) => !common.has(key) || defaults.get(key) !== commonDefaults.get(key);
  };
  const apiOwn = ownTo(api);
  const workerOwn = ownTo(worker);
  return [
    '# flowstack configuration: every environment key the api and the worker read.',
    '# Generated from the zod schemas in services/{api,worker}/src/config.ts; do not edit by hand:',
    '#   node tools/dev-stack/dist/env-example-cli.js > .env.example',
    '# The services read the environment only (no dotenv). To use a file, copy it to .env and run',
    '# a service with `node --env-file=.env ...` (Node 20.6+). Commented lines show the default.',
    ...section('api and worker', commonSchema, () => true),
    ...section('api only, or with the api default', api, apiOwn),
    ...section('worker only', worker, (key) => workerOwn(key) && !apiKeys.has(key)),
    ...section(
      'worker keys that the api also has, with the worker default',
      worker,
      (key) => workerOwn(key) && apiKeys.has(key),
    ),
    '',
  ].join('\n');
}
