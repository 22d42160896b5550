export { startWorker, type RunningWorker } from './start-worker.js';
export {
  consumeOrderCreated,
  type OrderConsumerOptions,
} from './entry-points/mq/order-created-consumer.js';
export { runQueuesCli } from './entry-points/cli/queue-commands.js';
