export { createCache, type Cache, type CacheOptions } from './cache.js';
export { CacheUnavailableError } from './cache-errors.js';
