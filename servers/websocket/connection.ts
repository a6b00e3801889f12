import {
  ChatError,
  FrameError,
  checkClientFrame,
  parseClientFrame,
  type AckFrame,
  type ClientFrame,
  type ErrorFrame,
  type ServerOptions,
} from '../contract/index.ts';
import type { Room } from '../common/room-log.ts';
import { settle, type Backplane } from '../backplane/index.ts';
import type { Subscriber } from './fanout.ts';

/**
 * Where a session's caught-up subscriptions go: the room's live messages reach it from there
 * (fanout.ts for frames on a socket or a data channel; Socket.IO's rooms for Socket.IO).
 */
export interface Subscriptions<S extends Subscriber = Subscriber> {
  add(room: Room, subscriber: S): void;
  remove(roomId: string, subscriber: S): void;
}

/**
 * The answer to one request, where the carrier has one (a Socket.IO acknowledgement): the `ack`
 * of a `send`, or the error of the request. Without it both go as frames.
 */
export type Reply = (frame: AckFrame | ErrorFrame) => void;

/** A frame from the client: its text (`undefined` for a binary frame), or its value already parsed, with its reply. */
type Input = { readonly text: string | undefined } | { readonly value: unknown; readonly reply: Reply | undefined };

/** The WebSocket close codes this server uses. */
export const CLOSE = { GOING_AWAY: 1001, SLOW_CONSUMER: 4008 } as const;

/** Server-wide counters a connection adds to. */
export interface ConnectionCounters {
  slowConsumerCloses: number;
}

/**
 * What a session needs of the channel its frames travel on: a WebSocket (ws-channel.ts) or a
 * WebRTC data channel (servers/webrtc/data-channel.ts). The session reads nothing of it but these.
 */
export interface FrameChannel {
  /** Bytes handed to the channel and not yet written out. */
  readonly bufferedAmount: number;
  /**
   * Sends one text frame. `written`, when given, is called once it has been written out, or once
   * the channel is gone.
   */
  send(text: string, written?: () => void): void;
  /** Starts closing; `code` and `reason` are WebSocket's (a data channel that has none just closes). */
  close(code: number, reason: string): void;
  /** Ends the channel at once. */
  terminate(): void;
  /** Calls `done` once the channel is fully closed (at once if it already is). */
  onClosed(done: () => void): void;
}

/** One subscription; a replay goes on while its room maps to the same object. */
interface Subscription {
  readonly room: string;
  /** The epoch of the room's log when the subscription began: a replay ends if it changes. */
  readonly epoch: string;
}

/**
 * One client session on one frame channel (a WebSocket connection, or a WebRTC data channel): its
 * room subscriptions, its frames, and the slow-consumer cap. The channel hands it each text frame
 * (`receive`) and says when it closed; it answers on the same channel. A replay
 * is sent in pieces, each only when the bytes waiting for the client leave room for it under
 * `maxBufferedBytes`, so a replay never queues more than that (one message is always let through
 * when nothing waits).
 */
export class Connection<C extends FrameChannel = FrameChannel> implements Subscriber {
  /** Subscriptions by room, replaying or live: at most `maxSubscriptions`. */
  private readonly rooms = new Map<string, Subscription>();
  private open = true;
  /**
   * Replay frames handed to the channel whose write has not completed yet. Only replay pieces are counted:
   * a replay that finds no room waits for one of its own writes, so it always has one to wait for.
   */
  private unwritten = 0;
  /** Called once every replay frame handed to the channel has been written (or the socket is gone). */
  private drained: (() => void)[] = [];
  /**
   * Frames that arrived while an earlier one waits for the backplane (Redis): handled after it, in
   * order, so that a subscribe then a send behave as with the memory backplane. `undefined` when
   * nothing waits. A frame is its text, or `undefined` for a binary frame.
   */
  private waiting: Input[] | undefined;
  private readonly onWritten = (): void => {
    if (--this.unwritten > 0) return;
    const waiting = this.drained;
    this.drained = [];
    for (const resume of waiting) resume();
  };

  constructor(
    readonly channel: C,
    private readonly backplane: Backplane,
    private readonly fanout: Subscriptions<Connection<C>>,
    private readonly options: ServerOptions,
    private readonly counters: ConnectionCounters,
    /** Told before each write the bytes that wait for this client from earlier ones (the server-wide budget's lazy total). */
    private readonly onBuffered?: (bytes: number) => void,
  ) {
    channel.onClosed(() => this.forget());
  }

  /** Bytes waiting to be written to the client. */
  get bufferedAmount(): number {
    return this.channel.bufferedAmount;
  }

  sendText(text: string): void {
    if (!this.open) return;
    // What earlier writes left, before this one: past the server's budget, the clients with the
    // most left are cut first (at a broadcast every client gets the same new frame).
    this.onBuffered?.(this.channel.bufferedAmount);
    if (!this.open) return;
    // Live frames, acks and errors go without a write callback: it would cost every delivery a call.
    this.channel.send(text);
    if (this.channel.bufferedAmount > this.options.maxBufferedBytes) {
      this.counters.slowConsumerCloses++;
      this.close(CLOSE.SLOW_CONSUMER, 'SLOW_CONSUMER');
    }
  }

