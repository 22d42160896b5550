import { badRequest } from '../errors.js';

/** The levels a rule can grant; `list` only means something on keys. */
export type RuleLevel = 'deny' | 'read' | 'list' | 'write';

/** Resources with exact and `_prefix` rules (Consul `acl/policy.go`, `PolicyRules`). */
export const NAMED_RESOURCES = [
  'agent',
  'event',
  'key',
  'node',
  'query',
  'service',
  'session',
] as const;
export type NamedResource = (typeof NAMED_RESOURCES)[number];
/** Resources given as one value (`operator = "read"`). */
export const SINGLETON_RESOURCES = ['acl', 'keyring', 'mesh', 'operator', 'peering'] as const;
export type SingletonResource = (typeof SINGLETON_RESOURCES)[number];

export interface ParsedRules {
  exact: Map<NamedResource, Map<string, RuleLevel>>;
  prefix: Map<NamedResource, Map<string, RuleLevel>>;
  singletons: Map<SingletonResource, RuleLevel>;
}

const LEVELS: readonly RuleLevel[] = ['deny', 'read', 'list', 'write'];

/** Consul merges the same name across policies: deny, then write, then list, then read. */
function stronger(a: RuleLevel | undefined, b: RuleLevel): RuleLevel {
  if (a === undefined) return b;
  const rank = (level: RuleLevel) => ({ deny: 4, write: 3, list: 2, read: 1 })[level];
  return rank(a) >= rank(b) ? a : b;
}

function emptyRules(): ParsedRules {
  return { exact: new Map(), prefix: new Map(), singletons: new Map() };
}

type Token = { kind: 'ident' | 'string' | 'punct'; text: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === '#' || (c === '/' && text[i + 1] === '/')) {
      while (i < text.length && text[i] !== '\n') i += 1;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? text.length : end + 2;
    } else if (c === '"') {
      let j = i + 1;
      let value = '';
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\') j += 1;
        value += text[j] ?? '';
        j += 1;
      }
      if (j >= text.length) throw badRequest('Failed to parse ACL rules: unterminated string');
      tokens.push({ kind: 'string', text: value });
      i = j + 1;
    } else if ('{}=,[]'.includes(c)) {
      tokens.push({ kind: 'punct', text: c });
      i += 1;
    } else {
      const match = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(text.slice(i));
      if (!match) throw badRequest(`Failed to parse ACL rules: unexpected "${c}"`);
      tokens.push({ kind: 'ident', text: match[0] });
      i += match[0].length;
    }
  }
  return tokens;
}

function level(value: unknown, where: string): RuleLevel {
  if (typeof value === 'string' && (LEVELS as readonly string[]).includes(value)) {
    return value as RuleLevel;
  }
  throw badRequest(`Invalid rule: ${where} has invalid policy "${String(value)}"`);
}

function addRule(rules: ParsedRules, block: string, name: string | undefined, value: unknown) {
  const singleton = (SINGLETON_RESOURCES as readonly string[]).find((r) => r === block);
  if (singleton !== undefined) {
    const current = rules.singletons.get(singleton as SingletonResource);
    rules.singletons.set(singleton as SingletonResource, stronger(current, level(value, block)));
    return;
  }
  const isPrefix = block.endsWith('_prefix');
  const resource = (isPrefix ? block.slice(0, -'_prefix'.length) : block) as NamedResource;
  if (!(NAMED_RESOURCES as readonly string[]).includes(resource) || name === undefined) {
    throw badRequest(`Failed to parse ACL rules: unknown block "${block}"`);
  }
  const table = isPrefix ? rules.prefix : rules.exact;
  const byName = table.get(resource) ?? new Map<string, RuleLevel>();
  byName.set(name, stronger(byName.get(name), level(value, `${block} "${name}"`)));
  table.set(resource, byName);
}

/**
 * Parses Consul ACL rules in HCL (`service "web" { policy = "write" }`, `operator = "read"`) or
 * their JSON form. Attributes other than `policy` (e.g. `intentions`) are read and ignored.
 */
