import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  /** The URL from the service's "listening" log line. */
  url: string;
  /** Sends SIGTERM and resolves with the exit code once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

export interface SpawnOptions {
  name: 'api' | 'worker';
  env: Record<string, string | undefined>;
  /** Receives each output line (JSON log lines and anything on stderr). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  startupTimeoutMs?: number;
}

export function serviceEntryPoint(name: 'api' | 'worker'): string {
  const indexUrl = import.meta.resolve(`@flowstack/${name}`);
  return fileURLToPath(new URL('./main.js', indexUrl));
}

/** Starts a service as a real process and resolves when it logs that it is listening. */
export function spawnService(options: SpawnOptions): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [serviceEntryPoint(options.name)], {
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const stderrLines: string[] = [];

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`${options.name} did not start within ${options.startupTimeoutMs ?? 30_000} ms`),
      );
    }, options.startupTimeoutMs ?? 30_000);

    createInterface({ input: child.stderr }).on('line', (line) => {
      stderrLines.push(line);
      options.onLine?.(line, 'stderr');
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      options.onLine?.(line, 'stdout');
      const url = listeningUrl(line, options.name);
      if (url === undefined) return;
      clearTimeout(timer);
      resolve({
        name: options.name,
        child,
        url,
        exited,
        stop: (signal = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(
        new Error(
          `${options.name} exited with code ${code} before listening: ${stderrLines.slice(-5).join(' | ')}`,
        ),
      );
    });
  });
}

function listeningUrl(line: string, name: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(line) as { msg?: unknown; url?: unknown };
    return parsed.msg === `${name} listening` && typeof parsed.url === 'string'
      ? parsed.url
      : undefined;
  } catch {
    return undefined;
  }
}
