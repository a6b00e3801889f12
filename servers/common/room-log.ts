import { ChatError, decodeCursor, encodeCursor, newEpoch, roomTag, type ChatMessage, type PostRequest, type ServerOptions } from '../contract/index.ts';

/** Called synchronously for every message a room stores (not for retries). */
export type RoomListener = (message: ChatMessage, room: Room) => void;

export interface AppendResult {
  readonly message: ChatMessage;
  /** `false` when this was a safe retry and `message` is the original. */
  readonly stored: boolean;
  /** The cursor just after `message`. */
  readonly cursor: string;
}

/**
 * One room's log: a ring buffer of the last `capacity` messages, a map from (`from`, `id`) to
 * seq for safe retries, and the listeners woken on append. Append is O(1) and reading k messages
 * after a cursor is O(k), whatever the history size. The ring grows as messages arrive, up to
 * `capacity`, so a room costs what it holds, not what it could hold.
 */
export class Room {
  readonly id: string;
  /** Hash of the id that cursors carry. */
  readonly tag: string;
  private readonly epoch: string;
  private readonly capacity: number;
  /** Message seq `s` sits at index `(s - 1) % capacity`; filled by `push` until it is full. */
  private readonly ring: ChatMessage[] = [];
  private readonly bySender = new Map<string, number>();
  private readonly listeners = new Set<RoomListener>();
  private readonly onIdle: ((room: Room) => void) | undefined;
  private lastSeq = 0;

  /** `onIdle` is called when the last listener leaves a room that holds no message. */
  constructor(id: string, epoch: string, capacity: number, onIdle?: (room: Room) => void) {
    this.id = id;
    this.tag = roomTag(id);
    this.epoch = epoch;
    this.capacity = capacity;
    this.onIdle = onIdle;
  }

  /** The seq of the newest message; 0 when none was stored. */
  get head(): number {
    return this.lastSeq;
  }

  /** The seq of the oldest message still kept (head + 1 when none is). */
  get oldest(): number {
    return Math.max(1, this.lastSeq - this.capacity + 1);
  }

  /** How many listeners wait on this room. */
  get listenerCount(): number {
    return this.listeners.size;
  }

  cursorAt(seq: number): string {
    return encodeCursor(this.epoch, this.tag, seq);
  }

  /** The cursor at the head: "from now on". */
  headCursor(): string {
    return encodeCursor(this.epoch, this.tag, this.lastSeq);
  }

  /**
   * Stores a message, or finds the original of a retry; wakes the listeners for a new one.
   * Acknowledged means stored: the caller answers only after this returns.
   */
  append(post: PostRequest, now: number): AppendResult {
    const key = senderKey(post.from, post.id);
    const known = this.bySender.get(key);
    if (known !== undefined) {
      const original = this.at(known);
      if (original) return { message: original, stored: false, cursor: this.cursorAt(known) };
    }
    const seq = ++this.lastSeq;
    const message: ChatMessage = { room: this.id, seq, id: post.id, from: post.from, body: post.body, ts: now };
    if (this.ring.length < this.capacity) {
      this.ring.push(message);
    } else {
      const slot = (seq - 1) % this.capacity;
      const evicted = this.ring[slot] as ChatMessage;
      this.bySender.delete(senderKey(evicted.from, evicted.id));
      this.ring[slot] = message;
    }
    this.bySender.set(key, seq);
    for (const listener of this.listeners) listener(message, this);
    return { message, stored: true, cursor: this.cursorAt(seq) };
  }

  /** The message with this seq, if it is still kept. */
  at(seq: number): ChatMessage | undefined {
    if (seq < this.oldest || seq > this.lastSeq) return undefined;
    return this.ring[(seq - 1) % this.capacity];
  }

  /** Up to `limit` messages after `seq`, oldest first. `seq` must be a resolved cursor. */
  after(seq: number, limit: number): ChatMessage[] {
    const end = Math.min(this.lastSeq, seq + limit);
    const out: ChatMessage[] = [];
    for (let s = seq + 1; s <= end; s++) out.push(this.ring[(s - 1) % this.capacity] as ChatMessage);
    return out;
  }

