import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { LDAP_DEFAULTS } from '@flowstack/infra-vault';

const SCRIPT = fileURLToPath(new URL('../../../scripts/ldap-server.sh', import.meta.url));

/** The directory's layout, as infra/ldap/flowstack.ldif holds it and the Vault bootstrap maps it. */
export const LDAP_DIRECTORY = {
  ...LDAP_DEFAULTS,
  /** Demo users (local-only passwords from the LDIF's header). */
  users: {
    operator: { username: 'ada', password: 'ada-operator-local-only' },
    developer: { username: 'grace', password: 'grace-developer-local-only' },
    noGroup: { username: 'linus', password: 'linus-nogroup-local-only' },
  },
} as const;

export interface LocalLdap {
  /** ldap://127.0.0.1:<port> */
  url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/**
 * Starts Debian's slapd as a throwaway directory (scripts/ldap-server.sh: its own config and
 * database in a temporary folder, loaded from infra/ldap/flowstack.ldif) and resolves once it
 * answers. Port 0 picks a free one. The script installs slapd with apt when it is missing, which
 * needs root.
 */
export async function startLocalLdap(options: { port?: number } = {}): Promise<LocalLdap> {
  const port = options.port && options.port > 0 ? options.port : await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'flowstack-ldap-'));
  const child = spawn('bash', [SCRIPT, dir, String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const stderr: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => stderr.push(line));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /^ldap-server ready (\S+)$/.exec(line);
      if (match?.[1]) resolve(match[1]);
    });
    void exited.then((code) =>
      reject(new Error(`slapd did not start (exit ${code}): ${stderr.slice(-5).join(' | ')}`)),
    );
  }).catch(async (error: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  let stopped: Promise<void> | undefined;
  return {
    url,
    stop() {
      stopped ??= (async () => {
        if (child.exitCode === null) child.kill('SIGTERM');
        await exited;
        await rm(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
