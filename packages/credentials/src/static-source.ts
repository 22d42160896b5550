import { createCredentials, type CredentialSource } from './credentials.js';

/** Credentials fixed at startup (local development, or a secret rendered into the environment). */
export function createStaticCredentialSource(values: {
  username?: string | undefined;
  password?: string | undefined;
}): CredentialSource {
  const credentials = createCredentials({ ...values, generation: 1 });
  return {
    description: 'static',
    current: () => Promise.resolve(credentials),
    onRotate: () => () => undefined,
    close: () => Promise.resolve(),
  };
}
