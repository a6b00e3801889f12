import { ChatError, decodeCursor, encodeCursor, newEpoch, roomTag, type ChatMessage, type PostRequest, type ServerOptions } from '../contract/index.ts';

/** Called synchronously for every message a room stores (not for retries). */
export type RoomListener = (message: ChatMessage, room: Room) => void;

/**
 * Called once when a room's log is replaced and its cursors no longer hold (a Redis backplane that
 * lost its data, or a mirror that fell behind the history Redis keeps), with the cursor to restart
 * from. The listener is removed. The memory backplane never calls it.
 */
export type RoomExpired = (cursor: string) => void;

export interface AppendResult {
  readonly message: ChatMessage;
  /** `false` when this was a safe retry and `message` is the original. */
  readonly stored: boolean;
  /** The cursor just after `message`. */
  readonly cursor: string;
}

/**
 * What one stored message costs, in bytes, as the stored-bytes budget counts it: its body, id and
 * from in UTF-8, plus `MESSAGE_OVERHEAD_BYTES` for the object, its seq, ts and room, its entry in
 * the retry map, and its entries in the room's array and the log's storing order (estimated from
 * V8's object layout, not measured one by one).
 */
export const MESSAGE_OVERHEAD_BYTES = 300;

export function messageCost(message: Pick<ChatMessage, 'body' | 'id' | 'from'>): number {
  return Buffer.byteLength(message.body) + Buffer.byteLength(message.id) + Buffer.byteLength(message.from) + MESSAGE_OVERHEAD_BYTES;
}

/**
 * One room's log: the last `capacity` messages at most, oldest first, a map from (`from`, `id`)
 * to seq for safe retries, and the listeners woken on append. Append is O(1) (amortised) and
 * reading k messages after a cursor is O(k), whatever the history size. The log grows as
 * messages arrive and shrinks as they are dropped from its front (past `capacity`, or trimmed by
 * the server's stored-bytes budget), so a room costs what it holds, not what it could hold.
 */
