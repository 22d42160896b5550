import type { Consumer, QueueConnection } from '@flowstack/queue';
import {
  handleSampleServiceMessage,
  type HandleSampleServiceDeps,
} from '../domain/handle-sample-service-message.js';

export interface SampleServiceConsumerOptions {
  exchange: string;
  queue: string;
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
