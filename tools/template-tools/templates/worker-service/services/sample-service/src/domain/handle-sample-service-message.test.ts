import { AppError } from '@flowstack/errors';
import { describe, expect, it } from 'vitest';
import { parseSampleServiceMessage } from './handle-sample-service-message.js';

describe('parseSampleServiceMessage', () => {
  it('when the message has an id, then it is accepted with an empty payload by default', () => {
    expect(parseSampleServiceMessage({ id: 'm-1' })).toEqual({ id: 'm-1', payload: {} });
  });

  it('when the message has no id, then it is refused as a 400 (poison, dead-lettered)', () => {
    const refuse = () => parseSampleServiceMessage({ payload: {} });
    expect(refuse).toThrow(AppError);
    expect(refuse).toThrow(expect.objectContaining({ status: 400, code: 'invalid-message' }));
  });
});
