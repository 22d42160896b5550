import { describe, expect, it } from 'vitest';
import { Authorizer, parseRules, serviceIdentityRules } from './acl-rules.js';
import { selectorMatches } from './selector.js';

describe('ACL rules', () => {
  it('when an exact rule and a prefix rule both match, then the exact one decides', () => {
    const authz = new Authorizer([
      parseRules('service_prefix "" { policy = "write" }\nservice "db" { policy = "deny" }'),
    ]);
    expect(authz.allows('service', 'write', 'web')).toBe(true);
    expect(authz.allows('service', 'read', 'db')).toBe(false);
  });

  it('when prefixes overlap, then the longest wins; across policies deny beats write', () => {
    const authz = new Authorizer([
      parseRules(
        'key_prefix "app/" { policy = "read" }\nkey_prefix "app/secret/" { policy = "write" }',
      ),
      parseRules('{"key_prefix": {"app/secret/x": {"policy": "deny"}}}'),
    ]);
    expect(authz.allows('key', 'read', 'app/a')).toBe(true);
    expect(authz.allows('key', 'write', 'app/a')).toBe(false);
    expect(authz.allows('key', 'write', 'app/secret/y')).toBe(true);
    expect(authz.allows('key', 'read', 'app/secret/x1')).toBe(false);
  });

  it('when a service identity is expanded, then it writes only its service and sidecar and reads the rest', () => {
    const authz = new Authorizer([parseRules(serviceIdentityRules('traefik'))]);
    expect(authz.allows('service', 'write', 'traefik')).toBe(true);
    expect(authz.allows('service', 'write', 'traefik-sidecar-proxy')).toBe(true);
    expect(authz.allows('service', 'write', 'flowstack-api')).toBe(false);
    expect(authz.allows('service', 'read', 'flowstack-api')).toBe(true);
    expect(authz.allows('node', 'read', 'n1')).toBe(true);
    expect(authz.allows('key', 'read', 'x')).toBe(false);
  });

  it('when rules are malformed, then parsing fails with a 400', () => {
    expect(() => parseRules('service "x" { policy = "admin" }')).toThrow(/invalid policy/);
    expect(() => parseRules('widget "x" { policy = "read" }')).toThrow(/unknown block/);
  });
});

describe('binding rule selectors', () => {
  const task = { value: { nomad_namespace: 'default', nomad_job_id: 'traefik' }, list: {} };
  const service = { value: { ...task.value, nomad_service: 'traefik' }, list: {} };

  it("when setup_consul's selectors are evaluated, then services and tasks are told apart by the presence of nomad_service", () => {
    expect(selectorMatches('"nomad_service" in value', service)).toBe(true);
    expect(selectorMatches('"nomad_service" in value', task)).toBe(false);
    expect(selectorMatches('"nomad_service" not in value', task)).toBe(true);
  });

  it('when a selector combines comparisons, then and/or/not and parentheses apply', () => {
    const sel = '"nomad_service" not in value and value.nomad_job_id == "traefik"';
    expect(selectorMatches(sel, task)).toBe(true);
    expect(selectorMatches(sel, service)).toBe(false);
    expect(
      selectorMatches('not (value.nomad_job_id == "api" or value.nomad_job_id == "worker")', task),
    ).toBe(true);
    expect(selectorMatches('value.nomad_namespace != "default"', task)).toBe(false);
    expect(selectorMatches('', task)).toBe(true);
  });

  it('when a selector is not valid, then it is refused', () => {
    expect(() => selectorMatches('value.x ==', task)).toThrow(/invalid Selector/);
    expect(() => selectorMatches('other.x == "y"', task)).toThrow(/unknown field/);
  });
});
