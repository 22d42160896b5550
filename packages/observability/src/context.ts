import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line of one unit of work (an HTTP request or a queue message) carries. */
export interface WorkContext {
  requestId?: string;
  messageId?: string;
}

const storage = new AsyncLocalStorage<WorkContext>();

export function runWithContext<T>(context: WorkContext, work: () => T): T {
  return storage.run(context, work);
}

export function currentContext(): WorkContext | undefined {
  return storage.getStore();
}
