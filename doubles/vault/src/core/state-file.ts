import { readFile, rename, writeFile } from 'node:fs/promises';
import type { SavedState } from './vault-core.js';

export async function loadState(path: string): Promise<SavedState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<SavedState>;
  if (parsed.version !== 1) {
    throw new Error(`state file ${path}: unsupported version ${String(parsed.version)}`);
  }
  return parsed as SavedState;
}

/**
 * Coalesces saves: at most one write in flight, and one more queued after it, so a burst of
 * changes costs two writes. Each write goes to a temp file renamed over the target.
 */
export function createStateWriter(
  path: string,
  snapshot: () => SavedState,
): { schedule(): void; flush(): Promise<void> } {
  let running: Promise<void> | undefined;
  let dirty = false;

  const writeOnce = async (): Promise<void> => {
    const tmp = `${path}.tmp`;
    await writeFile(tmp, JSON.stringify(snapshot()), { mode: 0o600 });
    await rename(tmp, path);
  };

  const run = (): Promise<void> => {
    running ??= (async () => {
      while (dirty) {
        dirty = false;
        await writeOnce();
      }
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  return {
    schedule() {
      dirty = true;
      run().catch(() => {
        // The next change or the final flush retries; a lost intermediate write is harmless.
        dirty = true;
      });
    },
    async flush() {
      if (running) await running.catch(() => undefined);
      dirty = true;
      await run();
    },
  };
}
