import type { RTCDataChannel } from 'werift';
import { ChatError, type ErrorFrame } from '../contract/index.ts';
import type { FrameChannel } from '../websocket/connection.ts';

/**
 * A werift data channel as a session's frame channel (servers/websocket/connection.ts). werift
 * counts in `bufferedAmount` the bytes handed to `send` that SCTP has not yet taken into its
 * congestion window, and says `bufferedAmountLow` when that falls to the threshold (0 here): the
 * `written` callbacks run then, all at once, which is all a replay waits for. A data channel has no
 * close code: `close` and `terminate` close the channel (an SCTP stream reset).
 */
export class DataChannelFrames implements FrameChannel {
  private written: (() => void)[] = [];

  /** `maxFrameBytes`: the largest frame taken from the client (maxPayloadBytes). */
  constructor(
    private readonly channel: RTCDataChannel,
    private readonly maxFrameBytes: number,
  ) {
    channel.bufferedAmountLowThreshold = 0;
    channel.bufferedAmountLow.subscribe(() => this.drained());
    channel.stateChanged.subscribe((state) => {
      if (state === 'closed') this.drained();
    });
  }

  /** Hands each frame to `session`: its text, or `undefined` for a binary frame (refused there). */
  deliverTo(session: { receive(text: string | undefined): void }): void {
    this.channel.onMessage.subscribe((data) => {
      const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
      if (bytes > this.maxFrameBytes) {
        // A WebSocket closes with 1009 here; a data channel has no such code, so it gets an error frame and stays open.
        const error = new ChatError('PAYLOAD_TOO_LARGE', `a frame of ${bytes} bytes is over the limit of ${this.maxFrameBytes} (option maxPayloadBytes)`);
        const frame: ErrorFrame = { type: 'error', code: error.code, message: error.message };
        this.send(JSON.stringify(frame));
        return;
      }
      session.receive(typeof data === 'string' ? data : undefined);
    });
  }

  get bufferedAmount(): number {
    return this.channel.bufferedAmount;
  }

  send(text: string, written?: () => void): void {
    if (this.channel.readyState !== 'open') {
      written?.();
      return;
    }
    try {
      this.channel.send(text);
    } catch {
      // Over the client's a=max-message-size: this channel cannot carry the frame, and a fan-out
      // to the other members must go on. The client comes back with its cursor.
      written?.();
      this.channel.close();
      return;
    }
    if (written) this.written.push(written);
  }

  close(): void {
    this.channel.close();
  }

  terminate(): void {
    this.channel.close();
  }

  onClosed(done: () => void): void {
    if (this.channel.readyState === 'closed') {
      done();
      return;
    }
    const { unSubscribe } = this.channel.stateChanged.subscribe((state) => {
      if (state !== 'closed') return;
      unSubscribe();
      done();
    });
  }

  private drained(): void {
    const waiting = this.written;
    this.written = [];
    for (const resume of waiting) resume();
  }
}
