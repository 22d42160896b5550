import type { ChangeIndex } from './change-index.js';
import type { Fields } from './body-fields.js';
import { badRequest } from './errors.js';

export const SUPPORTED_KINDS = ['service-defaults', 'service-intentions'] as const;
export type ConfigKind = (typeof SUPPORTED_KINDS)[number];

/** Kinds Consul knows but the double does not implement; named so the 400 says so. */
const KNOWN_UNSUPPORTED_KINDS = [
  'proxy-defaults',
  'service-router',
  'service-splitter',
  'service-resolver',
  'ingress-gateway',
  'terminating-gateway',
  'api-gateway',
  'mesh',
  'exported-services',
  'sameness-group',
  'jwt-provider',
  'control-plane-request-limit',
  'http-route',
  'tcp-route',
  'inline-certificate',
  'file-system-certificate',
  'bound-api-gateway',
];

export type ConfigEntry = Record<string, unknown> & {
  Kind: ConfigKind;
  Name: string;
  CreateIndex: number;
  ModifyIndex: number;
};

export function isSupportedKind(kind: string): kind is ConfigKind {
  return (SUPPORTED_KINDS as readonly string[]).includes(kind);
}

/** Rejects kinds the double cannot store, with a message that tells the two cases apart. */
export function requireKind(kind: string): ConfigKind {
  if (isSupportedKind(kind)) return kind;
  if (KNOWN_UNSUPPORTED_KINDS.includes(kind)) {
    throw badRequest(`config entry kind "${kind}" is not implemented by consul-double`);
  }
  throw badRequest(`invalid config entry kind: ${kind}`);
}

export interface IntentionSource {
  Name: string;
  Action: 'allow' | 'deny';
  Precedence: number;
  Type: string;
  Description?: string;
  Peer?: string;
}

/**
 * Consul's intention precedence for one datacenter without namespaces (all namespaces are the
 * exact "default"): the more exact the destination, then the source, the higher. Exact/exact is 9,
 * wildcard source to an exact destination 8, exact source to a wildcard destination 6, and
 * wildcard to wildcard 5.
 */
export function intentionPrecedence(sourceName: string, destinationName: string): number {
  const exact = (name: string): number => (name === '*' ? 0 : 1);
  const max = [3, 6, 9][1 + exact(destinationName)] ?? 3;
  return max - (2 - (1 + exact(sourceName)));
}

/** Config entries (`/v1/config`) for the kinds the double implements. */
export class ConfigEntries {
  private readonly entries = new Map<string, ConfigEntry>();
  private readonly kindIndex = new Map<ConfigKind, number>();

  constructor(private readonly changes: ChangeIndex) {}

  get(kind: ConfigKind, name: string): ConfigEntry | undefined {
    return this.entries.get(`${kind}/${name}`);
  }

  list(kind: ConfigKind): ConfigEntry[] {
    return [...this.entries.values()]
      .filter((entry) => entry.Kind === kind)
      .sort((a, b) => (a.Name < b.Name ? -1 : 1));
  }

  indexOf(kind: ConfigKind): number {
    return this.kindIndex.get(kind) ?? 1;
  }

  /** Validates and stores an entry. With `cas`, writes only if ModifyIndex matches (0 = absent). */
  apply(body: Fields, cas?: number): boolean {
    const kindText = body.string('Kind');
    if (!kindText) {
      throw badRequest(
        'Request decoding failed: Payload does not contain a kind/Kind key at the top level',
      );
    }
    const kind = requireKind(kindText);
    const name = body.string('Name');
    if (!name) throw badRequest(`Name is required for ${kind} config entries`);
    const normalized =
      kind === 'service-defaults'
        ? normalizeServiceDefaults(body)
        : normalizeIntentions(body, name);
    const existing = this.get(kind, name);
    if (cas !== undefined) {
      if (cas === 0 && existing) return false;
      if (cas > 0 && existing?.ModifyIndex !== cas) return false;
    }
    const index = this.changes.next();
    this.entries.set(`${kind}/${name}`, {
      ...normalized,
      Kind: kind,
      Name: name,
      CreateIndex: existing?.CreateIndex ?? index,
      ModifyIndex: index,
    });
    this.kindIndex.set(kind, index);
    this.changes.notify();
    return true;
  }

  delete(kind: ConfigKind, name: string, cas?: number): boolean {
    const existing = this.get(kind, name);
    if (cas !== undefined && existing?.ModifyIndex !== cas) return false;
    const index = this.changes.next();
    this.entries.delete(`${kind}/${name}`);
    this.kindIndex.set(kind, index);
    this.changes.notify();
    return true;
  }
}

function normalizeServiceDefaults(body: Fields): Record<string, unknown> {
  const protocol = body.string('Protocol');
  const out: Record<string, unknown> = {
    TransparentProxy: body.plain('TransparentProxy') ?? {},
    MeshGateway: body.plain('MeshGateway') ?? {},
    Expose: body.plain('Expose') ?? {},
  };
  if (protocol !== undefined && protocol !== '') out.Protocol = protocol.toLowerCase();
  for (const key of [
    'Mode',
    'ExternalSNI',
    'MaxInboundConnections',
    'LocalConnectTimeoutMs',
    'LocalRequestTimeoutMs',
    'BalanceInboundConnections',
    'Meta',
    'UpstreamConfig',
    'Destination',
    'RateLimits',
    'EnvoyExtensions',
    'MutualTLSMode',
  ]) {
    const value = body.plain(key);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function normalizeIntentions(body: Fields, destination: string): Record<string, unknown> {
  const sources = body.objectList('Sources') ?? [];
  const seen = new Map<string, number>();
  const normalized: IntentionSource[] = sources.map((source, i) => {
    const name = source.string('Name');
    if (!name) throw badRequest(`Sources[${i}].Name is required`);
    if (source.has('Permissions')) {
      throw badRequest(
        `Sources[${i}].Permissions (L7 intentions) are not implemented by consul-double`,
      );
    }
    const action = source.string('Action')?.toLowerCase();
    if (action !== 'allow' && action !== 'deny') {
      throw badRequest(`Sources[${i}].Action must be set to 'allow' or 'deny'`);
    }
    const peer = source.string('Peer') ?? '';
    const key = `${peer}/${name}`;
    const duplicate = seen.get(key);
    if (duplicate !== undefined) {
      throw badRequest(
        `Sources[${i}] defines "${name}" more than once (also Sources[${duplicate}])`,
      );
    }
    seen.set(key, i);
    const out: IntentionSource = {
      Name: name,
      Action: action,
      Precedence: intentionPrecedence(name, destination),
      Type: source.string('Type') || 'consul',
    };
    const description = source.string('Description');
    if (description) out.Description = description;
    if (peer) out.Peer = peer;
    return out;
  });
  const out: Record<string, unknown> = { Sources: normalized };
  const meta = body.stringMap('Meta');
  if (meta) out.Meta = meta;
  return out;
}