  private write(text: string): void {
    this.onBuffered?.(this.channel.bufferedAmount);
    this.unwritten++;
    this.channel.send(text, this.onWritten);
  }

  /** Stops sending and starts the close handshake. */
  close(code: number, reason: string): void {
    this.forget();
    this.channel.close(code, reason);
  }

  /** Calls `done` once the connection is fully closed (at once if it already is). */
  onClosed(done: () => void): void {
    this.channel.onClosed(done);
  }

  /** Ends the connection at once (no close handshake). */
  terminate(): void {
    this.forget();
    this.channel.terminate();
  }

  private forget(): void {
    if (!this.open) return;
    this.open = false;
    for (const room of this.rooms.keys()) this.fanout.remove(room, this);
    this.rooms.clear();
  }

  /** Handles one frame from the client: its text, or `undefined` for a binary frame (refused). */
  receive(text: string | undefined): void {
    this.take({ text });
  }

  /**
   * Handles one frame the carrier parsed already (a Socket.IO event's payload, its `type` the
   * event's name); `reply`, when given, answers it instead of an `ack` or `error` frame.
   */
  receiveParsed(value: unknown, reply?: Reply): void {
    this.take({ value, reply });
  }

  private take(input: Input): void {
    if (!this.open) return;
    if (this.waiting) {
      this.waiting.push(input);
      return;
    }
    const later = this.process(input);
    if (later) this.waitFor(later);
  }

  /** The room's cursors stopped holding (the Redis backplane lost its data): the client resubscribes from `cursor`. */
  expired(roomId: string, cursor: string): void {
    this.rooms.delete(roomId);
    this.sendError(
      new FrameError(new ChatError('CURSOR_EXPIRED', `room "${roomId}" lost its history (the backplane's data was lost); subscribe again from the cursor given`, cursor), roomId),
    );
  }

  /** Holds the next frames until `later` is done, then handles them in order. */
  private waitFor(later: Promise<void>): void {
    this.waiting = [];
    void later.then(() => {
      while (this.waiting && this.waiting.length > 0) {
        const next = this.waiting.shift() as Input;
        if (!this.open) break;
        const again = this.process(next);
        if (again) {
          const rest = this.waiting;
          this.waitFor(again);
          this.waiting.push(...rest);
          return;
        }
      }
      this.waiting = undefined;
    });
  }

  /** Handles one frame; a promise (never rejected) when it waits for the backplane. */
  private process(input: Input): Promise<void> | undefined {
    const reply = 'reply' in input ? input.reply : undefined;
    try {
      let frame: ClientFrame;
      if ('value' in input) frame = checkClientFrame(input.value, this.options.maxBodyBytes);
      else if (input.text === undefined) throw new ChatError('BAD_REQUEST', 'binary frames are not accepted; send JSON text frames');
      else frame = parseClientFrame(input.text, this.options.maxBodyBytes);
      const later = this.handle(frame, reply);
      return later?.catch((error: unknown) => this.sendError(error, reply));
    } catch (error) {
      this.sendError(error, reply);
      return undefined;
    }
  }

  private handle(frame: ClientFrame, reply: Reply | undefined): Promise<void> | undefined {
    switch (frame.type) {
      case 'subscribe':
        return this.subscribe(frame.room, frame.cursor);
      case 'unsubscribe':
        this.unsubscribe(frame.room);
        return undefined;
      case 'send': {
        const refer = (error: unknown): unknown => (error instanceof ChatError ? new FrameError(error, frame.id) : error);
        let stored;
        try {
          stored = this.backplane.append(frame.room, frame);
        } catch (error) {
          throw refer(error);
        }
        const ack = settle(stored, (result) => {
          const ack: AckFrame = { type: 'ack', room: frame.room, id: frame.id, seq: result.message.seq, cursor: result.cursor };
          if (reply) reply(ack);
          else this.sendText(JSON.stringify(ack));
        });
        return ack instanceof Promise ? ack.catch((error: unknown) => this.sendError(refer(error), reply)) : undefined;
      }
    }
  }

  private unsubscribe(roomId: string): void {
    this.rooms.delete(roomId);
    this.fanout.remove(roomId, this);
  }

  /**
   * Replays what came after the cursor, then joins the room's live messages in the same turn of
   * the event loop as the last piece of the replay is read, so nothing can fall between. Always
   * answers with at least one `messages` frame, empty when there is nothing to replay: it confirms
   * the subscription and carries the cursor.
   */
  private subscribe(roomId: string, cursor: string | undefined): Promise<void> | undefined {
    this.unsubscribe(roomId);
    if (this.rooms.size >= this.options.maxSubscriptions) {
      throw new FrameError(
        new ChatError(
          'TOO_MANY_SUBSCRIPTIONS',
          `a connection may subscribe to at most ${this.options.maxSubscriptions} rooms (option maxSubscriptions); unsubscribe from one first`,
        ),
        roomId,
      );
    }
    const refer = (error: unknown): unknown => (error instanceof ChatError ? new FrameError(error, roomId) : error);
    let loaded;
    try {
      loaded = this.backplane.load(roomId, cursor);
    } catch (error) {
      throw refer(error);
    }
    const started = settle(loaded, (room) => {
      if (!this.open) return;
      let after: number;
      try {
        after = cursor === undefined ? room.head : room.resolve(cursor);
      } catch (error) {
        throw refer(error);
      }
      const subscription: Subscription = { room: roomId, epoch: room.epoch };
      this.rooms.set(roomId, subscription);
      this.replay(subscription, after);
    });
    return started instanceof Promise ? started.catch((error: unknown) => this.sendError(refer(error))) : undefined;
  }