export class Room {
  readonly id: string;
  /** Hash of the id that cursors carry. */
  readonly tag: string;
  /** The epoch of the log this room belongs to: its cursors carry it. */
  readonly epoch: string;
  private readonly capacity: number;
  /** The messages kept, oldest first, from index `start`; the ones before it were dropped. */
  private kept: (ChatMessage | undefined)[] = [];
  private start = 0;
  /** `messageCost` of each message of `kept`, at the same index: counted once, when it is stored. */
  private costs: number[] = [];
  /** `messageCost` over the messages kept. */
  private keptBytes = 0;
  private readonly bySender = new Map<string, number>();
  private readonly listeners = new Set<RoomListener>();
  /** The `RoomExpired` callbacks of the listeners that gave one. */
  private readonly expiries = new Map<RoomListener, RoomExpired>();
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
    return this.lastSeq - this.count + 1;
  }

  /** How many messages are kept. */
  get count(): number {
    return this.kept.length - this.start;
  }

  /** `messageCost` over the messages kept. */
  get bytes(): number {
    return this.keptBytes;
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
    const seq = this.lastSeq + 1;
    const message: ChatMessage = { room: this.id, seq, id: post.id, from: post.from, body: post.body, ts: now };
    this.keep(message, key);
    return { message, stored: true, cursor: this.cursorAt(seq) };
  }

  /**
   * Keeps a message numbered elsewhere (a backplane's mirror of this room) and wakes the listeners.
   * Its seq must be the next one: a mirror fills its gaps before it stores.
   */
  store(message: ChatMessage): void {
    if (message.seq !== this.lastSeq + 1) throw new Error(`room "${this.id}" stores seq ${this.lastSeq + 1} next, not ${message.seq}`);
    this.keep(message, senderKey(message.from, message.id));
  }

  /** Keeps the next message, whose sender key is `key`, and wakes the listeners. */
  private keep(message: ChatMessage, key: string): void {
    this.lastSeq = message.seq;
    const cost = messageCost(message);
    this.kept.push(message);
    this.costs.push(cost);
    this.keptBytes += cost;
    if (this.count > this.capacity) this.dropOldest();
    this.bySender.set(key, message.seq);
    for (const listener of this.listeners) listener(message, this);
  }

  /** Makes an empty room start after `seq`: a mirror of a room whose older messages are gone. */
  startAfter(seq: number): void {
    if (this.kept.length > 0 || this.lastSeq > seq) throw new Error(`room "${this.id}" cannot start after seq ${seq}: it has seq ${this.lastSeq}`);
    this.lastSeq = seq;
  }

  /**
   * Drops the messages up to and including `seq` that are still kept, oldest first: a cursor
   * before them expires exactly as one older than `capacity` does. The seq numbering goes on.
   */
  trimThrough(seq: number): void {
    while (this.count > 0 && this.oldest <= seq) this.dropOldest();
  }

  private dropOldest(): void {
    const dropped = this.kept[this.start] as ChatMessage;
    this.keptBytes -= this.costs[this.start] as number;
    this.kept[this.start++] = undefined;
    const key = senderKey(dropped.from, dropped.id);
    if (this.bySender.get(key) === dropped.seq) this.bySender.delete(key);
    // Keep the arrays at most twice what they hold: copy once the dropped front is half of them.
    if (this.start >= 64 && this.start * 2 >= this.kept.length) {
      this.kept = this.kept.slice(this.start);
      this.costs = this.costs.slice(this.start);
      this.start = 0;
    }
  }

  /** The message with this seq, if it is still kept. */
  at(seq: number): ChatMessage | undefined {
    if (seq < this.oldest || seq > this.lastSeq) return undefined;
    return this.kept[this.start + seq - this.oldest];
  }

  /**
   * Up to `limit` messages after `seq`, oldest first. `seq` must be a resolved cursor; one that
   * fell out of history since it was resolved (a held poll's) throws `CURSOR_EXPIRED`.
   */
  after(seq: number, limit: number): ChatMessage[] {
    if (seq < this.oldest - 1) throw this.expired(seq);
    const end = Math.min(this.lastSeq, seq + limit);
    const out: ChatMessage[] = [];
    const offset = this.start - this.oldest;
    for (let s = seq + 1; s <= end; s++) out.push(this.kept[offset + s] as ChatMessage);
    return out;
  }

  private expired(seq: number): ChatError {
    return new ChatError(
      'CURSOR_EXPIRED',
      `cursor (seq ${seq}) is older than the messages room "${this.id}" keeps (the last ${this.capacity}, fewer when the server's stored-bytes budget dropped older ones); restart from the cursor given`,
      this.headCursor(),
    );
  }

  /**
   * The seq a cursor stands for. Throws `CURSOR_EXPIRED`, with the head cursor to restart from,
   * when the cursor is older than history, from another epoch or room, or was never handed out.
   */
  resolve(cursor: string): number {
    const seq = decodeCursor(this.epoch, this.tag, cursor);
    if (seq === undefined) {
      throw new ChatError('CURSOR_EXPIRED', `cursor was not made for room "${this.id}" in this epoch (this server run; with a Redis backplane, the data Redis holds now); restart from the cursor given`, this.headCursor());
    }
    if (seq > this.lastSeq) {
      throw new ChatError('CURSOR_EXPIRED', `cursor points past the newest message of room "${this.id}"; restart from the cursor given`, this.headCursor());
    }
    if (seq < this.oldest - 1) throw this.expired(seq);
    return seq;
  }

  /**
   * Registers a listener for new messages, and what to do if the room's cursors stop holding
   * (`expired`); returns the function that removes it.
   */
  listen(listener: RoomListener, expired?: RoomExpired): () => void {
    this.listeners.add(listener);
    if (expired) this.expiries.set(listener, expired);
    return () => {
      this.expiries.delete(listener);
      if (this.listeners.delete(listener) && this.listeners.size === 0 && this.lastSeq === 0) this.onIdle?.(this);
    };
  }

  /** Tells every listener that this room's cursors no longer hold, with `cursor` to restart from, and removes them. */
  expire(cursor: string): void {
    const expiries = [...this.expiries.values()];
    this.listeners.clear();
    this.expiries.clear();
    for (const expired of expiries) expired(cursor);
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
  /** Most `messageCost` bytes kept over all rooms; beyond it the oldest messages go. No cap by default. */
  readonly maxStoredBytes?: number;
}

/** A stored message, in the order of storing over all rooms; it may have left its room since. */
interface Stored {
  readonly room: Room;
  readonly seq: number;
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
  private readonly maxStoredBytes: number;
  private readonly rooms = new Map<string, Room>();
  /** Every message stored, from index `first`, in storing order; some have left their room since. */
  private stored: Stored[] = [];
  private first = 0;
  private storedBytes = 0;
  private storedCount = 0;
  private readonly forget = (room: Room): void => {
    if (this.rooms.get(room.id) === room) this.rooms.delete(room.id);
  };

