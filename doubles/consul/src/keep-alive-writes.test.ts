import { Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startConsulDouble } from './consul-double.js';

afterEach(() => {
  vi.restoreAllMocks();
});

// Not timed (the timing is in `npm run bench`): a kept-alive answer split into several small
// writes is what lets Nagle and the client's delayed ACK stall it.
// fetch keeps its connection alive between sequential requests.
const drain = async (res: Response): Promise<number> => (await res.arrayBuffer(), res.status);

describe('kept-alive answers', () => {
  it('when JSON, text and empty answers share a connection, then each is one socket write', async () => {
    const consul = await startConsulDouble({ port: 0, dnsPort: 0 });
    const serverSide = (socket: Socket): boolean => socket.localPort === consul.port;
    const writes = vi.spyOn(Socket.prototype, 'write');
    try {
      expect(await fetch(`${consul.url}/v1/agent/self`).then(drain)).toBe(200);
      expect(await fetch(`${consul.url}/v1/status/leader`).then(drain)).toBe(200);
      expect(await fetch(`${consul.url}/v1/kv/absent-${Date.now()}`).then(drain)).toBe(404);
      // Zero-length writes (node:http's end-of-message marker) put nothing on the wire.
      const serverWrites = writes.mock.calls.filter(
        ([chunk], i) => serverSide(writes.mock.contexts[i] as Socket) && String(chunk) !== '',
      );
      expect(serverWrites).toHaveLength(3);
    } finally {
      await consul.stop();
    }
  });
});
