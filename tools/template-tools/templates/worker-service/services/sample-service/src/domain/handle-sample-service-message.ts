import type { Cache } from '@flowstack/cache';
import { AppError } from '@flowstack/errors';
import { z } from 'zod';

const messageSchema = z.object({
  id: z.string().min(1).max(200),
  payload: z.record(z.string(), z.unknown()).default({}),
});

export type SampleServiceMessage = z.output<typeof messageSchema>;

/** Validates a message at the door; an invalid one is poison (400: dead-lettered, not retried). */
export function parseSampleServiceMessage(body: unknown): SampleServiceMessage {
  const parsed = messageSchema.safeParse(body);
  if (!parsed.success) {
    throw new AppError(
      `invalid sample-service message: ${parsed.error.issues[0]?.message ?? 'unknown'}`,
      {
        status: 400,
        code: 'invalid-message',
        isOperational: true,
      },
    );
  }
  return parsed.data;
}

export interface HandleSampleServiceDeps {
  cache: Cache;
  resultTtlSeconds: number;
}

/** The key under which a handled message is recorded (the cache adds REDIS_KEY_PREFIX). */
export const handledKey = (id: string) => `sample-service:handled:${id}`;

/**
 * The example use case: records that the message was handled. Replace the body with the
 * service's work; keep it idempotent, since a message can be delivered more than once.
 */
export async function handleSampleServiceMessage(
  deps: HandleSampleServiceDeps,
  body: unknown,
): Promise<void> {
  const message = parseSampleServiceMessage(body);
  await deps.cache.setJson(
    handledKey(message.id),
    { id: message.id, keys: Object.keys(message.payload).length },
    deps.resultTtlSeconds,
  );
}
