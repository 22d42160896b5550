import { createServer } from 'node:net';

/**
 * A TCP port on 127.0.0.1 that nothing listens on right now: bound to port 0, then released.
 * For a server the test starts under a port it must know in advance (a throwaway redis-server),
 * or, as `closedPort`, an address where a connection is refused.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
  });
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/** A port where connecting is refused: the same as `freePort`, named for what the test means. */
export const closedPort = freePort;
