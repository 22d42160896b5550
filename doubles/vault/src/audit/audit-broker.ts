import { appendFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { normalizeMountPath } from '../core/mount-path.js';
import { VaultError } from '../core/types.js';
import { hashStrings, hmacValue } from './audit-hmac.js';

export interface AuditDevice {
  path: string;
  type: 'file';
  description: string;
  options: Record<string, string>;
  salt: Buffer;
}

export interface SavedAuditDevice {
  path: string;
  description: string;
  options: Record<string, string>;
  salt: string;
}

/** What the pipeline knows about one request, before any hashing. */
export interface AuditRecord {
  time: Date;
  requestId: string;
  operation: string;
  path: string;
  data: unknown;
  remoteAddress: string;
  remotePort: number;
  mount: { point: string; type: string; accessor: string } | undefined;
  token:
    | {
        id: string;
        accessor: string;
        displayName: string;
        policies: string[];
        metadata: Record<string, string>;
        entityId: string;
        ttl: number;
        issueTime: string;
      }
    | undefined;
}

export interface AuditResponse {
  data: unknown;
  auth: Record<string, unknown> | undefined;
  warnings: string[];
  error: string | undefined;
}

export interface AuditBroker {
  enable(path: string, type: string, description: string, options: Record<string, string>): void;
  disable(path: string): void;
  list(): AuditDevice[];
  hash(path: string, input: string): string;
  logRequest(record: AuditRecord): void;
  logResponse(record: AuditRecord, response: AuditResponse): void;
  snapshot(): SavedAuditDevice[];
}

/**
 * Audit devices of type `file`: one JSON line per request and per response, with secret string
 * values replaced by `hmac-sha256:<hex>` under a per-device salt, as Vault writes them.
 */
export function createAuditBroker(saved: SavedAuditDevice[] = []): AuditBroker {
  const devices = new Map<string, AuditDevice>();
  for (const d of saved) {
    devices.set(d.path, {
      path: d.path,
      type: 'file',
      description: d.description,
      options: d.options,
      salt: Buffer.from(d.salt, 'base64'),
    });
  }

  const write = (device: AuditDevice, entry: unknown): void => {
    const target = device.options['file_path'] ?? '';
    if (target === 'discard') return;
    const line = `${JSON.stringify(entry)}\n`;
    if (target === 'stdout') process.stdout.write(line);
    else appendFileSync(target, line, { mode: 0o600 });
  };

  const authSection = (
    device: AuditDevice,
    r: AuditRecord,
  ): Record<string, unknown> | undefined => {
    if (!r.token) return undefined;
    return {
      client_token: hmacValue(device.salt, r.token.id),
      accessor: hmacValue(device.salt, r.token.accessor),
      display_name: r.token.displayName,
      policies: r.token.policies,
      token_policies: r.token.policies,
      metadata: Object.keys(r.token.metadata).length > 0 ? r.token.metadata : undefined,
      entity_id: r.token.entityId,
      token_type: 'service',
      token_ttl: r.token.ttl,
      token_issue_time: r.token.issueTime,
    };
  };

  const requestSection = (device: AuditDevice, r: AuditRecord): Record<string, unknown> => ({
    id: r.requestId,
    operation: r.operation,
    mount_point: r.mount?.point,
    mount_type: r.mount?.type,
    mount_accessor: r.mount?.accessor,
    client_token: r.token ? hmacValue(device.salt, r.token.id) : undefined,
    client_token_accessor: r.token ? hmacValue(device.salt, r.token.accessor) : undefined,
    namespace: { id: 'root' },
    path: r.path,
    data: r.data === undefined ? undefined : hashStrings(device.salt, r.data),
    remote_address: r.remoteAddress,
    remote_port: r.remotePort,
  });

  return {
    enable(rawPath, type, description, options) {
      const path = normalizeMountPath(rawPath);
      if (type !== 'file') {
        throw new VaultError(
          400,
          `audit device type "${type}" is not supported by this double (file only)`,
        );
      }
      const filePath = options['file_path'] ?? options['path'];
      if (!filePath) throw new VaultError(400, 'file_path is required');
      if (devices.has(path)) throw new VaultError(400, `path already in use`);
      const device: AuditDevice = {
        path,
        type: 'file',
        description,
        options: { ...options, file_path: filePath },
        salt: randomBytes(32),
      };
      try {
        if (filePath !== 'stdout' && filePath !== 'discard') {
          appendFileSync(filePath, '', { mode: 0o600 });
        }
      } catch (error) {
        throw new VaultError(
          400,
          `sanity check failed; unable to open "${filePath}" for writing: ${(error as Error).message}`,
        );
      }
      devices.set(path, device);
    },
    disable(rawPath) {
      devices.delete(normalizeMountPath(rawPath));
    },
    list: () => [...devices.values()],
    hash(rawPath, input) {
      const device = devices.get(normalizeMountPath(rawPath));
      if (!device) throw new VaultError(400, 'unknown audit backend');
      return hmacValue(device.salt, input);
    },
    logRequest(r) {
      for (const device of devices.values()) {
        write(device, {
          time: r.time.toISOString(),
          type: 'request',
          auth: authSection(device, r),
          request: requestSection(device, r),
        });
      }
    },
    logResponse(r, res) {
      for (const device of devices.values()) {
        write(device, {
          time: new Date().toISOString(),
          type: 'response',
          auth: authSection(device, r),
          request: requestSection(device, r),
          response: {
            mount_point: r.mount?.point,
            mount_type: r.mount?.type,
            mount_accessor: r.mount?.accessor,
            auth: res.auth ? hashAuth(device.salt, res.auth) : undefined,
            data:
              res.data === undefined || res.data === null
                ? undefined
                : hashStrings(device.salt, res.data),
            warnings: res.warnings.length > 0 ? res.warnings : undefined,
          },
          error: res.error,
        });
      }
    },
    snapshot: () =>
      [...devices.values()].map((d) => ({
        path: d.path,
        description: d.description,
        options: d.options,
        salt: d.salt.toString('base64'),
      })),
  };
}

function hashAuth(salt: Buffer, auth: Record<string, unknown>): Record<string, unknown> {
  const out = { ...auth };
  for (const key of ['client_token', 'accessor']) {
    const value = out[key];
    if (typeof value === 'string' && value !== '') out[key] = hmacValue(salt, value);
  }
  return out;
}
