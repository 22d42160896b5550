import { AppError } from '@flowstack/errors';

export const QUEUE_UNAVAILABLE = 'queue-unavailable';

/** Nothing was accepted; the caller answers 503 and the client retries. */
export function queueUnavailable(
  message: string,
  cause?: unknown,
  retryAfterSeconds = 2,
): AppError {
  return new AppError(message, {
    status: 503,
    code: QUEUE_UNAVAILABLE,
    isOperational: true,
    retryAfterSeconds,
    cause,
  });
}

/** The broker refused our topology or the spec is invalid: a deployment error, not a transient one. */
export function queueMisconfigured(message: string, cause?: unknown): AppError {
  return new AppError(message, {
    status: 500,
    code: 'queue-misconfigured',
    isOperational: false,
    cause,
  });
}

export const QUEUE_TOPOLOGY_CHANGED = 'queue-topology-changed';
export const MIGRATE_COMMAND = 'npm run -w @flowstack/worker queues:migrate';

/**
 * The broker refused a declaration because the queue exists with other arguments (406
 * PRECONDITION_FAILED "inequivalent arg"): classic versus quorum, or another delivery limit. A
 * queue's type and arguments cannot change in place; its messages have to move to a new queue.
 * Undefined for any other error.
 */
export function topologyChanged(queue: string, error: unknown): AppError | undefined {
  const text = error instanceof Error ? error.message : '';
  const match = /inequivalent arg '([^']+)' for queue '([^']+)'/.exec(text);
  if (match === null) return undefined;
  return new AppError(
    `queue ${match[2]} (of ${queue}) exists with other arguments than this process declares ` +
      `(first difference: ${match[1]}; RABBITMQ_QUEUE_TYPE, delivery limit): a queue's type and ` +
      `arguments cannot change in place. ` +
      `Stop the workers and run \`${MIGRATE_COMMAND}\` to move its messages to queues of the new ` +
      `type, or set RABBITMQ_QUEUE_TYPE to the type the queues have.`,
    { status: 500, code: QUEUE_TOPOLOGY_CHANGED, isOperational: false, cause: error },
  );
}

/** Error text safe for logs and headers: name and message only, never properties or stacks. */
export function describeError(error: unknown, maxLength = 500): string {
  const text =
    error instanceof Error
      ? `${error.name}: ${error.message}`
      : `non-error thrown: ${typeof error}`;
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}
