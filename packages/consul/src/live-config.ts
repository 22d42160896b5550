import type { Logger } from '@flowstack/observability';
import type { z } from 'zod';
import type { ConsulClient, KvEntry } from './consul-client.js';

export interface LiveConfigOptions<S extends z.ZodObject> {
  client: ConsulClient;
  /** flowstack/config/<service>/ */
  prefix: string;
  /** The service's config schema; each key is validated with its own field schema. */
  schema: S;
  /** Keys that may change at runtime; others are refused (they need a restart). */
  liveKeys: readonly (keyof z.output<S> & string)[];
  /** The values at startup (env and defaults): a deleted key goes back to its startup value. */
  initial: z.output<S>;
  /** Applies one accepted value. */
  apply: (key: keyof z.output<S> & string, value: unknown) => void;
  logger: Logger;
}

export interface LiveConfig {
  /** Resolves after the first answer from Consul was applied (or rejects after timeoutMs). */
  ready(timeoutMs: number): Promise<void>;
  stop(): void;
}

/**
 * Watches `flowstack/config/<service>/<KEY>` with a blocking query. A value is parsed with the
 * field's schema: valid values are applied at once; an invalid value is refused with a log line
 * and the last good value stays. Values are never logged (a key may hold something sensitive).
 */
export function watchLiveConfig<S extends z.ZodObject>(options: LiveConfigOptions<S>): LiveConfig {
  const log = options.logger.child({ component: 'live-config', prefix: options.prefix });
  const live = new Set<string>(options.liveKeys);
  const shape = options.schema.shape as Record<string, z.ZodType>;
  const initial = options.initial as Record<string, unknown>;
  /** Raw value last seen per key (valid or not), so unchanged keys are not re-applied. */
  const seen = new Map<string, string>();
  const applied = new Map<string, unknown>();
  let resolveReady: () => void = () => undefined;
  const firstApplied = new Promise<void>((resolve) => {
    resolveReady = resolve;
  });

  function setValue(key: string, value: unknown, source: string): void {
    const before = applied.has(key) ? applied.get(key) : initial[key];
    applied.set(key, value);
    if (Object.is(before, value)) return;
    options.apply(key, value);
    log.info({ key, source }, 'live config applied');
  }

  function onEntries(entries: KvEntry[]): void {
    const present = new Set<string>();
    for (const entry of entries) {
      const key = entry.key.slice(options.prefix.length);
      if (key === '' || key.includes('/')) continue;
      present.add(key);
      if (seen.get(key) === entry.value) continue;
      seen.set(key, entry.value);
      const field = shape[key];
      if (field === undefined || !live.has(key)) {
        log.warn(
          { key, liveKeys: [...live] },
          field === undefined
            ? 'live config refused: unknown key'
            : 'live config refused: this key needs a restart',
        );
        continue;
      }
      const parsed = field.safeParse(entry.value);
      if (!parsed.success) {
        log.warn(
          { key, issues: parsed.error.issues.map((issue) => issue.message) },
          'live config refused: invalid value; keeping the last good value',
        );
        continue;
      }
      setValue(key, parsed.data, 'consul');
    }
    for (const key of [...seen.keys()]) {
      if (present.has(key)) continue;
      seen.delete(key);
      if (live.has(key) && applied.has(key)) setValue(key, initial[key], 'startup');
    }
    resolveReady();
  }

  const watch = options.client.watchKvPrefix(options.prefix, {
    onChange: onEntries,
    onError: (error) => log.warn({ err: error }, 'live config watch failed; retrying'),
  });

  return {
    ready(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer from Consul KV within ${timeoutMs} ms`)),
          timeoutMs,
        );
      });
      return Promise.race([firstApplied, timeout]).finally(() => clearTimeout(timer));
    },
    stop: () => watch.stop(),
  };
}
