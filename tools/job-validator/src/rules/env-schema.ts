import { documentConfig } from '@flowstack/config';
import { collect } from '../findings.js';
import type { Rule } from '../rule.js';
import { profileFor } from '../service-profiles.js';
import { taskEnvironment } from '../task-env.js';

/**
 * The env a job gives a flowstack process must be keys of that service's config schema (a typo
 * is otherwise silently ignored and the default wins) and must set every required key. Values are
 * checked against the schema too, so a job cannot ship a value the process would reject at start.
 */
/** Read by the Node runtime itself, not by the service's config (the api's V8 heap limits). */
const RUNTIME_KEYS = new Set(['NODE_OPTIONS']);

export const envSchemaRule: Rule = {
  id: 'env-schema',
  description: "every env var is a key of the service's config schema; required keys are set",
  check: (jobFile, context) =>
    collect('env-schema', jobFile, (report) => {
      for (const group of jobFile.job.group) {
        for (const task of group.task) {
          const profile = profileFor(context.profiles, jobFile.job.name, task.name);
          if (!profile) continue;
          const where = `group ${group.name} / task ${task.name}`;
          const env = taskEnvironment(task);
          const docs = documentConfig(profile.schema);
          const known = new Set(docs.map((doc) => doc.key));
          for (const key of [...env.literal.keys(), ...env.rendered]) {
            if (!known.has(key) && !RUNTIME_KEYS.has(key)) {
              report(where, `${key} is not a key of the ${profile.service} config schema`);
            }
          }
          for (const doc of docs) {
            if (doc.required && !env.literal.has(doc.key) && !env.rendered.has(doc.key)) {
              report(where, `required key ${doc.key} is not set (${doc.description})`);
            }
          }
          for (const [key, value] of env.literal) {
            const field = profile.schema.shape[key] as
              { safeParse(v: unknown): { success: boolean } } | undefined;
            if (field && !value.includes('${') && !field.safeParse(value).success) {
              report(where, `${key}="${value}" is not a valid value for the schema`);
            }
          }
        }
      }
    }),
};
