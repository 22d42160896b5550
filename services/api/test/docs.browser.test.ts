import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiUnderTest, type ApiUnderTest } from './support/api-under-test.js';

const CHROMIUM = '/usr/bin/chromium';
const INSTALL = fileURLToPath(new URL('../../../scripts/install-chromium.sh', import.meta.url));
/** Screenshots land here (gitignored), for a person to look at after the run. */
const OUTPUT = fileURLToPath(new URL('../test-output/', import.meta.url));

function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  // Debian's package, never a browser download; the script needs root and says so otherwise.
  const result = spawnSync('bash', [INSTALL], { encoding: 'utf8', timeout: 540_000 });
  if (result.status !== 0 || !existsSync(CHROMIUM)) {
    throw new Error(`Chromium is needed for this test: ${result.stderr.trim() || INSTALL}`);
  }
}

let api: ApiUnderTest;
let server: Server;
let baseUrl: string;
let browser: Browser;

beforeAll(async () => {
  ensureChromium();
  api = await startApiUnderTest({ env: { API_DOCS_ENABLED: 'true' }, bindCaptureQueue: false });
  server = createServer(api.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await api?.close();
});

describe('the interactive API docs', () => {
  it('when a person opens /docs and tries GET /v1/products, then the page shows the catalog the api served', async () => {
    const page = await browser.newPage();
    const failed: string[] = [];
    page.on('requestfailed', (req) => failed.push(req.url()));
    page.on('console', (message) => {
      if (message.type() === 'error') failed.push(message.text());
    });
    const apiCalls: number[] = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname === '/v1/products') apiCalls.push(response.status());
    });

    await page.goto(`${baseUrl}/docs/`);
    const operation = page.locator('#operations-default-listProducts');
    await operation.locator('.opblock-summary').click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    await operation.getByRole('button', { name: 'Execute' }).click();
    const status = operation.locator('.live-responses-table .response .response-col_status');
    await status.first().waitFor();

    expect((await status.first().innerText()).trim()).toBe('200');
    // The body the page shows is the catalog the api serves (parsed back from the page).
    const shown = await operation
      .locator('.live-responses-table .response .response-col_description pre')
      .first()
      .innerText();
    const served = (await request(api.app).get('/v1/products')).body as { items: unknown[] };
    expect(served.items.length).toBeGreaterThan(0);
    expect(JSON.parse(shown)).toEqual(served);
    expect(apiCalls).toEqual([200]);
    expect(failed).toEqual([]);
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: `${OUTPUT}docs-try-it-out.png`, fullPage: true });
    await page.close();
  });

  it('when the docs are off (the default), then /docs is a 404 problem and /openapi.json still answers', async () => {
    const off = await startApiUnderTest({ bindCaptureQueue: false });
    try {
      const docs = await request(off.app).get('/docs/');
      expect(docs.status).toBe(404);
      expect(docs.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect((await request(off.app).get('/openapi.json')).status).toBe(200);
    } finally {
      await off.close();
    }
  });
});
