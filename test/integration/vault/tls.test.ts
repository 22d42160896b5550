import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect, type PeerCertificate } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer, createApp, type ApiServer } from '@flowstack/api';
import { apiConfigSchema, type ApiConfig } from '@flowstack/api/config';
import { loadConfig } from '@flowstack/config';
import { testEnvironment } from '@flowstack/domain/testing';
import { createLogger, createMetrics } from '@flowstack/observability';
import { createLifecycle, openDataServices, type Lifecycle } from '@flowstack/service-kit';
import { createVaultClient, type VaultClient } from '@flowstack/vault';
import { startVaultDouble, type VaultDouble } from '@flowstack/vault-double';
import { Registry } from 'prom-client';

const CERT_TTL_SECONDS = 6;

let double: VaultDouble;
let vault: VaultClient;
let lifecycle: Lifecycle;
let api: ApiServer;
let port: number;
let caPem: string;
const logLines: string[] = [];
const logger = createLogger({
  service: 'api',
  level: 'debug',
  destination: { write: (line: string) => void logLines.push(line) },
});

/** A Vault with only what the api's certificate needs: pki_int and the api's role. */
async function setUpPki(target: VaultDouble): Promise<string> {
  const root = async (path: string, body: unknown) => {
    const response = await fetch(`${target.url}/v1/${path}`, {
      method: 'POST',
      headers: { 'X-Vault-Token': target.rootToken },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  };
  await root('sys/mounts/pki_int', { type: 'pki' });
  await root('pki_int/root/generate/internal', { common_name: 'flowstack test CA', ttl: '24h' });
  await root('pki_int/roles/flowstack-api', {
    allowed_domains: ['service.consul'],
    allow_subdomains: true,
    allow_localhost: true,
    allow_ip_sans: true,
    server_flag: true,
    key_type: 'ec',
    key_bits: 256,
    ttl: `${CERT_TTL_SECONDS}s`,
    max_ttl: '1h',
  });
  const ca = await fetch(`${target.url}/v1/pki_int/ca/pem`);
  return ca.text();
}

/** Opens a new TLS connection and returns what the server presented. */
function handshake(
  ca: string | undefined,
): Promise<{ authorized: boolean; cert: PeerCertificate }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ...(ca === undefined ? {} : { ca }) }, () => {
      const result = { authorized: socket.authorized, cert: socket.getPeerCertificate() };
      socket.end();
      resolve(result);
    });
    socket.once('error', reject);
  });
}

function get(
  agent: Agent,
  path: string,
): Promise<{ status: number; body: string; localPort: number | undefined; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent, method: 'GET' }, (res) => {
      const localPort = res.socket.localPort;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body,
          localPort,
          reused: req.reusedSocket,
        }),
      );
    });
    req.once('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  double = await startVaultDouble({ port: 0 });
  caPem = await setUpPki(double);
  const config: ApiConfig = loadConfig(
    'api',
    apiConfigSchema,
    testEnvironment({
      ORDERS_EXCHANGE: `test.tls.${randomUUID()}`,
      TLS_MODE: 'vault',
      TLS_CERT_TTL: `${CERT_TTL_SECONDS}s`,
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '60000',
    }),
  );
  const metrics = createMetrics({ service: 'api', defaultMetrics: false });
  lifecycle = createLifecycle({ logger });
  // Data services on static credentials; the certificate comes from the Vault double.
  const { db, cache, queue, pii } = await openDataServices({
    service: 'api',
    config,
    logger,
    metrics,
    lifecycle,
  });
  vault = createVaultClient({
    address: double.url,
    auth: { method: 'token', token: double.rootToken },
    logger,
    registry: new Registry(),
  });
  await vault.start();
  const app = createApp({
    config,
    db,
    cache,
    publisher: queue.createPublisher({ exchange: config.ORDERS_EXCHANGE }),
    logger,
    metrics,
    readiness: lifecycle.readiness,
    pii,
  });
  api = await createApiServer({ config, app, vault, logger });
  await new Promise<void>((resolve) => api.server.listen(0, '127.0.0.1', resolve));
  port = (api.server.address() as AddressInfo).port;
});

afterAll(async () => {
  api.close();
  api.server.closeAllConnections();
  await new Promise((resolve) => api.server.close(resolve));
  await vault.close();
  await lifecycle.shutdown('test');
  await double.stop();
});

describe('the api over HTTPS with a certificate from Vault PKI', () => {
  it('when TLS_MODE=vault, then the api answers over HTTPS with a certificate that chains to the Vault CA', async () => {
    const presented = await handshake(caPem);
    expect(presented.authorized).toBe(true);
    expect(presented.cert.subject.CN).toBe('api.service.consul');
    expect(presented.cert.subjectaltname).toContain('IP Address:127.0.0.1');
    // Without the Vault CA the same certificate is not trusted.
    await expect(handshake(undefined)).rejects.toThrow();

    const agent = new Agent({ ca: caPem, keepAlive: true, maxSockets: 1 });
    try {
      const live = await get(agent, '/health/live');
      expect(live.status).toBe(200);
    } finally {
      agent.destroy();
    }
  });

  it('when the certificate is renewed, then an open keep-alive connection keeps working and a new connection sees a new serial', async () => {
    const agent = new Agent({ ca: caPem, keepAlive: true, maxSockets: 1 });
    try {
      const first = await get(agent, '/health/live');
      expect(first.status).toBe(200);
      const before = (await handshake(caPem)).cert.serialNumber;

      // Renewal at 2/3 of a 6 s certificate: poll new handshakes, keep the old connection busy.
      let after = before;
      const deadline = Date.now() + 30_000;
      while (after === before && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        const again = await get(agent, '/health/live');
        expect(again.status).toBe(200);
        expect(again.localPort).toBe(first.localPort);
        after = (await handshake(caPem)).cert.serialNumber;
      }
      expect(after).not.toBe(before);

      const afterSwap = await get(agent, '/health/live');
      expect(afterSwap.status).toBe(200);
      expect(afterSwap.reused).toBe(true);
      expect(afterSwap.localPort).toBe(first.localPort);
      expect((await handshake(caPem)).authorized).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  it('when certificates were issued and swapped, then no log line carries a private key', () => {
    expect(logLines.some((line) => line.includes('certificate swapped'))).toBe(true);
    const leaks = logLines.filter((line) => /PRIVATE KEY|private_key|privateKey/.test(line));
    expect(leaks).toEqual([]);
  });
});
