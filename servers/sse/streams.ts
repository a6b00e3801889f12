import type { ServerResponse } from 'node:http';
import { ChatError, type ChatMessage, type ServerOptions } from '../contract/index.ts';
import type { BacklogTotals } from '../common/http-app.ts';
import type { Consumer, WaitingBudget } from '../common/waiting-budget.ts';
import type { Room } from '../common/room-log.ts';
import type { Backplane } from '../backplane/index.ts';
import { PING, errorEvent, messagesEvent } from './events.ts';

/**
 * The most UTF-8 bytes of one replay event (one message always goes, whatever its size), as for
 * WebSocket replay frames (servers/websocket/connection.ts, REPLAY_PIECE_BYTES): a large event is a
 * string and a buffer at once.
 */
export const REPLAY_EVENT_BYTES = 64 * 1024;

/**
 * How long a stream ended as a slow consumer may take to hand its client what was buffered for it
 * before its connection is destroyed, ms: what `ws` gives a WebSocket close handshake.
 */
export const SLOW_CONSUMER_LINGER_MS = 30_000;

/**
 * The headers of every stream: the contract's two, nginx's switch for its response buffering, and
 * `Connection: close`. A connection that carried a stream is not used again: requests a client
 * pipelines behind a stream wait for it (one request per connection at a time), and Node closes
 * the connection once the stream ends, so that nothing waits behind an ended stream. Over HTTP/2,
 * which forbids `Connection` (a stream is one of many on its connection), the header is left out.
 */
