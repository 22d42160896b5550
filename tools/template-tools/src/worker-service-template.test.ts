import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseHcl } from '@flowstack/job-validator';
import { describe, expect, it } from 'vitest';
import { nameForms } from './project-name.js';
import { createRenamer } from './rename-project.js';
import { renderWorkerService, TEMPLATE_DIR, TEMPLATE_SERVICE } from './service-template.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const TEMPLATE_JOB = `${TEMPLATE_DIR}/jobs/${TEMPLATE_SERVICE}.nomad.hcl`;

/** Leaves of a parsed HCL body by path; a subtree only one side has is one entry. */
function leaves(value: unknown, path = ''): Map<string, string> {
  const found = new Map<string, string>();
  if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      for (const [p, v] of leaves(child, path === '' ? key : `${path}.${key}`)) found.set(p, v);
    }
  } else {
    found.set(path, JSON.stringify(value));
  }
  return found;
}

/** Paths where two bodies differ, a subtree present on one side only reported once at its root. */
function differences(a: unknown, b: unknown, path = ''): string[] {
  const isBody = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  if (!isBody(a) || !isBody(b)) return JSON.stringify(a) === JSON.stringify(b) ? [] : [path];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.flatMap((key) => {
    const at = path === '' ? key : `${path}.${key}`;
    if (!(key in a)) return [`+ ${at}`];
    if (!(key in b)) return [`- ${at}`];
    return differences(a[key], b[key], at);
  });
}

describe('the worker-service template', () => {
  it('when rendered for a name, then every spelling of the placeholder becomes that name', async () => {
    const files = await renderWorkerService(ROOT, 'mail-sender');
    expect([...files.keys()]).toEqual(
      expect.arrayContaining([
        'services/mail-sender/src/start-mail-sender.ts',
        'services/mail-sender/Dockerfile',
        'services/mail-sender/src/config.ts',
        'jobs/mail-sender.nomad.hcl',
        'infra/consul/policies/flowstack-mail-sender.hcl',
      ]),
    );
    const placeholder = Object.values(nameForms(TEMPLATE_SERVICE));
    for (const [file, text] of files) {
      for (const form of placeholder) {
        expect(file).not.toContain(form);
        expect(text, file).not.toContain(form);
      }
    }
    const start = files.get('services/mail-sender/src/start-mail-sender.ts');
    expect(start).toContain('export function startMailSender(');
    expect(start).toContain('config: MailSenderConfig');
    expect(files.get('services/mail-sender/src/config.ts')).toContain('MAIL_SENDER_QUEUE');
  });

  it("when the HCL templates are parsed with HashiCorp's parser, then they parse", async () => {
    const files = await renderWorkerService(ROOT, TEMPLATE_SERVICE);
    const hcl = [...files].filter(([file]) => file.endsWith('.hcl'));
    expect(hcl.map(([file]) => file).sort()).toEqual([
      `infra/consul/policies/flowstack-${TEMPLATE_SERVICE}.hcl`,
      `jobs/${TEMPLATE_SERVICE}.nomad.hcl`,
    ]);
    for (const [file, text] of hcl) {
      expect(leaves(await parseHcl(file, text)).size, file).toBeGreaterThan(3);
    }
  });

  it('when compared with jobs/worker.nomad.hcl, then the template job differs only where a new service must', async () => {
    // The worker's job with every spelling of "worker" as the template's name.
    const worker = createRenamer(
      'worker',
      TEMPLATE_SERVICE,
    )(await readFile(join(ROOT, 'jobs/worker.nomad.hcl'), 'utf8'));
    const template = await readFile(join(ROOT, TEMPLATE_JOB), 'utf8');
    const job = `job.${TEMPLATE_SERVICE}.0.group.${TEMPLATE_SERVICE}.0`;
    const env = `${job}.task.${TEMPLATE_SERVICE}.0.env.0`;
    const upper = nameForms(TEMPLATE_SERVICE).upper;
    expect(
      differences(
        await parseHcl('jobs/worker.nomad.hcl', worker),
        await parseHcl(TEMPLATE_JOB, template),
      ).sort(),
    ).toEqual(
      [
        // The schema migration runs once, with the worker; a new service owns no tables.
        `- ${job}.task.migrate`,
        // The order flow's exchange, queue and tuning: the template's config has its own keys
        // (their defaults apply until the service is tuned).
        `- ${env}.ORDERS_EXCHANGE`,
        `- ${env}.ORDERS_EXCHANGE_DECLARE`,
        `- ${env}.ORDERS_QUEUE`,
        `- ${env}.${upper}_BATCH_SIZE`,
        `- ${env}.${upper}_PREFETCH`,
        // The worker is autoscaled on its queue's backlog; a new service gets its own policy once
        // its load is known (docs/deploy.md, "Scaling"), and a fixed count until then.
        `- ${job}.scaling`,
        '- variable.count.0.description',
        '- variable.max_count',
        '- variable.min_count',
        '- variable.target_backlog',
        // A new service starts smaller than the tuned worker.
        'variable.cpu.0.default',
        'variable.memory.0.default',
        'variable.memory_max.0.default',
      ].sort(),
    );
  });

  it('when compared with services/worker/Dockerfile, then the template image build differs only in its header', async () => {
    const rename = createRenamer('worker', TEMPLATE_SERVICE);
    const read = async (file: string) => readFile(join(ROOT, file), 'utf8');
    const template = `${TEMPLATE_DIR}/services/${TEMPLATE_SERVICE}`;
    const instructions = (text: string) => text.slice(text.indexOf('\nARG '));
    expect(instructions(await read(`${template}/Dockerfile`))).toBe(
      instructions(rename(await read('services/worker/Dockerfile'))),
    );
    expect(await read(`${template}/Dockerfile.dockerignore`)).toBe(
      rename(await read('services/worker/Dockerfile.dockerignore')),
    );
  });
});
