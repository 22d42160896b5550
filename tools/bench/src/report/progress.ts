import type { WriteStream } from 'node:tty';

export interface Progress {
  tick(completedThisSecond: number, elapsedSeconds: number): void;
  done(): void;
}

/** A one-line progress bar on stderr; silent when stderr is not a terminal (CI, pipes). */
export function createProgress(
  label: string,
  totalSeconds: number,
  stream: NodeJS.WriteStream | WriteStream = process.stderr,
): Progress {
  if (!stream.isTTY) return { tick: () => undefined, done: () => undefined };
  const width = 30;
  let total = 0;
  return {
    tick(completed, elapsed) {
      total += completed;
      const filled = Math.min(width, Math.round((elapsed / Math.max(1, totalSeconds)) * width));
      const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
      stream.write(
        `\r${label} [${bar}] ${elapsed}/${totalSeconds}s ${completed} req/s, ${total} requests `,
      );
    },
    done() {
      stream.write('\n');
    },
  };
}
