import { createDatabaseEngine } from '../engines/database/database-engine.js';
import { createKvEngine } from '../engines/kv/kv-engine.js';
import { createPkiEngine } from '../engines/pki/pki-engine.js';
import { createRabbitmqEngine } from '../engines/rabbitmq/rabbitmq-engine.js';
import { createTransitEngine } from '../engines/transit/transit-engine.js';
import type { EngineFactory } from './types.js';

/**
 * Secret engine types that `sys/mounts/:path` can enable, by mount `type`.
 * The database and RabbitMQ engines register here too (src/engines/database, src/engines/rabbitmq).
 */
export const ENGINE_REGISTRY: Record<string, EngineFactory> = {
  kv: createKvEngine,
  'kv-v2': createKvEngine,
  transit: createTransitEngine,
  pki: createPkiEngine,
  database: createDatabaseEngine,
  rabbitmq: createRabbitmqEngine,
};
