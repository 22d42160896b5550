import net from 'node:net';

export interface ProxyTarget {
  host: string;
  port: number;
}

/**
 * A TCP relay on a free port of 127.0.0.1 in front of a real server. It makes the server look
 * moved (`setTarget`), unreachable (`cut`: open connections drop, new ones are refused) or back
 * (`restore`), without touching the server others share.
 */
export interface TcpProxy {
  port: number;
  /** `http://127.0.0.1:<port>`, for HTTP servers behind the proxy. */
  url: string;
  /** Connections carried so far. */
  connections(): number;
  /** New connections go to this server; open ones stay where they are. */
  setTarget(target: ProxyTarget | string): void;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

function targetOf(target: ProxyTarget | string): ProxyTarget {
  if (typeof target !== 'string') return target;
  const url = new URL(target);
  return { host: url.hostname, port: Number(url.port) };
}

/** Without a target every connection is refused until `setTarget`. */
export async function startTcpProxy(initial?: ProxyTarget | string): Promise<TcpProxy> {
  let target = initial === undefined ? undefined : targetOf(initial);
  let open = true;
  let count = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (!open || target === undefined) {
      client.destroy();
      return;
    }
    count += 1;
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const cutAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    connections: () => count,
    setTarget(next) {
      target = targetOf(next);
    },
    cut() {
      open = false;
      cutAll();
    },
    restore() {
      open = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        cutAll();
        server.close(() => resolve());
      }),
  };
}
