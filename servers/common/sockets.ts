import type { Server, Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * How long a connection the server is done with (a refused handshake, a malformed request) waits
 * for its client to close its half before it is destroyed, ms: long enough for the answer to be
 * read on loopback and far beyond, short enough that a client that never closes holds nothing.
 */
export const LINGER_MS = 1000;

/**
 * Ends a connection the server is done with: half-closes it now (what was written still goes out),
 * drops whatever the client still sends, and destroys it when the client closes its half or after
 * `lingerMs`, whichever comes first. A client that keeps its half open cannot hold the fd.
 */
export function endSoon(socket: Duplex, lingerMs: number = LINGER_MS): void {
  if (socket.destroyed) return;
  const timer = setTimeout(() => socket.destroy(), lingerMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.on('error', () => socket.destroy());
  socket.resume();
  socket.end();
}

/** Every open TCP connection of one server, whatever it carries (HTTP, upgraded, refused). */
export interface SocketTracker {
  /** Destroys every connection still open. */
  destroyAll(): void;
}

/** Keeps track of a server's connections from 'connection' to 'close'. */
export function trackSockets(server: Server): SocketTracker {
  const open = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  return {
    destroyAll() {
      for (const socket of open) socket.destroy();
    },
  };
}

/**
 * Waits for `closing` (a server's orderly close) for at most `graceMs`, then destroys every
 * connection still open, so the close ends whatever clients do, and waits for it to finish.
 */
export async function closeWithin(closing: Promise<void>, graceMs: number, sockets: SocketTracker): Promise<void> {
  let grace: NodeJS.Timeout | undefined;
  const graceOver = new Promise<void>((resolve) => (grace = setTimeout(resolve, graceMs)));
  await Promise.race([closing, graceOver]);
  clearTimeout(grace);
  sockets.destroyAll();
  await closing;
}
