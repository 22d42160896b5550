import { fileURLToPath } from 'node:url';

/** The production migrations, applied by the local stack, the tests and the deploy alike. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));
