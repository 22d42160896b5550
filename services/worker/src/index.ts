export { startWorker, type RunningWorker } from './start-worker.js';
export {
  consumeOrderCreated,
  type OrderConsumerOptions,
} from './entry-points/order-created-consumer.js';