  /**
   * The seq a cursor stands for. Throws `CURSOR_EXPIRED`, with the head cursor to restart from,
   * when the cursor is older than history, from another epoch or room, or was never handed out.
   */
  resolve(cursor: string): number {
    const seq = decodeCursor(this.epoch, this.tag, cursor);
    if (seq === undefined) {
      throw new ChatError('CURSOR_EXPIRED', `cursor was not made by this server run for room "${this.id}"; restart from the cursor given`, this.headCursor());
    }
    if (seq > this.lastSeq) {
      throw new ChatError('CURSOR_EXPIRED', `cursor points past the newest message of room "${this.id}"; restart from the cursor given`, this.headCursor());
    }
    if (seq < this.oldest - 1) {
      throw new ChatError(
        'CURSOR_EXPIRED',
        `cursor is older than the ${this.capacity} messages room "${this.id}" keeps; restart from the cursor given`,
        this.headCursor(),
      );
    }
    return seq;
  }

  /** Registers a listener for new messages; returns the function that removes it. */
  listen(listener: RoomListener): () => void {
    this.listeners.add(listener);
    return () => {
      if (this.listeners.delete(listener) && this.listeners.size === 0 && this.lastSeq === 0) this.onIdle?.(this);
    };
  }
}

/** Unambiguous key of (`from`, `id`): the length prefix keeps "a|b"+"c" apart from "a"+"b|c". */
function senderKey(from: string, id: string): string {
  return `${from.length}:${from}${id}`;
}

export interface RoomLogOptions {
  /** Messages kept per room. */
  readonly historySize: number;
  /** The server run's epoch; a fresh random one by default. */
  readonly epoch?: string;
  /** The clock for `ts`, in ms; `Date.now` by default. */
  readonly now?: () => number;
  /** Most rooms kept at once; a new room beyond it is refused with `TOO_MANY_ROOMS`. No cap by default. */
  readonly maxRooms?: number;
}

/**
 * All rooms of one server run. Rooms live in a `Map`, so `__proto__` is an ordinary room.
 *
 * A room is kept while it holds a message or has a listener; an empty room is forgotten when its
 * last listener leaves, and reading one creates nothing. Forgetting an empty room loses nothing:
 * its only cursor (seq 0) means the same in the room made anew. A room with messages is never
 * evicted, so its cursors stay valid for the whole run; at `maxRooms`, new rooms are refused instead.
 */
export class RoomLog {
  readonly epoch: string;
  private readonly historySize: number;
  private readonly now: () => number;
  private readonly maxRooms: number;
  private readonly rooms = new Map<string, Room>();
  private readonly forget = (room: Room): void => {
    if (this.rooms.get(room.id) === room) this.rooms.delete(room.id);
  };

  constructor(options: RoomLogOptions) {
    this.historySize = options.historySize;
    this.epoch = options.epoch ?? newEpoch();
    this.now = options.now ?? Date.now;
    this.maxRooms = options.maxRooms ?? Infinity;
  }

  /**
   * The room with this id, created when it does not exist yet; throws `TOO_MANY_ROOMS` when that
   * would pass `maxRooms`. The id must be valid. The caller appends to it or listens to it at
   * once (a room left empty without a listener would be kept); to only read, use `peek`.
   */
  room(id: string): Room {
    let room = this.rooms.get(id);
    if (!room) {
      if (this.rooms.size >= this.maxRooms) {
        throw new ChatError('TOO_MANY_ROOMS', `this server keeps at most ${this.maxRooms} rooms (option maxRooms) and they are all in use; room "${id}" cannot be opened`);
      }
      room = new Room(id, this.epoch, this.historySize, this.forget);
      this.rooms.set(id, room);
    }
    return room;
  }

  /**
   * The room with this id to read from: the kept one, or an empty one that is not kept (reading
   * an unknown room must cost nothing). Its cursors are those the room will have once created.
   */
  peek(id: string): Room {
    return this.rooms.get(id) ?? new Room(id, this.epoch, this.historySize);
  }

  /** The room with this id, if it exists. */
  get(id: string): Room | undefined {
    return this.rooms.get(id);
  }

  append(roomId: string, post: PostRequest): AppendResult {
    return this.room(roomId).append(post, this.now());
  }

  get size(): number {
    return this.rooms.size;
  }

  /** Listeners over all rooms (held polls plus WebSocket room subscriptions). */
  listenerCount(): number {
    let n = 0;
    for (const room of this.rooms.values()) n += room.listenerCount;
    return n;
  }
}

/** The room log a server's options ask for. */
export function roomLogFor(options: Pick<ServerOptions, 'historySize' | 'maxRooms'>): RoomLog {
  return new RoomLog({ historySize: options.historySize, maxRooms: options.maxRooms });
}