  /**
   * Sends the messages after `after` in frames of at most `maxPageSize` messages, each as large
   * as the buffer's free room allows; waits for the buffer to drain when it has none. Stops when
   * the subscription ends; a replay that falls out of history while waiting ends with
   * `CURSOR_EXPIRED`.
   */
  private replay(subscription: Subscription, start: number): void {
    const roomId = subscription.room;
    let after = start;
    try {
      for (;;) {
        if (!this.open || this.rooms.get(roomId) !== subscription) return;
        const room = this.backplane.log.peek(roomId);
        if (room.epoch !== subscription.epoch) {
          this.rooms.delete(roomId);
          throw new ChatError('CURSOR_EXPIRED', `room "${roomId}" lost its history during the replay (the backplane's data was lost); subscribe again from the cursor given`, room.cursorAt(0));
        }
        if (after < room.oldest - 1) {
          this.rooms.delete(roomId);
          throw new ChatError('CURSOR_EXPIRED', `the replay of room "${roomId}" fell behind its history while this client did not read; restart from the cursor given`, room.headCursor());
        }
        const free = Math.min(this.options.maxBufferedBytes - this.channel.bufferedAmount, REPLAY_PIECE_BYTES);
        const piece = replayPiece(room, after, this.options.maxPageSize, free, this.unwritten === 0);
        if (piece === undefined) {
          this.drained.push(() => this.replay(subscription, after));
          return;
        }
        after += piece.count;
        if (after === room.head) {
          // Caught up: join the live messages before anything else can be stored.
          this.fanout.add(this.backplane.log.room(roomId), this);
          this.write(piece.text);
          return;
        }
        this.write(piece.text);
      }
    } catch (error) {
      if (this.rooms.get(roomId) === subscription) this.rooms.delete(roomId);
      this.sendError(error instanceof ChatError ? new FrameError(error, roomId) : error);
    }
  }

  private sendError(error: unknown, reply?: Reply): void {
    const chat = error instanceof ChatError ? error : new ChatError('INTERNAL_ERROR', 'internal error; this is a bug in the server');
    if (!(error instanceof ChatError)) console.error(error);
    const ref = chat instanceof FrameError ? chat.ref : undefined;
    const frame: ErrorFrame = {
      type: 'error',
      code: chat.code,
      message: chat.message,
      ...(ref === undefined ? {} : { ref }),
      ...(chat.cursor === undefined ? {} : { cursor: chat.cursor }),
    };
    if (reply) reply(frame);
    else this.sendText(JSON.stringify(frame));
  }
}

/**
 * The most UTF-8 bytes of one replay frame. A replay fills the client's buffer with frames of at
 * most this size rather than one frame as large as the buffer's free room: each frame is built as
 * a string before it is a buffer, so large frames held both copies at once. With 20 subscribers
 * stalled on an 8 MB replay at a 1 MiB cap, the server's RSS grew 57 MB with frames as large as
 * the free room and 40 MB with 64 KiB frames (20 MiB of it is what the cap lets wait).
 */
export const REPLAY_PIECE_BYTES = 64 * 1024;

/**
 * A `messages` frame of the messages after `after`: at most `maxMessages`, and no more UTF-8
 * bytes than `budget` unless `empty` (nothing waits), when one message is always taken. The last
 * piece of a replay may hold no message. `undefined` when not even one message fits.
 */
export function replayPiece(room: Room, after: number, maxMessages: number, budget: number, empty: boolean): { text: string; count: number } | undefined {
  const head = `{"type":"messages","room":${JSON.stringify(room.id)},"messages":[`;
  let bytes = head.length + 64;
  const parts: string[] = [];
  // One message at a time, until the budget or `maxMessages` is spent: a piece of 64 KiB holds
  // ~16 messages of 4 KB, so reading a whole page of `maxMessages` first would be wasted.
  const end = Math.min(room.head, after + maxMessages);
  for (let seq = after + 1; seq <= end; seq++) {
    const message = room.at(seq);
    if (message === undefined) break;
    const part = JSON.stringify(message);
    const size = Buffer.byteLength(part) + 1;
    if (bytes + size > budget && !(empty && parts.length === 0)) break;
    bytes += size;
    parts.push(part);
  }
  if (parts.length === 0 && room.head > after) return undefined;
  const cursor = room.cursorAt(after + parts.length);
  return { text: `${head}${parts.join(',')}],"cursor":${JSON.stringify(cursor)}}`, count: parts.length };
}
