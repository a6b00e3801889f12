import type { ChatMessage, ClientFrame, PostRequest, ServerFrame } from '../contract/index.ts';
import { ClientError, type ClientCounters, type ClientOptions, type SendResult } from './types.ts';

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

/**
 * The client side of the contract's frames, whatever carries them (a WebSocket, a WebRTC data
 * channel): subscriptions and sends waiting for their answer, the last cursor of each room, and
 * what to do with each frame that comes. The carrier writes frames with `write` (false when it
 * cannot: the waiter is rejected) and hands every frame it reads to `receive`.
 */
export class FrameProtocol {
  private readonly cursors = new Map<string, string>();
  private readonly subscribing = new Map<string, Waiter<string>>();
  private readonly sending = new Map<string, Waiter<SendResult>>();

  /**
   * `deliver` gets each non-empty batch of messages of a subscribed room, with the frame's cursor
   * (to hand on to the options' `onMessages`, once the carrier filtered them if it does).
   */
  constructor(
    private readonly options: ClientOptions,
    private readonly counters: ClientCounters,
    private readonly write: (frame: ClientFrame) => boolean,
    private readonly deliver: (room: string, messages: readonly ChatMessage[], cursor: string) => void,
  ) {}

  subscribe(room: string, cursor?: string): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      this.subscribing.get(room)?.reject(new ClientError(`subscription to ${room} replaced`, 'REPLACED'));
      this.subscribing.set(room, { resolve, reject });
      this.send_(cursor === undefined ? { type: 'subscribe', room } : { type: 'subscribe', room, cursor });
    });
  }

  /** A subscription still waiting for its first answer. */
  isSubscribing(room: string): boolean {
    return this.subscribing.has(room);
  }

  unsubscribe(room: string): void {
    this.cursors.delete(room);
    this.send_({ type: 'unsubscribe', room });
  }

  send(room: string, post: PostRequest): Promise<SendResult> {
    return new Promise<SendResult>((resolve, reject) => {
      this.sending.set(post.id, { resolve, reject });
      this.send_({ type: 'send', room, id: post.id, from: post.from, body: post.body });
    });
  }

  cursor(room: string): string | undefined {
    return this.cursors.get(room);
  }

  /** Every room received so far, with its last cursor: what a reconnection subscribes to again. */
  rooms(): IterableIterator<[string, string]> {
    return this.cursors.entries();
  }

  /** Rejects everything that waits for an answer (the carrier is gone). */
  failAll(error: Error): void {
    for (const waiters of [this.sending, this.subscribing] as Map<string, Waiter<unknown>>[]) {
      for (const waiter of waiters.values()) waiter.reject(error);
      waiters.clear();
    }
  }

  /** Rejects a subscription still waiting for its first answer (a carrier that may lose it gave up). */
  failSubscribe(room: string, error: Error): void {
    this.settle(this.subscribing, room)?.reject(error);
  }

  receive(frame: ServerFrame): void {
    switch (frame.type) {
      case 'messages': {
        // A room unsubscribed meanwhile may still have frames in flight; they are not wanted.
        if (!this.cursors.has(frame.room) && !this.subscribing.has(frame.room)) return;
        this.cursors.set(frame.room, frame.cursor);
        if (frame.messages.length > 0) this.deliver(frame.room, frame.messages, frame.cursor);
        this.settle(this.subscribing, frame.room)?.resolve(frame.cursor);
        return;
      }
      case 'ack':
        this.settle(this.sending, frame.id)?.resolve({ seq: frame.seq, cursor: frame.cursor });
        return;
      case 'error': {
        const error = new ClientError(frame.message, frame.code, undefined, frame.cursor);
        const waiter = this.settle(this.sending, frame.ref) ?? this.settle(this.subscribing, frame.ref);
        if (waiter) {
          waiter.reject(error);
          return;
        }
        this.counters.errors++;
        if (frame.code === 'CURSOR_EXPIRED' && frame.ref !== undefined && frame.cursor !== undefined) {
          // A resubscription after a reconnect met an expired cursor: go on from the head, counted.
          this.counters.cursorExpired++;
          this.options.onEvent?.({ type: 'cursor-expired', room: frame.ref, cursor: frame.cursor });
          this.cursors.set(frame.ref, frame.cursor);
          this.send_({ type: 'subscribe', room: frame.ref, cursor: frame.cursor });
          return;
        }
        this.options.onEvent?.({ type: 'error', error });
        return;
      }
    }
  }

  private send_(frame: ClientFrame): void {
    if (this.write(frame)) return;
    const error = new ClientError('the connection is not open', 'NETWORK');
    if (frame.type === 'send') this.settle(this.sending, frame.id)?.reject(error);
    else if (frame.type === 'subscribe') this.settle(this.subscribing, frame.room)?.reject(error);
  }

  private settle<T>(waiters: Map<string, Waiter<T>>, key: string | undefined): Waiter<T> | undefined {
    if (key === undefined) return undefined;
    const waiter = waiters.get(key);
    waiters.delete(key);
    return waiter;
  }
}
