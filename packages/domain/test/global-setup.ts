import { prepareTestDatabase } from '../src/testing/test-environment.js';

export default async function setup(): Promise<void> {
  await prepareTestDatabase();
}
