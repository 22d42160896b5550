import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { parseEnv } from 'node:util';
import { apiConfigSchema } from '@flowstack/api/config';
import { commonConfigSchema, renderEnvExample as render } from '@flowstack/config';
import { workerConfigSchema } from '@flowstack/worker/config';

const file = new URL('../../../.env.example', import.meta.url);
const renderEnvExample = () =>
  render({ common: commonConfigSchema, api: apiConfigSchema, worker: workerConfigSchema });

describe('.env.example', () => {
  it('when the config schemas change, then the file must be regenerated', () => {
    // Regenerate: node tools/dev-stack/dist/env-example-cli.js > .env.example
    expect(readFileSync(file, 'utf8')).toBe(renderEnvExample());
  });

  it('when read, then it names every key of both services (those that differ per service once per service)', () => {
    const text = renderEnvExample();
    const keys = [...text.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    const expected = new Set([
      ...Object.keys(apiConfigSchema.shape),
      ...Object.keys(workerConfigSchema.shape),
    ]);
    expect(new Set(keys)).toEqual(expected);
    // Keys both services have outside the common set (HOST, the Vault roles...) differ in meaning
    // or default, so each service's version is shown.
    const common = new Set(Object.keys(commonConfigSchema.shape));
    const inBoth = Object.keys(workerConfigSchema.shape).filter(
      (key) => !common.has(key) && key in apiConfigSchema.shape,
    );
    // A shared key whose default a service sets itself is shown again in that service's section.
    const defaultOf = (schema: typeof apiConfigSchema | typeof workerConfigSchema, key: string) =>
      JSON.stringify((schema.shape as Record<string, z.ZodType>)[key]?.safeParse(undefined).data);
    const commonDefault = (key: string) =>
      JSON.stringify(
        (commonConfigSchema.shape as Record<string, z.ZodType>)[key]?.safeParse(undefined).data,
      );
    for (const key of expected) {
      const overrides = common.has(key)
        ? [apiConfigSchema, workerConfigSchema].filter(
            (schema) => defaultOf(schema, key) !== commonDefault(key),
          ).length
        : 0;
      expect(keys.filter((k) => k === key).length, key).toBe(
        (inBoth.includes(key) ? 2 : 1) + overrides,
      );
    }
  });

  it('when a service sets its own default for a shared key, then its section shows that default', () => {
    const text = renderEnvExample();
    const sectionOf = (title: string) => text.split(`# ---- ${title} ----`)[1]?.split('# ----')[0];
    expect(sectionOf('api only, or with the api default')).toContain(
      '# REDIS_KEY_PREFIX=flowstack:api:',
    );
    expect(sectionOf('worker keys that the api also has, with the worker default')).toContain(
      '# REDIS_KEY_PREFIX=flowstack:worker:',
    );
  });

  it('when copied to .env unchanged, then it sets nothing but the required keys', () => {
    const set = parseEnv(renderEnvExample());
    for (const [key, value] of Object.entries(set)) {
      expect(value, key).toBe('');
    }
  });

  it('when it shows a secret key, then no value is filled in', () => {
    for (const line of renderEnvExample().split('\n')) {
      if (/^#? ?[A-Z0-9_]*(PASSWORD|TOKEN|SECRET)[A-Z0-9_]*=/.test(line)) {
        expect(line).toMatch(/=$/);
      }
    }
  });
});
