/**
 * A username/password pair with a generation number. The password is non-enumerable so that
 * JSON.stringify, pino and util.inspect never print it by accident.
 */
export interface Credentials {
  readonly username: string | undefined;
  readonly password: string | undefined;
  /** Increases every time the source hands out new credentials. */
  readonly generation: number;
  /** When the credentials stop working, if they expire (Vault leases do). */
  readonly expiresAt: Date | undefined;
}

export function createCredentials(init: {
  username?: string | undefined;
  password?: string | undefined;
  generation: number;
  expiresAt?: Date | undefined;
}): Credentials {
  const credentials = {
    username: init.username,
    generation: init.generation,
    expiresAt: init.expiresAt,
  };
  Object.defineProperty(credentials, 'password', {
    value: init.password,
    enumerable: false,
    writable: false,
  });
  return Object.freeze(credentials) as Credentials;
}

export type RotationListener = (next: Credentials) => void | Promise<void>;

/**
 * The seam between secrets and clients. A client asks for the current credentials when it
 * connects and subscribes to rotations; it never knows whether they are static or leased.
 */
export interface CredentialSource {
  /** Where the credentials come from, for logs and metrics: "static", "vault:database/creds/api". */
  readonly description: string;
  current(): Promise<Credentials>;
  /** Calls the listener with each new generation. Returns an unsubscribe function. */
  onRotate(listener: RotationListener): () => void;
  close(): Promise<void>;
}