  constructor(options: RoomLogOptions) {
    this.historySize = options.historySize;
    this.epoch = options.epoch ?? newEpoch();
    this.now = options.now ?? Date.now;
    this.maxRooms = options.maxRooms ?? Infinity;
    this.maxStoredBytes = options.maxStoredBytes ?? Infinity;
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

  /**
   * Stores a message (or finds the original of a retry). Past `maxStoredBytes`, the oldest messages
   * over all rooms are dropped, in the order they were stored, until the rest fit; the new one is
   * always kept.
   */
  append(roomId: string, post: PostRequest): AppendResult {
    const room = this.room(roomId);
    const [bytes, count] = [room.bytes, room.count];
    const result = room.append(post, this.now());
    if (result.stored) this.account(room, bytes, count, result.message.seq);
    return result;
  }

  /**
   * Keeps a message numbered by a backplane in its room's mirror, which must exist (`mirror`) and
   * expect it next; the stored-bytes budget counts it as `append` does.
   */
  store(message: ChatMessage): void {
    const room = this.rooms.get(message.room);
    if (!room) throw new Error(`room "${message.room}" has no mirror to store seq ${message.seq} in`);
    const [bytes, count] = [room.bytes, room.count];
    room.store(message);
    this.account(room, bytes, count, message.seq);
  }

  /**
   * Creates the mirror of a room kept by a backplane: it starts after `after` and holds `messages`
   * (consecutive, from `after + 1`). Throws `TOO_MANY_ROOMS` as `room` does.
   */
  mirror(roomId: string, after: number, messages: readonly ChatMessage[]): Room {
    const room = this.room(roomId);
    room.startAfter(after);
    for (const message of messages) this.store(message);
    return room;
  }

  /**
   * Forgets a room whose cursors no longer hold: its listeners are told so, with `cursor` to
   * restart from, and its messages leave the budget.
   */
  expire(roomId: string, cursor: string): void {
    const room = this.rooms.get(roomId);
    if (!room) return;
    this.rooms.delete(roomId);
    const [bytes, count] = [room.bytes, room.count];
    room.trimThrough(room.head);
    this.storedBytes -= bytes - room.bytes;
    this.storedCount -= count - room.count;
    room.expire(cursor);
  }

  /** Every room kept. */
  roomIds(): string[] {
    return [...this.rooms.keys()];
  }

  private account(room: Room, bytes: number, count: number, seq: number): void {
    this.storedBytes += room.bytes - bytes;
    this.storedCount += room.count - count;
    this.stored.push({ room, seq });
    while (this.storedBytes > this.maxStoredBytes && this.first < this.stored.length - 1) this.dropOldest();
    this.compact();
  }

  /** `messageCost` bytes kept over all rooms (for messages stored through `append`). */
  get bytesStored(): number {
    return this.storedBytes;
  }

  /** Messages kept over all rooms (stored through `append`). */
  get messagesStored(): number {
    return this.storedCount;
  }

  private dropOldest(): void {
    const oldest = this.stored[this.first];
    if (!oldest) return;
    this.stored[this.first++] = undefined as unknown as Stored;
    const { room, seq } = oldest;
    // Gone already when its room passed its history size.
    if (seq < room.oldest) return;
    const [bytes, count] = [room.bytes, room.count];
    room.trimThrough(seq);
    this.storedBytes -= bytes - room.bytes;
    this.storedCount -= count - room.count;
  }

  /**
   * Keeps the storing order at most about twice the messages kept: messages that left their room
   * past its history size leave entries behind; they are swept once they are as many as the rest.
   */
  private compact(): void {
    if (this.first >= 1024 && this.first * 2 >= this.stored.length) {
      this.stored = this.stored.slice(this.first);
      this.first = 0;
    }
    const length = this.stored.length - this.first;
    if (length < 1024 || length < 2 * this.storedCount) return;
    this.stored = this.stored.slice(this.first).filter((entry) => entry.seq >= entry.room.oldest);
    this.first = 0;
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
export function roomLogFor(options: Pick<ServerOptions, 'historySize' | 'maxRooms' | 'maxStoredBytes'>, epoch?: string): RoomLog {
  return new RoomLog({ historySize: options.historySize, maxRooms: options.maxRooms, maxStoredBytes: options.maxStoredBytes, ...(epoch === undefined ? {} : { epoch }) });
}
