import type { WebSocket } from 'ws';
import {
  ChatError,
  FrameError,
  parseClientFrame,
  type AckFrame,
  type ClientFrame,
  type ErrorFrame,
  type MessagesFrame,
  type ServerOptions,
} from '../contract/index.ts';
import type { RoomLog } from '../common/room-log.ts';
import type { Fanout, Subscriber } from './fanout.ts';

/** The WebSocket close codes this server uses. */
export const CLOSE = { GOING_AWAY: 1001, SLOW_CONSUMER: 4008 } as const;

/** Server-wide counters a connection adds to. */
export interface ConnectionCounters {
  slowConsumerCloses: number;
}

/** One client connection: its room subscriptions, its frames, and the slow-consumer cap. */
export class Connection implements Subscriber {
  /** Set by the heartbeat before a ping, cleared by any sign of life. */
  alive = true;
  private readonly rooms = new Set<string>();
  private open = true;

  constructor(
    private readonly ws: WebSocket,
    private readonly log: RoomLog,
    private readonly fanout: Fanout,
    private readonly options: ServerOptions,
    private readonly counters: ConnectionCounters,
  ) {
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    ws.on('pong', () => {
      this.alive = true;
    });
    ws.on('close', () => this.forget());
    // 'error' is followed by 'close'; the listener only keeps it from being thrown.
    ws.on('error', () => undefined);
  }

  sendText(text: string): void {
    if (!this.open) return;
    this.ws.send(text);
    if (this.ws.bufferedAmount > this.options.maxBufferedBytes) {
      this.counters.slowConsumerCloses++;
      this.close(CLOSE.SLOW_CONSUMER, 'SLOW_CONSUMER');
    }
  }

  /** Stops sending and starts the close handshake. */
  close(code: number, reason: string): void {
    this.forget();
    this.ws.close(code, reason);
  }

  /** Calls `done` once the connection is fully closed (at once if it already is). */
  onClosed(done: () => void): void {
    if (this.ws.readyState === this.ws.CLOSED) done();
    else this.ws.once('close', () => done());
  }

  /** Ends the connection at once (no close handshake). */
  terminate(): void {
    this.forget();
    this.ws.terminate();
  }

  /** Pings the client; a client that did not answer the last ping is terminated instead. */
  heartbeat(): boolean {
    if (!this.alive) {
      this.terminate();
      return false;
    }
    this.alive = false;
    this.ws.ping();
    return true;
  }

  private forget(): void {
    if (!this.open) return;
    this.open = false;
    for (const room of this.rooms) this.fanout.remove(room, this);
    this.rooms.clear();
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    this.alive = true;
    if (!this.open) return;
    try {
      if (isBinary) throw new ChatError('BAD_REQUEST', 'binary frames are not accepted; send JSON text frames');
      this.handle(parseClientFrame(data.toString('utf8'), this.options.maxBodyBytes));
    } catch (error) {
      this.sendError(error);
    }
  }

  private handle(frame: ClientFrame): void {
    switch (frame.type) {
      case 'subscribe':
        this.subscribe(frame.room, frame.cursor);
        return;
      case 'unsubscribe':
        this.rooms.delete(frame.room);
        this.fanout.remove(frame.room, this);
        return;
      case 'send': {
        const result = this.log.append(frame.room, frame);
        const ack: AckFrame = { type: 'ack', room: frame.room, id: frame.id, seq: result.message.seq, cursor: result.cursor };
        this.sendText(JSON.stringify(ack));
        return;
      }
    }
  }

  /**
   * Replays what came after the cursor, in frames of at most `maxPageSize` messages, then joins
   * the room's live messages, all in one turn of the event loop, so nothing can fall between.
   * Always answers with at least one `messages` frame, empty when there is nothing to replay: it
   * confirms the subscription and carries the cursor.
   */
  private subscribe(roomId: string, cursor: string | undefined): void {
    const room = this.log.room(roomId);
    this.fanout.remove(roomId, this);
    this.rooms.delete(roomId);
    let after: number;
    try {
      after = cursor === undefined ? room.head : room.resolve(cursor);
    } catch (error) {
      throw new FrameError(error as ChatError, roomId);
    }
    for (;;) {
      const messages = room.after(after, this.options.maxPageSize);
      after += messages.length;
      const frame: MessagesFrame = { type: 'messages', room: roomId, messages, cursor: room.cursorAt(after) };
      this.sendText(JSON.stringify(frame));
      if (!this.open) return;
      if (messages.length < this.options.maxPageSize) break;
    }
    this.rooms.add(roomId);
    this.fanout.add(room, this);
  }

  private sendError(error: unknown): void {
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
    this.sendText(JSON.stringify(frame));
  }
}