export function parseRules(text: string): ParsedRules {
  const rules = emptyRules();
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(trimmed);
    } catch (error) {
      throw badRequest(`Failed to parse ACL rules: ${(error as Error).message}`);
    }
    for (const [block, body] of Object.entries(doc as Record<string, unknown>)) {
      if (typeof body === 'string') {
        addRule(rules, block, undefined, body);
      } else {
        for (const [name, inner] of Object.entries((body ?? {}) as Record<string, unknown>)) {
          addRule(rules, block, name, (inner as { policy?: unknown } | null)?.policy);
        }
      }
    }
    return rules;
  }
  const tokens = tokenize(text);
  let i = 0;
  const expect = (text: string) => {
    if (tokens[i]?.text !== text) {
      throw badRequest(
        `Failed to parse ACL rules: expected "${text}" near "${tokens[i]?.text ?? 'end'}"`,
      );
    }
    i += 1;
  };
  while (i < tokens.length) {
    const head = tokens[i];
    if (head?.kind !== 'ident') {
      throw badRequest('Failed to parse ACL rules: expected a block name');
    }
    i += 1;
    if (tokens[i]?.text === '=') {
      i += 1;
      addRule(rules, head.text, undefined, tokens[i]?.text);
      i += 1;
      continue;
    }
    const name = tokens[i];
    if (name?.kind !== 'string') {
      throw badRequest(`Failed to parse ACL rules: ${head.text} needs a name`);
    }
    i += 1;
    expect('{');
    let policy: unknown;
    while (i < tokens.length && tokens[i]?.text !== '}') {
      const key = tokens[i]?.text;
      i += 1;
      expect('=');
      const value = tokens[i]?.text;
      i += 1;
      if (key === 'policy') policy = value;
    }
    expect('}');
    addRule(rules, head.text, name.text, policy);
  }
  return rules;
}

/**
 * What Consul grants a service identity (`agent/structs/acl.go`, `aclServiceIdentityTemplate`):
 * write on the service and its sidecar, read on every service and node. The templated policy
 * `builtin/service` renders the same rules.
 */
export function serviceIdentityRules(serviceName: string): string {
  return [
    `service "${serviceName}" { policy = "write" }`,
    `service "${serviceName}-sidecar-proxy" { policy = "write" }`,
    'service_prefix "" { policy = "read" }',
    'node_prefix "" { policy = "read" }',
  ].join('\n');
}

/** The decision of a merged set of rules: exact name first, then the longest prefix. */
export class Authorizer {
  private readonly merged = emptyRules();

  constructor(parts: readonly ParsedRules[]) {
    for (const part of parts) {
      for (const [table, into] of [
        [part.exact, this.merged.exact],
        [part.prefix, this.merged.prefix],
      ] as const) {
        for (const [resource, byName] of table) {
          const target = into.get(resource) ?? new Map<string, RuleLevel>();
          for (const [name, value] of byName) target.set(name, stronger(target.get(name), value));
          into.set(resource, target);
        }
      }
      for (const [resource, value] of part.singletons) {
        this.merged.singletons.set(resource, stronger(this.merged.singletons.get(resource), value));
      }
    }
  }

  levelOf(resource: NamedResource | SingletonResource, name = ''): RuleLevel | undefined {
    if ((SINGLETON_RESOURCES as readonly string[]).includes(resource)) {
      return this.merged.singletons.get(resource as SingletonResource);
    }
    const named = resource as NamedResource;
    const exact = this.merged.exact.get(named)?.get(name);
    if (exact !== undefined) return exact;
    let best: { length: number; level: RuleLevel } | undefined;
    for (const [prefix, value] of this.merged.prefix.get(named) ?? []) {
      if (name.startsWith(prefix) && (!best || prefix.length > best.length)) {
        best = { length: prefix.length, level: value };
      }
    }
    return best?.level;
  }

  allows(
    resource: NamedResource | SingletonResource,
    wanted: 'read' | 'write',
    name = '',
  ): boolean {
    const granted = this.levelOf(resource, name);
    if (granted === undefined || granted === 'deny') return false;
    return wanted === 'read' || granted === 'write';
  }
}
