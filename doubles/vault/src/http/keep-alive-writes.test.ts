import { Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startVaultDouble } from '../index.js';

afterEach(() => {
  vi.restoreAllMocks();
});

// Not timed: the stall was Nagle holding the second small write of each answer until the
// client's delayed ACK, so the check is on its causes (the timing itself is in `npm run bench`).
// fetch keeps its connection alive between sequential requests.
const drain = async (res: Response): Promise<number> => (await res.arrayBuffer(), res.status);

describe('kept-alive answers', () => {
  it('when two requests share a connection, then each answer is one socket write on a no-delay socket', async () => {
    const double = await startVaultDouble({ port: 0 });
    const port = Number(new URL(double.url).port);
    const serverSide = (socket: Socket): boolean => socket.localPort === port;
    const writes = vi.spyOn(Socket.prototype, 'write');
    const noDelay = vi.spyOn(Socket.prototype, 'setNoDelay');
    try {
      expect(await fetch(`${double.url}/v1/sys/health`).then(drain)).toBe(200);
      expect(await fetch(`${double.url}/v1/sys/health`).then(drain)).toBe(200);
      // Zero-length writes (node:http's end-of-message marker) put nothing on the wire.
      const answerSockets = writes.mock.contexts.filter(
        (socket, i) => serverSide(socket as Socket) && String(writes.mock.calls[i]?.[0]) !== '',
      );
      expect(answerSockets).toHaveLength(2);
      const noDelaySockets = noDelay.mock.contexts.filter(
        (_socket, i) => noDelay.mock.calls[i]?.[0] === true,
      );
      for (const socket of answerSockets) expect(noDelaySockets).toContain(socket);
    } finally {
      await double.stop();
    }
  });
});
