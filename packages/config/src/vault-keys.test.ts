import { describe, expect, it } from 'vitest';
import { commonConfigSchema } from './common-schema.js';
import { configProblems, loadConfig } from './load-config.js';

const problemsOf = (env: Record<string, string>) =>
  configProblems(commonConfigSchema, env).map((p) => `${p.key}: ${p.message}`);

describe('Vault login keys', () => {
  it.each([
    ['token', 'VAULT_TOKEN: required when VAULT_AUTH_METHOD=token, unless VAULT_TOKEN_FILE is set'],
    ['jwt', 'VAULT_JWT_FILE: required when VAULT_AUTH_METHOD=jwt'],
    ['approle', 'VAULT_APPROLE_ROLE_ID: required when VAULT_AUTH_METHOD=approle'],
  ])(
    'when VAULT_AUTH_METHOD=%s lacks what it logs in with, then loading fails naming the key',
    (method, problem) => {
      expect(problemsOf({ VAULT_AUTH_METHOD: method })).toEqual([problem]);
    },
  );

  it.each<Record<string, string>>([
    { VAULT_AUTH_METHOD: 'none' },
    { VAULT_AUTH_METHOD: 'token', VAULT_TOKEN: 'hvs.sample' },
    { VAULT_AUTH_METHOD: 'token', VAULT_TOKEN_FILE: '/secrets/vault_token' },
    { VAULT_AUTH_METHOD: 'jwt', VAULT_JWT_FILE: '/secrets/nomad_token' },
    { VAULT_AUTH_METHOD: 'approle', VAULT_APPROLE_ROLE_ID: 'role-id' },
  ])('when the login method has what it needs (%o), then loading succeeds', (env) => {
    expect(problemsOf(env)).toEqual([]);
  });

  it('when a token is set but the method is wrong, then the token is not echoed', () => {
    let message = '';
    try {
      loadConfig('sample', commonConfigSchema, {
        VAULT_AUTH_METHOD: 'jwt',
        VAULT_TOKEN: 'hvs.do-not-print',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('VAULT_JWT_FILE');
    expect(message).not.toContain('hvs.do-not-print');
  });
});
