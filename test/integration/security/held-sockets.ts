import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

const TCP_LISTEN = '0A';

/** Socket inodes of this process's open file descriptors. */
function ownSocketInodes(): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode !== undefined) inodes.add(inode);
    } catch {
      // The descriptor closed between listing and reading it.
    }
  }
  return inodes;
}

/**
 * How many accepted connections on `port` this process still holds a descriptor for (Linux
 * `/proc`). A socket the server has only half-closed is counted, one it destroyed is not, which
 * is what "released" means here; the peer cannot tell the two apart while it does not read.
 */
export function heldServerSockets(port: number): number {
  const own = ownSocketInodes();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let held = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const rows = readFileSync(table, 'utf8').split('\n').slice(1);
    for (const row of rows) {
      const fields = row.trim().split(/\s+/);
      const local = fields[1];
      const state = fields[3];
      const inode = fields[9];
      if (local === undefined || inode === undefined) continue;
      if (local.endsWith(`:${hexPort}`) && state !== TCP_LISTEN && own.has(inode)) held += 1;
    }
  }
  return held;
}

/** Polls (every 50 ms, bounded) until no accepted socket on `port` is held; resolves with the time taken. */
export async function timeUntilReleased(port: number, boundMs: number): Promise<number> {
  const started = Date.now();
  while (heldServerSockets(port) > 0) {
    if (Date.now() - started > boundMs) return Number.POSITIVE_INFINITY;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Date.now() - started;
}
