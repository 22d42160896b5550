import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitFor } from '@flowstack/test-kit';
import type { IssuedCertificate } from './vault-pki.js';

const run = promisify(execFile);

export interface TlsRedis {
  port: number;
  password: string;
  stop(): Promise<void>;
}

/**
 * A redis-server of the test's own listening on TLS only (`--port 0 --tls-port`), presenting
 * `certificate`, with a password on the default user. Debian's redis-server 7 is built with TLS.
 */
export async function startTlsRedis(certificate: IssuedCertificate): Promise<TlsRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'flowstack-tls-redis-'));
  await chmod(dir, 0o700);
  const port = await freePort();
  const password = randomBytes(18).toString('base64url');
  const cert = join(dir, 'server.crt');
  const key = join(dir, 'server.key');
  const ca = join(dir, 'ca.crt');
  await writeFile(cert, certificate.certificate);
  await writeFile(key, certificate.privateKey, { mode: 0o600 });
  await writeFile(ca, certificate.issuingCa);
  const config = join(dir, 'redis.conf');
  // In a file, not argv: the password stays out of `ps`.
  await writeFile(
    config,
    [
      'port 0',
      `tls-port ${port}`,
      'bind 127.0.0.1',
      `tls-cert-file ${cert}`,
      `tls-key-file ${key}`,
      `tls-ca-cert-file ${ca}`,
      'tls-auth-clients no',
      `requirepass ${password}`,
      'save ""',
      'appendonly no',
      'daemonize yes',
      `dir ${dir}`,
      `pidfile ${join(dir, 'redis.pid')}`,
      `logfile ${join(dir, 'redis.log')}`,
    ].join('\n'),
    { mode: 0o600 },
  );
  await run('redis-server', [config], { timeout: 30_000 });
  await waitFor(() => accepting(port), { intervalMs: 100, what: `TLS redis-server on ${port}` });
  return {
    port,
    password,
    async stop() {
      await run('sh', ['-c', `kill "$(cat '${join(dir, 'redis.pid')}')"`]).catch(() => undefined);
      await waitFor(async () => !(await accepting(port)), `TLS redis-server on ${port} to stop`);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(true));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
  });
}
