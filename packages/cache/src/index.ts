export { createCache, type Cache, type CacheOptions, type CachedBody } from './cache.js';
export { LocalTier, weakEtag, type LocalEntry, type LocalTierOptions } from './local-tier.js';
export { CacheUnavailableError } from './cache-errors.js';
