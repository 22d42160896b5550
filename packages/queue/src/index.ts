export { createQueueConnection } from './queue-connection.js';
export { defaultClassifyFailure } from './failure-routing.js';
export { MIGRATE_COMMAND, QUEUE_TOPOLOGY_CHANGED, QUEUE_UNAVAILABLE } from './queue-errors.js';
export { HEADER, deadLetterQueueName, retryQueueName } from './topology.js';
export type {
  SettledEvent,
  BatchSpec,
  ConsumedMessage,
  Consumer,
  ConsumerSpec,
  FailureAction,
  PublishOptions,
  Publisher,
  PublisherOptions,
  QueueConnection,
  QueueConnectionOptions,
  QueueType,
} from './types.js';
export { listDeadLetters, replayDeadLetters, type DeadLetter } from './dead-letters.js';
export {
  migrateQueues,
  type QueueMigrationOptions,
  type QueueMigrationReport,
} from './queue-migration.js';
