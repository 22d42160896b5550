import type { EngineContext, SecretEngine } from '../../core/types.js';
import { createKvV1Engine } from './kv-v1-engine.js';
import { createKvV2Engine } from './kv-v2-engine.js';

/** The `kv` mount type: version 2 when `options.version` is "2", else version 1, as in Vault. */
export function createKvEngine(ctx: EngineContext): SecretEngine {
  const version = ctx.options['version'];
  return version === '2' || version === 2 ? createKvV2Engine(ctx) : createKvV1Engine(ctx);
}
