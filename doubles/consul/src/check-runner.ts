import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Catalog, CatalogObserver, CheckRecord } from './catalog.js';
import { ConsulDoubleError, notFound } from './errors.js';
import type { CheckStatus } from './registration.js';

export interface CheckRunnerOptions {
  /** Consul raises shorter intervals to 1s. */
  intervalFloorMs?: number;
  /** How often the critical-service reaper runs (Consul: 30s). */
  reapIntervalMs?: number;
  /** Smallest DeregisterCriticalServiceAfter honoured (Consul: 1m). */
  reapMinimumMs?: number;
  random?: () => number;
}

export interface CheckResult {
  status: CheckStatus;
  output: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const OUTPUT_MAX = 4096;

/**
 * Runs the checks the catalog holds, on real timers: HTTP checks request their URL, TCP checks
 * connect, TTL checks turn critical when nobody reports in time. Also runs the reaper for
 * DeregisterCriticalServiceAfter.
 */
export class CheckRunner implements CatalogObserver {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly generation = new Map<string, number>();
  private reaper: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly inFlight = new AbortController();
  private readonly intervalFloorMs: number;
  private readonly reapIntervalMs: number;
  private readonly reapMinimumMs: number;
  private readonly random: () => number;

  constructor(
    private readonly catalog: Catalog,
    options: CheckRunnerOptions = {},
  ) {
    this.intervalFloorMs = options.intervalFloorMs ?? 1000;
    this.reapIntervalMs = options.reapIntervalMs ?? 30_000;
    this.reapMinimumMs = options.reapMinimumMs ?? 60_000;
    this.random = options.random ?? Math.random;
  }

  start(): void {
    this.catalog.setObserver(this);
    for (const check of this.catalog.allChecks()) this.checkAdded(check);
    this.reaper = setInterval(
      () => this.catalog.reapCritical(this.reapMinimumMs),
      this.reapIntervalMs,
    );
    this.reaper.unref();
  }

