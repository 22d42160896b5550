import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitFor } from '@flowstack/test-kit';
import type { IssuedCertificate } from './vault-pki.js';

const run = promisify(execFile);
const asRoot = process.getuid?.() === 0;

export interface TlsRabbit {
  port: number;
  stop(): Promise<void>;
}

/**
 * A RabbitMQ node of the test's own with an AMQPS listener only (`listeners.tcp = none`,
 * `listeners.ssl.default`), presenting `certificate`; `guest` may log in over loopback.
 */
export async function startTlsRabbit(certificate: IssuedCertificate): Promise<TlsRabbit> {
  const dir = await mkdtemp(join(tmpdir(), 'flowstack-tls-rabbit-'));
  await chmod(dir, 0o755);
  const [port, distPort] = [await freePort(), await freePort()];
  const node = `tls-${port}@localhost`;
  await mkdir(join(dir, 'mnesia'), { recursive: true });
  await mkdir(join(dir, 'log'), { recursive: true });
  await writeFile(join(dir, 'enabled_plugins'), '[].\n');
  await writeFile(join(dir, 'server.crt'), certificate.certificate);
  await writeFile(join(dir, 'server.key'), certificate.privateKey, { mode: 0o600 });
  await writeFile(join(dir, 'ca.crt'), certificate.issuingCa);
  await writeFile(
    join(dir, 'rabbitmq.conf'),
    [
      'listeners.tcp = none',
      `listeners.ssl.default = 127.0.0.1:${port}`,
      `ssl_options.cacertfile = ${join(dir, 'ca.crt')}`,
      `ssl_options.certfile = ${join(dir, 'server.crt')}`,
      `ssl_options.keyfile = ${join(dir, 'server.key')}`,
      'ssl_options.verify = verify_none',
      'ssl_options.fail_if_no_peer_cert = false',
      '',
    ].join('\n'),
  );
  if (asRoot) await run('chown', ['-R', 'rabbitmq:rabbitmq', dir]);
  const env = {
    ...process.env,
    RABBITMQ_NODENAME: node,
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_FEATURE_FLAGS_FILE: join(dir, 'feature_flags'),
  };
  await run('rabbitmq-server', ['-detached'], { env, cwd: tmpdir(), timeout: 60_000 });
  await waitFor(
    () =>
      run('rabbitmqctl', ['-n', node, 'await_startup', '--timeout', '60'], {
        timeout: 70_000,
      }).then(
        () => true,
        () => false,
      ),
    { timeoutMs: 120_000, intervalMs: 500, what: `RabbitMQ node ${node}` },
  );
  return {
    port,
    async stop() {
      await run('rabbitmqctl', ['-n', node, 'stop'], { timeout: 60_000 }).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
