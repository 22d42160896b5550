import { prepareTestDatabase } from '@flowstack/domain/testing';

export default async function setup(): Promise<void> {
  await prepareTestDatabase();
}
