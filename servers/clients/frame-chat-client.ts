import type { ChatMessage, ClientFrame, PostRequest } from '../contract/index.ts';
import { FrameProtocol } from './frame-protocol.ts';
import type { InstanceList } from './instances.ts';
import { emptyCounters, type ClientOptions, type SendResult } from './types.ts';

/** Longest pause between two reconnection attempts of a frame client. */
export const MAX_BACKOFF_MS = 2000;

/** The pause before reconnection attempt `failures` (1, 2, …): 50 ms doubling up to `MAX_BACKOFF_MS`. */
export function backoffMs(failures: number): number {
  return Math.min(MAX_BACKOFF_MS, 25 * 2 ** failures);
}

/**
 * What the chat clients that carry the contract's frames share (WebSocket, WebRTC): a
 * `FrameProtocol` over their one carrier, which subscriptions, sends and cursors go through, and
 * the reconnect shape: a carrier lost unexpectedly is counted and said, a new one is opened after
 * a backoff (unless `reconnect` is false), and once it is open every room is subscribed again
 * with its last cursor, so nothing is lost. Each subclass opens, writes on and closes its carrier.
 */
export abstract class FrameChatClient {
  protected readonly counters_ = emptyCounters();
  protected readonly frames: FrameProtocol;
  protected closed = false;
  /** Failed connections since the carrier was last open: what the backoff grows with. */
  protected failures = 0;
  protected retry: NodeJS.Timeout | undefined;

  constructor(protected readonly options: ClientOptions) {
    this.frames = new FrameProtocol(options, this.counters_, (frame) => this.write(frame), (room, messages, cursor) => this.deliver(room, messages, cursor));
  }

  subscribe(room: string, cursor?: string): Promise<string> {
    return this.frames.subscribe(room, cursor);
  }

  unsubscribe(room: string): void {
    this.frames.unsubscribe(room);
  }

  send(room: string, post: PostRequest): Promise<SendResult> {
    return this.frames.send(room, post);
  }

  cursor(room: string): string | undefined {
    return this.frames.cursor(room);
  }

  /** Writes a frame on the carrier; false when it is not open. */
  protected abstract write(frame: ClientFrame): boolean;

  /** Opens a carrier again after a loss; on success calls `reconnected`. */
  protected abstract reconnect(): Promise<void>;

  /** Opens the carrier (the first time, or again). */
  abstract connect(): Promise<void>;

  /**
   * Opens the carrier again to the instance in use; when it cannot be reached, moves to the next
   * one (if there is one) for the next attempt. True once open.
   */
  protected async connectAgain(instances: InstanceList): Promise<boolean> {
    const moves = instances.moves;
    try {
      await this.connect();
      return true;
    } catch {
      if (instances.unreachable(moves)) this.options.onEvent?.({ type: 'moved', url: instances.current });
      return false;
    }
  }

  /** A non-empty batch of a subscribed room's messages: to `onMessages` (a subclass may filter first). */
  protected deliver(room: string, messages: readonly ChatMessage[], _cursor: string): void {
    this.options.onMessages?.(room, messages);
  }

  /** The carrier was lost unexpectedly (not by `close`): counted, said, and opened again after a backoff. */
  protected lost(code: number, reason: string): void {
    this.counters_.errors++;
    this.options.onEvent?.({ type: 'disconnected', code, reason });
    if (this.options.reconnect === false) return;
    this.retryLater();
  }

  /** One more failure: the next reconnection attempt after the backoff it has grown to. */
  protected retryLater(): void {
    this.failures++;
    this.retry = setTimeout(() => void this.reconnect(), backoffMs(this.failures));
  }

  /** A reconnection opened the carrier: counted, said, and every room subscribed again with its last cursor. */
  protected reconnected(): void {
    this.counters_.reconnects++;
    this.options.onEvent?.({ type: 'reconnected' });
    for (const [room, cursor] of this.frames.rooms()) this.write({ type: 'subscribe', room, cursor });
  }
}