  stop(): void {
    this.stopped = true;
    this.inFlight.abort();
    this.catalog.setObserver(undefined);
    clearInterval(this.reaper);
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  checkAdded(check: CheckRecord): void {
    if (this.stopped || !check.definition) return;
    const generation = (this.generation.get(check.checkId) ?? 0) + 1;
    this.generation.set(check.checkId, generation);
    const { type, intervalMs } = check.definition;
    if (type === 'ttl') {
      this.armTtl(check);
      return;
    }
    const interval = Math.max(intervalMs ?? 0, this.intervalFloorMs);
    // Consul staggers the first run randomly within the interval.
    this.schedule(check.checkId, generation, Math.floor(this.random() * interval), interval);
  }

  checkRemoved(check: CheckRecord): void {
    clearTimeout(this.timers.get(check.checkId));
    this.timers.delete(check.checkId);
    this.generation.set(check.checkId, (this.generation.get(check.checkId) ?? 0) + 1);
  }

  /** pass/warn/fail/update: sets the status of a TTL check and restarts its TTL. */
  updateTtl(checkId: string, status: CheckStatus, output: string): void {
    const check = this.catalog.getCheck(checkId);
    if (!check) {
      throw notFound(
        `Unknown check ID "${checkId}". Ensure that the check ID is passed, not the check name.`,
      );
    }
    if (check.definition?.type !== 'ttl') {
      throw new ConsulDoubleError(500, `CheckID "${checkId}" does not have associated TTL`);
    }
    this.catalog.setCheckStatus(checkId, status, output.slice(0, OUTPUT_MAX));
    this.armTtl(check);
  }

  private armTtl(check: CheckRecord): void {
    clearTimeout(this.timers.get(check.checkId));
    const ttl = check.definition?.ttlMs ?? 0;
    const timer = setTimeout(() => {
      this.timers.delete(check.checkId);
      this.catalog.setCheckStatus(check.checkId, 'critical', 'TTL expired');
    }, ttl);
    timer.unref();
    this.timers.set(check.checkId, timer);
  }

  private schedule(checkId: string, generation: number, delayMs: number, intervalMs: number): void {
    const timer = setTimeout(() => {
      void this.runOnce(checkId, generation).finally(() => {
        if (this.isCurrent(checkId, generation)) {
          this.schedule(checkId, generation, intervalMs, intervalMs);
        }
      });
    }, delayMs);
    timer.unref();
    this.timers.set(checkId, timer);
  }

  private isCurrent(checkId: string, generation: number): boolean {
    return !this.stopped && this.generation.get(checkId) === generation;
  }

  private async runOnce(checkId: string, generation: number): Promise<void> {
    const check = this.catalog.getCheck(checkId);
    const definition = check?.definition;
    if (!definition) return;
    const timeoutMs = definition.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const result =
      definition.type === 'http'
        ? await probeHttp(definition.http ?? '', {
            method: definition.method ?? 'GET',
            header: definition.header ?? {},
            body: definition.body,
            tlsSkipVerify: definition.tlsSkipVerify ?? false,
            timeoutMs,
            signal: this.inFlight.signal,
          })
        : await probeTcp(definition.tcp ?? '', timeoutMs, this.inFlight.signal);
    // The check may have been replaced or removed while the probe was in flight.
    if (this.isCurrent(checkId, generation)) {
      this.catalog.setCheckStatus(checkId, result.status, result.output);
    }
  }
}

export interface HttpProbeOptions {
  method: string;
  header: Record<string, string[]>;
  body?: string;
  tlsSkipVerify: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** One HTTP check run: 2xx passing, 429 warning, anything else critical. */
export function probeHttp(url: string, options: HttpProbeOptions): Promise<CheckResult> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      resolve({ status: 'critical', output: `invalid URL ${url}` });
      return;
    }
    const client = target.protocol === 'https:' ? https : http;
    const headers: Record<string, string[] | string> = {
      'User-Agent': 'Consul Health Check',
      Accept: 'text/plain, text/*, */*',
      ...options.header,
    };
    const request = client.request(
      target,
      {
        method: options.method,
        headers,
        timeout: options.timeoutMs,
        rejectUnauthorized: !options.tlsSkipVerify,
        agent: false,
        signal: options.signal,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size < OUTPUT_MAX) chunks.push(chunk);
          size += chunk.length;
        });
        response.on('error', () => undefined);
        response.on('end', () => {
          const code = response.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8').slice(0, OUTPUT_MAX);
          const output = `HTTP ${options.method} ${url}: ${code} ${http.STATUS_CODES[code] ?? ''} Output: ${text}`;
          const status: CheckStatus =
            code >= 200 && code < 300 ? 'passing' : code === 429 ? 'warning' : 'critical';
          resolve({ status, output });
        });
      },
    );
    request.on('timeout', () => {
      request.destroy(
        new Error(`context deadline exceeded (Client.Timeout exceeded while awaiting headers)`),
      );
    });
    request.on('error', (error) => {
      resolve({ status: 'critical', output: `${options.method} "${url}": ${error.message}` });
    });
    request.end(options.body);
  });
}

/** One TCP check run: passing when a connection opens within the timeout. */
export function probeTcp(
  address: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<CheckResult> {
  return new Promise((resolve) => {
    const cut = address.lastIndexOf(':');
    const host = address.slice(0, cut).replace(/^\[|\]$/g, '');
    const port = Number(address.slice(cut + 1));
    if (cut <= 0 || !Number.isInteger(port)) {
      resolve({ status: 'critical', output: `dial tcp ${address}: missing port in address` });
      return;
    }
    // net.connect never takes its abort listener off a signal it was given (Node 20), so a shared
    // signal would gain one listener per probe for as long as the double runs: hand it a dependant.
    const socket = net.connect({ host, port, signal: signal && AbortSignal.any([signal]) });
    socket.setTimeout(timeoutMs);
    socket.once('connect', () => {
      socket.destroy();
      resolve({ status: 'passing', output: `TCP connect ${address}: Success` });
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve({ status: 'critical', output: `dial tcp ${address}: i/o timeout` });
    });
    socket.once('error', (error) => {
      resolve({ status: 'critical', output: `dial tcp ${address}: ${error.message}` });
    });
  });
}
