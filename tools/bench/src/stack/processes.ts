import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface BenchProcess {
  name: string;
  pid: number;
  /** The URL the process announced. */
  url: string;
  child: ChildProcess;
  /** Peak resident set size so far (VmHWM), in MB; undefined once the process is gone. */
  peakRssMb(): number | undefined;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  /** The last lines the process wrote on stderr, for error messages. */
  stderrTail(): string[];
}

export interface SpawnNodeOptions {
  name: string;
  script: string;
  args?: string[];
  env: Record<string, string>;
  /** Flags for node itself, e.g. --cpu-prof (not allowed in NODE_OPTIONS). */
  nodeArgs?: string[];
  /** Returns the announced URL when a stdout line says the process is ready. */
  readyWhen: (line: string) => string | undefined;
  startupTimeoutMs?: number;
}

/**
 * Starts a Node process and waits for its "listening" line. After that, stdout is drained without
 * parsing, so the kit spends as little CPU as possible on the services' log lines.
 */
export function spawnNode(options: SpawnNodeOptions): Promise<BenchProcess> {
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), options.script, ...(options.args ?? [])],
    {
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const tail: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    tail.push(line);
    if (tail.length > 20) tail.shift();
  });
  const timeoutMs = options.startupTimeoutMs ?? 30_000;
  return new Promise<BenchProcess>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`${options.name} did not start within ${timeoutMs} ms: ${tail.join(' | ')}`),
      );
    }, timeoutMs);
    lines.on('line', (line) => {
      const url = options.readyWhen(line);
      if (url === undefined) return;
      clearTimeout(timer);
      lines.close();
      // Closing readline pauses stdout; a paused pipe fills up and stalls the service's logging.
      child.stdout.on('data', () => undefined);
      child.stdout.resume();
      resolve({
        name: options.name,
        pid: child.pid!,
        url,
        child,
        peakRssMb: () => peakRssMb(child.pid!),
        stderrTail: () => [...tail],
        stop: async (graceMs = 15_000) => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          try {
            return await exited;
          } finally {
            clearTimeout(killer);
          }
        },
      });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(
        new Error(`${options.name} exited with ${code} before it was ready: ${tail.join(' | ')}`),
      );
    });
  });
}

/** VmHWM from /proc: the kernel's own peak of the resident set. */
export function peakRssMb(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return match === null ? undefined : Math.round((Number(match[1]) / 1024) * 10) / 10;
  } catch {
    return undefined;
  }
}

/** For processes that log pino JSON: `{"msg":"<name> listening","url":...}`. */
export function listeningLine(name: string): (line: string) => string | undefined {
  const msg = `${name} listening`;
  return (line) => {
    if (!line.startsWith('{') || !line.includes(msg)) return undefined;
    try {
      const parsed = JSON.parse(line) as { msg?: unknown; url?: unknown };
      return parsed.msg === msg && typeof parsed.url === 'string' ? parsed.url : undefined;
    } catch {
      return undefined;
    }
  };
}
