import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs a command and returns stdout; the message of a failure carries stderr. */
export async function sh(
  command: string,
  args: string[],
  env?: NodeJS.ProcessEnv,
  timeoutMs = 90_000,
): Promise<string> {
  try {
    const { stdout } = await run(command, args, {
      env: { ...process.env, ...env },
      cwd: tmpdir(),
      timeout: timeoutMs,
    });
    return stdout;
  } catch (error) {
    const failed = error as { stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${failed.stderr ?? failed.message}`, {
      cause: error,
    });
  }
}

/** The servers drop to their own users when started as root, and must be told to. */
export const asRoot = process.getuid?.() === 0;
