import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createCredentials } from './credentials.js';
import { createStaticCredentialSource } from './static-source.js';

describe('createCredentials', () => {
  it('when serialized or inspected, then the password never appears', () => {
    const credentials = createCredentials({
      username: 'app',
      password: 's3cr3t-pw',
      generation: 1,
    });
    expect(credentials.password).toBe('s3cr3t-pw');
    expect(JSON.stringify(credentials)).not.toContain('s3cr3t-pw');
    expect(inspect(credentials, { depth: 5 })).not.toContain('s3cr3t-pw');
    expect(JSON.stringify({ nested: credentials })).toContain('"username":"app"');
  });
});

describe('createStaticCredentialSource', () => {
  it('when asked twice, then it gives the same first generation', async () => {
    const source = createStaticCredentialSource({ username: 'u', password: 'p' });
    const first = await source.current();
    expect(first.generation).toBe(1);
    expect(await source.current()).toBe(first);
    expect(source.description).toBe('static');
  });
});