const STREAM_HEADERS_H2 = { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' } as const;
const STREAM_HEADERS = { ...STREAM_HEADERS_H2, connection: 'close' } as const;

/**
 * One event written to the streams of a room: serialized and encoded once, and counted once in the
 * server's `waitingBytes` while any stream still has it queued, however many do. Its bytes are
 * written to every stream as the same Buffer: a string would be encoded again for each socket, and
 * a copy kept in each write that a socket that does not read leaves pending.
 */
interface SharedEvent {
  readonly data: Buffer;
  readonly bytes: number;
  /** Streams that have it queued. */
  holders: number;
}

interface Stream {
  readonly group: RoomStreams;
  readonly res: ServerResponse;
  /**
   * Live events not handed to Node yet: each stream hands Node one event at a time, and the next
   * only once Node's buffer for it is under its high-water mark, so that the events a client does
   * not read wait here, shared with the room's other streams, rather than copied into each
   * connection's buffer.
   */
  queue: SharedEvent[];
  /** Bytes of `queue`. */
  queued: number;
  /** What the budget sees of it (set once it is open). */
  consumer: Consumer;
  /** The seq of the last message written to it (or where it started). */
  after: number;
  /** Its replay caught up: it gets the room's live messages. */
  live: boolean;
  open: boolean;
  /**
   * Bytes counted in the server's `waitingBytes` for it: what Node held for it at its last write when
   * that passed the high-water mark (16 KiB), until the drain that Node then promises; 0 otherwise.
   */
  buffered: number;
}

/** One room's streams and the messages stored in it since the last flush. */
interface RoomStreams {
  readonly room: Room;
  readonly members: Set<Stream>;
  batch: ChatMessage[];
  /** The flush of `batch`, scheduled for the end of this turn: settled once its events are handed to the streams. */
  flushed: Promise<void> | undefined;
  readonly stopListening: () => void;
}

/**
 * The SSE streams of one server. Each room with streams has one listener on the room log; the
 * messages stored in one turn of the event loop go out as one event, serialized once for every
 * stream of the room. A stream replays what came after its cursor in events of at most
 * `REPLAY_EVENT_BYTES`, writing the next only when Node's buffer for it has drained, then joins the
 * live messages in the same turn as it reads the last of the replay, so nothing falls between.
 * A stream ends in one of four ways, each removing every reference to it: its client goes away,
 * more than `maxBufferedBytes` waits for it (slow consumer), its replay falls out of history, or
 * the server shuts down.
 */
export class Streams {
  private readonly rooms = new Map<string, RoomStreams>();
  private count = 0;
  private slow = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly ping = sharedEvent(PING);

  constructor(
    /** Where the rooms live; its `log` is read at each use, since a Redis backplane replaces it when its data's epoch changes. */
    private readonly backplane: Backplane,
    private readonly options: ServerOptions,
    private readonly backlog: BacklogTotals,
    /** The server-wide budget of waiting bytes: past it, the streams with the most waiting are cut first. */
    private readonly budget: WaitingBudget,
  ) {}

  /** Streams open now. */
  get size(): number {
    return this.count;
  }

  /** Streams ended for having more than `maxBufferedBytes` waiting, since the server started. */
  get slowConsumerCloses(): number {
    return this.slow;
  }

  /**
   * Settles once the room's messages of this turn are handed to its streams; `undefined` when none
   * wait. A post's answer waits for it, so the author hears back after the room's members were
   * written: written first, the answer woke the generator's process, and the events left 0.2 to
   * 0.35 ms after it (docs/findings.md, "SSE's events before the post's answer"). A stream's write
   * reaches its socket on the next tick (Node corks a response until then), and what waits on this
   * promise runs after the ticks: answering from inside the flush instead put the answer first
   * again (the test of the order failed).
   */
  flushed(roomId: string): Promise<void> | undefined {
    return this.rooms.get(roomId)?.flushed;
  }

  /**
   * Opens a stream of room `roomId` after seq `after` (a resolved cursor): keeps the room (throws
   * `TOO_MANY_ROOMS` before anything is written), takes the response from `take`, then writes the
   * headers and the first event at once, empty when there is nothing to replay.
   */
  open(roomId: string, after: number, take: () => ServerResponse): void {
    const group = this.join(roomId);
    const res = take();
    const stream: Stream = {
      group,
      res,
      after,
      live: false,
      open: true,
      buffered: 0,
      queue: [],
      queued: 0,
      consumer: { waiting: () => stream.queued + res.writableLength, cut: () => this.cut(stream) },
    };
    group.members.add(stream);
    this.count++;
    this.budget.add(stream.consumer);
    res.on('drain', () => {
      this.account(stream, true);
      this.pump(stream);
      // A client that reads has just taken what it was sent; the streams that still hold a past
      // turn do not read, and past the budget they are cut now rather than at the next broadcast.
      if (this.backlog.waitingBytes > this.budget.maxBytes) this.budget.enforce();
    });
    res.once('close', () => this.forget(stream));
    if (res.req.httpVersionMajor !== 2) {
      // Not chunked: the stream's body ends with its connection (`Connection: close`), as HTTP/1.1
      // allows a response without a length, so each event is one write of its bytes instead of four
      // (the chunk's size, CRLF, the bytes, CRLF) and 7 bytes fewer on the wire. Node leaves out
      // `Transfer-Encoding: chunked` once the header is removed before the head is written.
      res.removeHeader('transfer-encoding');
      res.writeHead(200, STREAM_HEADERS);
    } else res.writeHead(200, STREAM_HEADERS_H2);
    this.heartbeat ??= setInterval(() => this.pingAll(), this.options.heartbeatMs);
    this.replay(stream, true);
  }

  /**
   * Ends every stream with an `error` event `SHUTTING_DOWN` and its cursor; Node closes each
   * connection once its client has it (`Connection: close`), and the server's grace cuts the rest.
   */
  shutdown(): void {
    for (const group of [...this.rooms.values()]) {
      for (const stream of [...group.members]) {
        if (!this.end(stream)) continue;
        stream.res.end(errorEvent('SHUTTING_DOWN', 'the server is shutting down; reconnect with your last event id', group.room.cursorAt(stream.after)));
      }
    }
  }

  private join(roomId: string): RoomStreams {
    const existing = this.rooms.get(roomId);
    if (existing) return existing;
    const room = this.backplane.log.room(roomId);
    const group: RoomStreams = {
      room,
      members: new Set(),
      batch: [],
      flushed: undefined,
      stopListening: room.listen(
        (message) => {
          group.batch.push(message);
          group.flushed ??= new Promise((done) =>
            setImmediate(() => {
              try {
                this.flush(group);
              } finally {
                done();
              }
            }),
          );
        },
        (cursor) => this.expire(group, cursor),
      ),
    };
    this.rooms.set(roomId, group);
    return group;
  }

  /**
   * The room's cursors stopped holding (the Redis backplane lost its data): every stream of it ends
   * with an `error` event `CURSOR_EXPIRED` carrying the cursor to restart from, as a 410 would.
   */
  private expire(group: RoomStreams, cursor: string): void {
    for (const stream of [...group.members]) {
      if (!this.end(stream)) continue;
      stream.res.end(errorEvent('CURSOR_EXPIRED', `room "${group.room.id}" lost its history (the backplane's data was lost); reconnect from the cursor given`, cursor));
    }
  }

  /**
   * Writes the messages stored since the last flush to every live stream of the room, in events of
   * at most `REPLAY_EVENT_BYTES` (one message always goes), each serialized once for all.
   */
  private flush(group: RoomStreams): void {
    group.flushed = undefined;
    const batch = group.batch;
    group.batch = [];
    if (batch.length === 0) return;
    // Past the server's budget, the clients with the most left from earlier turns are cut first,
    // before this turn is written: at the moment of a broadcast every stream holds the same new
    // events, and a client that reads cannot be told from one that does not.
    if (this.backlog.waitingBytes > this.budget.maxBytes) this.budget.enforce();
    const id = group.room.id;
    const pieces = piecesOf(batch.map((m) => JSON.stringify(m)), (batch[0] as ChatMessage).seq);
    const events = pieces.map((p) => sharedEvent(messagesEvent(id, p.parts, group.room.cursorAt(p.last))));
    for (const stream of [...group.members]) {
      if (!stream.live || stream.after >= (pieces.at(-1) as Piece).last) continue;
      const out: SharedEvent[] = [];
      for (const [i, piece] of pieces.entries()) {
        if (stream.after >= piece.last) continue;
        // A stream that joined during this turn replayed the start of the batch already.
        const skip = stream.after - piece.first + 1;
        out.push(skip <= 0 ? (events[i] as SharedEvent) : sharedEvent(messagesEvent(id, piece.parts.slice(skip), group.room.cursorAt(piece.last))));
        stream.after = piece.last;
      }
      this.write(stream, out);
    }
  }

  /**
   * Writes replay events until the stream is at the room's head, then makes it live; while Node
   * holds more than its high-water mark for the client, waits for the drain. `first`: the first
   * event goes even when there is nothing to replay.
   */
  private replay(stream: Stream, first: boolean): void {
    const { room } = stream.group;
    for (;;) {
      if (!stream.open) return;
      if (stream.after < room.oldest - 1) {
        this.end(stream);
        const error = new ChatError('CURSOR_EXPIRED', `the replay of room "${room.id}" fell behind its history while this client did not read; reconnect from the cursor given`);
        stream.res.end(errorEvent(error.code, error.message, room.headCursor()));
        return;
      }
      if (stream.after >= room.head && !first) {
        stream.live = true;
        return;
      }
      first = false;
      const parts = replayParts(room, stream.after, this.options.maxPageSize);
      stream.after += parts.length;
      const flowing = stream.res.write(messagesEvent(room.id, parts, room.cursorAt(stream.after)));
      this.account(stream, flowing);
      if (stream.after >= room.head) {
        stream.live = true;
        return;
      }
      if (!flowing) {
        stream.res.once('drain', () => this.replay(stream, false));
        return;
      }
    }
  }

  /**
   * Queues the live events of one turn of the event loop, or a ping, and hands Node what it takes;
   * when more than `maxBufferedBytes` still waits for the client from earlier turns, ends the
   * stream instead. What one turn brings always goes, however large: several events written back
   * to back outrun the kernel's buffer even for a client that reads.
   */
  private write(stream: Stream, events: readonly SharedEvent[]): void {
    if (stream.queued + stream.res.writableLength > this.options.maxBufferedBytes) {
      this.slowConsumer(stream);
      return;
    }
    for (const event of events) {
      if (event.holders++ === 0) this.backlog.waitingBytes += event.bytes;
      stream.queue.push(event);
      stream.queued += event.bytes;
    }
    this.backlog.peakWaitingBytes = Math.max(this.backlog.peakWaitingBytes, this.backlog.waitingBytes);
    this.pump(stream);
  }

  /** Hands Node the stream's queued events, one at a time, while its buffer is under the high-water mark. */
  private pump(stream: Stream): void {
    if (stream.queue.length === 0) return;
    let flowing = !stream.res.writableNeedDrain;
    while (flowing && stream.open && stream.queue.length > 0) {
      const event = stream.queue.shift() as SharedEvent;
      this.release(stream, event);
      flowing = stream.res.write(event.data);
    }
    this.account(stream, flowing);
  }

  /** The stream no longer queues `event`; the last stream to let go of it frees it from the budget. */
  private release(stream: Stream, event: SharedEvent): void {
    stream.queued -= event.bytes;
    if (--event.holders === 0) this.backlog.waitingBytes -= event.bytes;
  }

  /** Lets go of everything the stream queued. */
  private drop(stream: Stream): void {
    for (const event of stream.queue) this.release(stream, event);
    stream.queue = [];
  }

  /**
   * Ends a stream that has more than `maxBufferedBytes` waiting: what Node holds still goes to a
   * client that reads, then the end; one that never reads is cut after `SLOW_CONSUMER_LINGER_MS`
   * (or sooner, by the budget).
   */
  private slowConsumer(stream: Stream): void {
    this.end(stream);
    this.drop(stream);
    this.slow++;
    const cut = setTimeout(() => stream.res.destroy(), SLOW_CONSUMER_LINGER_MS);
    cut.unref();
    stream.res.once('close', () => clearTimeout(cut));
    stream.res.end();
  }

  /**
   * Cuts a stream for the server's budget: what waits for it is freed at once, as its 'close' (which
   * comes later) would free it, so that the budget stops cutting as soon as the rest fit.
   */
  private cut(stream: Stream): void {
    if (this.end(stream)) this.slow++;
    stream.res.destroy();
    this.forget(stream);
  }

  /** Ends the stream and frees everything it holds in the budget, Node's part included; again, it finds nothing. */
  private forget(stream: Stream): void {
    this.end(stream);
    this.budget.delete(stream.consumer);
    this.backlog.waitingBytes -= stream.buffered;
    stream.buffered = 0;
  }

  /**
   * Brings the stream's bytes counted as waiting, and the server's total, up to date. Below Node's
   * high-water mark (`flowing`) nothing is counted: Node would not say when those bytes are gone.
   */
  private account(stream: Stream, flowing: boolean): void {
    const now = flowing ? 0 : stream.res.writableLength;
    this.backlog.waitingBytes += now - stream.buffered;
    this.backlog.peakWaitingBytes = Math.max(this.backlog.peakWaitingBytes, this.backlog.waitingBytes);
    stream.buffered = now;
  }

  private pingAll(): void {
    for (const group of this.rooms.values()) {
      for (const stream of [...group.members]) if (stream.live) this.write(stream, [this.ping]);
    }
  }

  /** Removes every reference to the stream but its own close listener; `false` when it had ended. */
  private end(stream: Stream): boolean {
    if (!stream.open) return false;
    stream.open = false;
    this.drop(stream);
    this.count--;
    const group = stream.group;
    group.members.delete(stream);
    if (group.members.size === 0 && this.rooms.get(group.room.id) === group) {
      this.rooms.delete(group.room.id);
      group.stopListening();
    }
    if (this.count === 0) {
      clearInterval(this.heartbeat);
      this.heartbeat = undefined;
    }
    return true;
  }
}

function sharedEvent(text: string): SharedEvent {
  const data = Buffer.from(text);
  return { data, bytes: data.length, holders: 0 };
}

/** A run of messages (as JSON) for one event, and the seqs of its first and last. */
interface Piece {
  readonly parts: string[];
  readonly first: number;
  readonly last: number;
}

/** Messages (as JSON) in runs of at most `REPLAY_EVENT_BYTES`, one message at least; `first` is the seq of the first. */
function piecesOf(parts: readonly string[], first: number): Piece[] {
  const pieces: Piece[] = [];
  let current: string[] = [];
  let bytes = 0;
  let seq = first;
  for (const part of parts) {
    const size = Buffer.byteLength(part) + 1;
    if (current.length > 0 && bytes + size > REPLAY_EVENT_BYTES) {
      pieces.push({ parts: current, first: seq - current.length, last: seq - 1 });
      current = [];
      bytes = 0;
    }
    current.push(part);
    bytes += size;
    seq++;
  }
  pieces.push({ parts: current, first: seq - current.length, last: seq - 1 });
  return pieces;
}

/**
 * The messages after `after`, as JSON: at most `maxMessages`, and no more than
 * `REPLAY_EVENT_BYTES` of them unless one message alone is larger.
 */
function replayParts(room: Room, after: number, maxMessages: number): string[] {
  const parts: string[] = [];
  let bytes = 0;
  const end = Math.min(room.head, after + maxMessages);
  for (let seq = after + 1; seq <= end; seq++) {
    const message = room.at(seq);
    if (message === undefined) break;
    const part = JSON.stringify(message);
    bytes += Buffer.byteLength(part) + 1;
    if (bytes > REPLAY_EVENT_BYTES && parts.length > 0) break;
    parts.push(part);
  }
  return parts;
}
