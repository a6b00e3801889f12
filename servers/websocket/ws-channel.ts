import type { WebSocket } from 'ws';
import type { FrameChannel } from './connection.ts';

/**
 * A `ws` WebSocket as a session's frame channel, with the heartbeat only a WebSocket has: a ping
 * each interval, and a client that did not answer the last one is terminated.
 */
export class WsChannel implements FrameChannel {
  /** Set by the heartbeat before a ping, cleared by any sign of life. */
  private alive = true;

  constructor(private readonly ws: WebSocket) {
    ws.on('pong', () => {
      this.alive = true;
    });
    // 'error' is followed by 'close'; the listener only keeps it from being thrown.
    ws.on('error', () => undefined);
  }

  /** Hands each frame to `session`: its text, or `undefined` for a binary frame. */
  deliverTo(session: { receive(text: string | undefined): void }): void {
    this.ws.on('message', (data, isBinary) => {
      this.alive = true;
      session.receive(isBinary ? undefined : (data as Buffer).toString('utf8'));
    });
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  send(text: string, written?: () => void): void {
    if (written) this.ws.send(text, written);
    else this.ws.send(text);
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  terminate(): void {
    this.ws.terminate();
  }

  onClosed(done: () => void): void {
    if (this.ws.readyState === this.ws.CLOSED) done();
    else this.ws.once('close', () => done());
  }

  /** Pings the client; a client that did not answer the last ping is terminated instead. */
  heartbeat(): boolean {
    if (!this.alive) {
      this.ws.terminate();
      return false;
    }
    this.alive = false;
    this.ws.ping();
    return true;
  }
}
