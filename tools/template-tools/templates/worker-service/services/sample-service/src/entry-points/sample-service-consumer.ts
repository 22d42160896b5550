import type { Consumer, QueueConnection, QueueType } from '@flowstack/queue';
import {
  handleSampleServiceMessage,
  type HandleSampleServiceDeps,
} from '../domain/handle-sample-service-message.js';

export interface SampleServiceConsumerOptions {
  exchange: string;
  queue: string;
  /** RABBITMQ_QUEUE_TYPE: quorum (the default) or classic, as the worker's queues. */
  queueType: QueueType;
  routingKey: string;
  prefetch: number;
  maxAttempts: number;
  retryDelaysMs: number[];
}

/** Ack after the handler resolves; a 4xx AppError is dead-lettered, anything else is retried. */
export function consumeSampleService(
  connection: QueueConnection,
  deps: HandleSampleServiceDeps,
  options: SampleServiceConsumerOptions,
): Promise<Consumer> {
  return connection.consume({
    queue: options.queue,
    queueType: options.queueType,
    exchange: options.exchange,
    routingKeys: [options.routingKey],
    prefetch: options.prefetch,
    maxAttempts: options.maxAttempts,
    retryDelaysMs: options.retryDelaysMs,
    handle: async (message) => {
      await handleSampleServiceMessage(deps, message.body);
    },
  });
}
