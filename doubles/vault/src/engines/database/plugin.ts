/** What the database engine needs from a database plugin (Vault's dbplugin v5, trimmed). */
export interface NewUserRequest {
  displayName: string;
  roleName: string;
  password: string;
  expiration: Date;
  /** The role's creation_statements as stored. */
  statements: string[];
  nowMs: number;
}

export interface DatabasePlugin {
  /** Opens (or reuses) the root connection and checks it answers. */
  verify(): Promise<void>;
  /** Creates the user and returns its name. */
  newUser(req: NewUserRequest): Promise<string>;
  renewUser(username: string, expiration: Date, statements: string[]): Promise<void>;
  /** Removes the user; succeeds when it is already gone. */
  revokeUser(username: string, statements: string[]): Promise<void>;
  /** Sets a new root password and returns it; the plugin switches to it. */
  rotateRoot(statements: string[]): Promise<string>;
  close(): Promise<void>;
}

export type PluginFactory = (details: Record<string, unknown>) => DatabasePlugin;

export function stringField(details: Record<string, unknown>, key: string): string {
  const value = details[key];
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

export function boolField(details: Record<string, unknown>, key: string, fallback: boolean) {
  const value = details[key];
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1' || value === 1) return true;
  if (value === 'false' || value === '0' || value === 0) return false;
  return fallback;
}
