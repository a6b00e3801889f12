import type { Socket } from 'node:net';
import type { ClientCounters } from './types.ts';

/**
 * Counts connections and bytes on the sockets a client uses: the bytes of closed sockets are
 * added up when they close, those of open sockets read when asked.
 */
export class SocketMeter {
  private readonly open = new Set<Socket>();
  private readonly seen = new WeakSet<Socket>();
  private closedWritten = 0;
  private closedRead = 0;

  constructor(private readonly counters: ClientCounters) {}

  /** Starts counting a socket; a socket already counted (keep-alive reuse) is ignored. */
  track(socket: Socket): void {
    if (this.seen.has(socket)) return;
    this.seen.add(socket);
    this.open.add(socket);
    this.counters.connections++;
    socket.once('close', () => {
      this.open.delete(socket);
      this.closedWritten += socket.bytesWritten;
      this.closedRead += socket.bytesRead;
    });
  }

  /** Writes the byte totals into the counters. */
  update(): void {
    let written = this.closedWritten;
    let read = this.closedRead;
    for (const socket of this.open) {
      written += socket.bytesWritten;
      read += socket.bytesRead;
    }
    this.counters.bytesWritten = written;
    this.counters.bytesRead = read;
  }
}
