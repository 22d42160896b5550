import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFile, chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@flowstack/test-kit';
import type { IssuedCertificate } from './vault-pki.js';

const run = promisify(execFile);
const PG_BIN = process.env.CHAOS_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const asRoot = process.getuid?.() === 0;

export interface TlsPostgres {
  port: number;
  user: string;
  password: string;
  stop(): Promise<void>;
}

async function asPostgres(tool: string, args: string[]): Promise<void> {
  const [command, all] = asRoot
    ? ['runuser', ['-u', 'postgres', '--', join(PG_BIN, tool), ...args]]
    : [join(PG_BIN, tool), args];
  await run(command, all, { cwd: tmpdir(), timeout: 90_000 });
}

/**
 * A PostgreSQL cluster of the test's own that accepts only TLS connections (`hostssl` with
 * scram-sha-256, everything else rejected) and presents `certificate`. The machine's shared
 * clusters are left as they are.
 */
export async function startTlsPostgres(certificate: IssuedCertificate): Promise<TlsPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'flowstack-tls-pg-'));
  await chmod(dir, 0o755);
  const port = await freePort();
  const password = randomBytes(18).toString('base64url');
  const dataDir = join(dir, 'data');
  const pwFile = join(dir, 'pw');
  await writeFile(pwFile, `${password}\n`, { mode: 0o644 });
  if (asRoot) await run('chown', ['postgres:postgres', dir, pwFile]);
  await asPostgres('initdb', [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '-A',
    'scram-sha-256',
    `--pwfile=${pwFile}`,
    '-N',
  ]);
  await rm(pwFile);
  const cert = join(dataDir, 'server.crt');
  const key = join(dataDir, 'server.key');
  await writeFile(cert, certificate.certificate);
  await writeFile(key, certificate.privateKey, { mode: 0o600 });
  await writeFile(
    join(dataDir, 'pg_hba.conf'),
    'hostssl all all 127.0.0.1/32 scram-sha-256\nhostnossl all all 0.0.0.0/0 reject\n',
  );
  await appendFile(
    join(dataDir, 'postgresql.conf'),
    `\nssl = on\nssl_cert_file = '${cert}'\nssl_key_file = '${key}'\n`,
  );
  if (asRoot) await run('chown', ['-R', 'postgres:postgres', dataDir]);
  await asPostgres('pg_ctl', [
    '-D',
    dataDir,
    '-l',
    join(dir, 'server.log'),
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
    '-w',
    'start',
  ]);
  return {
    port,
    user: 'postgres',
    password,
    async stop() {
      await asPostgres('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(
        () => undefined,
      );
      await rm(dir, { recursive: true, force: true });
    },
  };
}
