import { describe, expect, it } from 'vitest';
import { withoutStaticCredentials } from './local-stack.js';

describe('withoutStaticCredentials', () => {
  it('when the environment carries static users and passwords, then they are dropped and the rest kept', () => {
    expect(
      withoutStaticCredentials({
        RABBITMQ_USER: 'guest',
        RABBITMQ_PASSWORD: 'guest',
        POSTGRES_USER: 'postgres',
        POSTGRES_PASSWORD: 'x',
        REDIS_USERNAME: 'default',
        REDIS_PASSWORD: 'y',
        RABBITMQ_HOST: '127.0.0.1',
        PORT: '3000',
      }),
    ).toEqual({ RABBITMQ_HOST: '127.0.0.1', PORT: '3000' });
  });
});
