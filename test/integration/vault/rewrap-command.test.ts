import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticCredentialSource } from '@flowstack/credentials';
import { createDatabase, type Database } from '@flowstack/db';
import { migrateDatabase, transitVersionOf } from '@flowstack/domain';
import { testEnvironment } from '@flowstack/domain/testing';
import { createLogger } from '@flowstack/observability';
import {
  createEnvelopeSealer,
  createTransitSealer,
  createVaultClient,
  type Transit,
  type VaultClient,
} from '@flowstack/vault';
import { startVaultDouble, type VaultDouble } from '@flowstack/vault-double';

const BIN = fileURLToPath(
  new URL('../../../services/worker/dist/entry-points/cli/rewrap-main.js', import.meta.url),
);
// A database of its own: the command scans every order, and rows sealed by other tests' Vaults
// (other keys) must not be in its way.
const DB_NAME = `flowstack_rewrap_${randomUUID().slice(0, 8)}`;
const env = testEnvironment({ POSTGRES_DB: DB_NAME });
const logger = createLogger({ service: 'rewrap-command-test', level: 'silent' });

let double: VaultDouble;
let vault: VaultClient;
let transit: Transit;
let db: Database;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runRewrap(args: string[], overrides: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: {
        PATH: process.env.PATH,
        ...env,
        VAULT_AUTH_METHOD: 'token',
        VAULT_ADDR: double.url,
        VAULT_TOKEN: double.rootToken,
        LOG_LEVEL: 'info',
        ...overrides,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function storedEmails(ids: string[]): Promise<string[]> {
  const { rows } = await db.query<{ customer_email: string }>(
    'SELECT customer_email FROM orders WHERE id = ANY($1::uuid[]) ORDER BY array_position($1::uuid[], id)',
    [ids],
  );
  return rows.map((row) => row.customer_email);
}

beforeAll(async () => {
  await migrateDatabase({
    host: env.POSTGRES_HOST!,
    port: Number(env.POSTGRES_PORT),
    database: DB_NAME,
    credentials: createStaticCredentialSource({ username: env.POSTGRES_USER }),
    logger,
    createDatabase: true,
  });
  db = await createDatabase({
    host: env.POSTGRES_HOST!,
    port: Number(env.POSTGRES_PORT),
    database: DB_NAME,
    credentials: createStaticCredentialSource({ username: env.POSTGRES_USER }),
    logger,
  });
  double = await startVaultDouble({ port: 0 });
  for (const [path, body] of [
    ['sys/mounts/transit', { type: 'transit' }],
    ['transit/keys/orders-pii', {}],
  ] as const) {
    await fetch(`${double.url}/v1/${path}`, {
      method: 'POST',
      headers: { 'X-Vault-Token': double.rootToken },
      body: JSON.stringify(body),
    });
  }
  vault = createVaultClient({
    address: double.url,
    auth: { method: 'token', token: double.rootToken },
    logger,
    registry: new Registry(),
  });
  await vault.start();
  transit = vault.transit('orders-pii');
}, 60_000);

afterAll(async () => {
  await vault.close();
  await double.stop();
  await db.close();
  const admin = new pg.Client({
    host: env.POSTGRES_HOST,
    port: Number(env.POSTGRES_PORT),
    user: env.POSTGRES_USER,
    database: 'postgres',
  });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
});

describe('npm run orders:rewrap (flowstack-rewrap)', () => {
  it('when the key rotated, then every stored e-mail moves to the new version in batches, still opens to the same address, and a second run changes nothing', async () => {
    const direct = createTransitSealer(transit);
    const envelope = createEnvelopeSealer(transit);
    const ids = Array.from({ length: 5 }, () => randomUUID());
    const emails = ids.map((id) => `rewrap-cmd-${id.slice(0, 8)}@example.com`);
    // Three direct values, two envelope values (same data key).
    const sealed = await Promise.all(
      emails.map((email, index) => (index < 3 ? direct.seal(email) : envelope.seal(email))),
    );
    for (const [index, id] of ids.entries()) {
      await db.query(
        `INSERT INTO orders (id, request_fingerprint, customer_email, total_cents, currency, accepted_at)
         VALUES ($1, 'fp', $2, 100, 'EUR', now())`,
        [id, sealed[index]],
      );
    }
    expect((await storedEmails(ids)).map(transitVersionOf)).toEqual([1, 1, 1, 1, 1]);
    await fetch(`${double.url}/v1/transit/keys/orders-pii/rotate`, {
      method: 'POST',
      headers: { 'X-Vault-Token': double.rootToken },
    });

    const first = await runRewrap(['--batch-size', '2']);

    expect(first.stderr).not.toContain('flowstack-rewrap:');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Transit key transit/orders-pii: newest version v2');
    expect(first.stdout).toMatch(/scanned 2, rewrapped 2/);
    expect(first.stdout).toMatch(/scanned 4, rewrapped 4/);
    expect(first.stdout).toContain('done: 5 rewrapped to v2, 0 already on v2, 0 changed meanwhile');
    const after = await storedEmails(ids);
    expect(after.map(transitVersionOf)).toEqual([2, 2, 2, 2, 2]);
    expect(after.slice(0, 3).every((value) => value.startsWith('vault:v2:'))).toBe(true);
    expect(after.slice(3).every((value) => value.startsWith('envelope:v1:vault:v2:'))).toBe(true);
    const reader = createEnvelopeSealer(transit);
    expect(
      await Promise.all(
        after.map((value, index) => (index < 3 ? direct.open(value) : reader.open(value))),
      ),
    ).toEqual(emails);

    const second = await runRewrap([]);

    expect(second.code).toBe(0);
    expect(second.stdout).toContain('done: 0 rewrapped to v2, 5 already on v2');
    expect(await storedEmails(ids)).toEqual(after);

    // Neither plaintext nor the token reaches the output.
    const output = [first, second].map((run) => run.stdout + run.stderr).join('\n');
    for (const email of emails) expect(output).not.toContain(email);
    expect(output).not.toContain(double.rootToken);
  }, 60_000);

  it('when --batch-size is not a whole number from 1 to 10000, then it exits 2 with the reason and the usage', async () => {
    const run = await runRewrap(['--batch-size', '0']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--batch-size must be a whole number from 1 to 10000, not "0"');
    expect(run.stderr).toContain('Usage: flowstack-rewrap');
  });

  it('when an unknown option is given, then it exits 2', async () => {
    const run = await runRewrap(['--everything']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Unknown option '--everything'");
  });

  it('when Vault is off, then it exits 2 and says which keys to set', async () => {
    const run = await runRewrap([], { VAULT_AUTH_METHOD: 'none' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Vault is off (VAULT_AUTH_METHOD=none)');
  });

  it('when token login is chosen without a token, then it exits 2 and names the missing key', async () => {
    const run = await runRewrap([], { VAULT_TOKEN: '' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/VAULT_TOKEN/);
  });

  it('when the token is refused by Vault, then it exits 1 and prints no token', async () => {
    const run = await runRewrap([], { VAULT_TOKEN: 'hvs.not-a-valid-token' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('flowstack-rewrap:');
    expect(run.stderr).not.toContain('hvs.not-a-valid-token');
  });
});
