import { Redis } from 'ioredis';
import { ChatError, encodeCursor, newEpoch, roomTag, type ChatMessage, type PostRequest, type ServerOptions } from '../contract/index.ts';
import { roomLogFor, type AppendResult, type Room, type RoomLog } from '../common/room-log.ts';
import type { Backplane } from './backplane.ts';
import { APPEND_SCRIPT, EPOCH_KEY, POSTS_CHANNEL, READ_SCRIPT, idsKey, logKey } from './redis-scripts.ts';

/**
 * How long one Redis command may take before the post (or read) waiting for it is answered
 * `BACKPLANE_UNAVAILABLE`. Redis answers in well under a millisecond on loopback; this only catches
 * a Redis that accepts connections but does not answer (stopped with SIGSTOP, or swapping).
 */
export const REDIS_COMMAND_TIMEOUT_MS = 5000;
/** Reconnection: wait `attempt × this`, at most `REDIS_RECONNECT_MAX_MS`, between attempts. */
const REDIS_RECONNECT_STEP_MS = 50;
/** Reconnection back-off cap: a Redis that comes back is found within this. */
const REDIS_RECONNECT_MAX_MS = 500;

interface AppendCommand {
  chatAppend(epochKey: string, log: string, ids: string, ...args: string[]): Promise<string[]>;
  chatRead(epochKey: string, log: string, from: string): Promise<[string, Entry[]]>;
}

/** What `PUBLISH` carries: the message, short keys, plus the epoch it was stored in. */
interface Published {
  readonly e: string;
  readonly r: string;
  readonly s: number;
  readonly i: string;
  readonly f: string;
  readonly b: string;
  readonly t: string;
}

/** A stream entry as ioredis returns it: `[id, [field, value, …]]`, fields as the script wrote them. */
type Entry = [string, string[]];

function seqOf(entryId: string): number {
  return parseInt(entryId, 10);
}

function toMessage(room: string, [entryId, f]: Entry): ChatMessage {
  return { room, seq: seqOf(entryId), id: f[1] as string, from: f[3] as string, body: f[5] as string, ts: Number(f[7]) };
}

/** The epoch a cursor names (its first part); the cursor stays opaque to everything else. */
function epochOf(cursor: string): string {
  return cursor.slice(0, Math.max(0, cursor.indexOf('.')));
}

/** How often a backplane that found Redis out of memory asks it again, for `/healthz`, ms. */
export const REDIS_FULL_RECHECK_MS = 500;

/** Redis refused a write for want of memory (maxmemory reached, policy noeviction). */
function isOutOfMemory(error: unknown): boolean {
  return /\bOOM\b/.test((error as Error).message);
}

function fullError(why: string): ChatError {
  return new ChatError(
    'BACKPLANE_FULL',
    `the Redis backplane is out of memory (${why}); nothing was acknowledged: retry with the same id once memory is freed (a retry stores once)`,
  );
}

function unavailableError(why: string): ChatError {
  return new ChatError(
    'BACKPLANE_UNAVAILABLE',
    `the Redis backplane cannot be reached (${why}); nothing was acknowledged: retry later with the same id (a retry stores once)`,
  );
}

/**
 * Rooms shared through Redis by every instance started with the same URL (the data layout is in
 * redis-scripts.ts). Each instance keeps a mirror (a `Room` in `log`) of each room it has read or
 * listened to, fed in seq order from the `chat:posts` channel and filled from the stream with
 * `XRANGE` when it sees a gap, so that reads and listeners stay synchronous once a room is loaded.
 * The script that stores a message checks the epoch, the retry and the seq atomically.
 */
export class RedisBackplane implements Backplane {
  readonly kind = 'redis';
  private current: RoomLog;
  /** The data's epoch, once Redis was reached. */
  private epoch: string | undefined;
  private readonly options: Pick<ServerOptions, 'historySize' | 'maxRooms' | 'maxStoredBytes'>;
  private readonly cmd: Redis & AppendCommand;
  private readonly sub: Redis;
  private subscribed = false;
  private closed = false;
  /** Rooms being loaded: the messages published meanwhile, applied once the load is in. */
  private readonly loading = new Map<string, { readonly published: ChatMessage[]; readonly done: Promise<Room> }>();
  /** Rooms whose mirror is catching up from the stream; `again` when another gap showed meanwhile. */
  private readonly syncing = new Map<string, { again: boolean; readonly done: Promise<void> }>();
  private contact: { again: boolean; readonly done: Promise<void> } | undefined;
  private readonly firstContact: Promise<void>;
  private lastError = 'not connected yet';
  /** Resolves `firstContact`: called each time contact is made (only the first call counts). */
  private reached: () => void = () => undefined;
  private reportedDown = false;
  /** Redis refused the last write for want of memory: why, until a write succeeds or it has room again. */
  private full: string | undefined;
  private fullRecheck: NodeJS.Timeout | undefined;

  constructor(url: { host: string; port: number }, options: Pick<ServerOptions, 'historySize' | 'maxRooms' | 'maxStoredBytes'>) {
    this.options = options;
    this.current = roomLogFor(options, 'none');
    const common = {
      host: url.host,
      port: url.port,
      // Fail at once while Redis is away, rather than queueing posts that nobody acknowledges.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
      retryStrategy: (attempt: number) => Math.min(attempt * REDIS_RECONNECT_STEP_MS, REDIS_RECONNECT_MAX_MS),
    };
    this.cmd = new Redis({ ...common, connectionName: 'chat-backplane' }) as Redis & AppendCommand;
    this.cmd.defineCommand('chatAppend', { numberOfKeys: 3, lua: APPEND_SCRIPT });
    this.cmd.defineCommand('chatRead', { numberOfKeys: 2, lua: READ_SCRIPT });
    // The subscriber resubscribes itself on 'ready', then fills what it missed while away.
    this.sub = new Redis({ ...common, connectionName: 'chat-backplane-sub', autoResubscribe: false });
    this.sub.on('message', (_channel: string, text: string) => this.onPublished(text));
    for (const client of [this.cmd, this.sub]) {
      client.on('error', (error: Error) => this.down(error.message));
      client.on('close', () => {
        if (client === this.sub) this.subscribed = false;
        this.down('connection closed');
      });
    }
    this.cmd.on('ready', () => this.recontact().catch(() => undefined));
    this.sub.on('ready', () => {
      this.sub.subscribe(POSTS_CHANNEL).then(
        () => {
          this.subscribed = true;
          this.recontact().catch(() => undefined);
        },
        (error: unknown) => this.down((error as Error).message),
      );
    });
    this.firstContact = new Promise<void>((resolve) => {
      this.reached = resolve;
      this.cmd.once('error', () => resolve());
      this.sub.once('error', () => resolve());
    });
  }

  get log(): RoomLog {
    return this.current;
  }

  ready(): Promise<void> {
    return this.firstContact;
  }

  unavailable(): ChatError | undefined {
    return this.unreachable() ?? (this.full === undefined ? undefined : fullError(this.full));
  }

  /** `BACKPLANE_UNAVAILABLE` while Redis cannot be reached (a full Redis can: posts still try it). */
  private unreachable(): ChatError | undefined {
    if (this.closed) return unavailableError('the server is closing');
    if (this.epoch === undefined || !this.subscribed || this.cmd.status !== 'ready') return unavailableError(this.lastError);
    return undefined;
  }

  /**
   * Redis refused a write for want of memory: `/healthz` says so until a write succeeds, or until
   * Redis reports room again (asked every `REDIS_FULL_RECHECK_MS`, so that health recovers without posts).
   */
  private outOfMemory(why: string): void {
    if (this.full === undefined) console.error(`backplane: Redis is out of memory (${why}); posts get 503 BACKPLANE_FULL until it has room`);
    this.full = why;
    this.fullRecheck ??= setInterval(() => {
      this.hasRoom().then(
        (room) => {
          if (room) this.roomAgain();
        },
        () => undefined,
      );
    }, REDIS_FULL_RECHECK_MS);
    this.fullRecheck.unref();
  }

  private roomAgain(): void {
    clearInterval(this.fullRecheck);
    this.fullRecheck = undefined;
    if (this.full === undefined) return;
    this.full = undefined;
    console.error('backplane: Redis has memory again');
  }

  /** Whether Redis is under its maxmemory (or has none), from `INFO memory`. */
  private async hasRoom(): Promise<boolean> {
    const info = await this.cmd.info('memory');
    const field = (name: string): number => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? NaN);
    const max = field('maxmemory');
    return max === 0 || field('used_memory') < max;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.fullRecheck);
    this.cmd.disconnect();
    this.sub.disconnect();
  }

  private down(why: string): void {
    this.lastError = why;
    if (this.closed || this.reportedDown) return;
    this.reportedDown = true;
    console.error(`backplane: Redis unreachable (${why}); posts get 503 BACKPLANE_UNAVAILABLE until it is back`);
  }

  async append(roomId: string, post: PostRequest): Promise<AppendResult> {
    for (let attempt = 0; ; attempt++) {
      const down = this.unreachable();
      if (down) throw down;
      const epoch = this.epoch as string;
      let reply: string[];
      try {
        reply = await this.cmd.chatAppend(
          EPOCH_KEY,
          logKey(roomId),
          idsKey(roomId),
          epoch,
          post.id,
          post.from,
          post.body,
          String(Date.now()),
          String(this.options.historySize),
          POSTS_CHANNEL,
          roomId,
        );
      } catch (error) {
        if (isOutOfMemory(error)) {
          this.outOfMemory((error as Error).message);
          throw fullError((error as Error).message);
        }
        throw unavailableError((error as Error).message);
      }
      this.roomAgain();
      if (reply[0] === 'epoch') {
        // The data is not the data this instance knew: Redis lost it. Learn the new epoch, retry once.
        await this.checkEpoch();
        if (attempt > 0) throw unavailableError('the epoch changed twice while storing');
        continue;
      }
      const [outcome, entryId, id, from, body, ts] = reply as [string, string, string, string, string, string];
      const message: ChatMessage = { room: roomId, seq: seqOf(entryId), id, from, body, ts: Number(ts) };
      this.apply(message, epoch);
      return { message, stored: outcome === 'stored', cursor: encodeCursor(epoch, roomTag(roomId), message.seq) };
    }
  }

  load(roomId: string, cursor?: string): Room | Promise<Room> {
    const room = this.current.get(roomId);
    if (room && (cursor === undefined || !this.behind(room, cursor))) return room;
    return this.fetch(roomId, cursor);
  }

  /** The cursor is of another epoch, or past what the mirror holds: Redis knows more. */
  private behind(room: Room, cursor: string): boolean {
    if (epochOf(cursor) !== this.current.epoch) return true;
    const seq = parseInt(cursor.slice(cursor.lastIndexOf('.') + 1), 36);
    return seq > room.head;
  }

  private async fetch(roomId: string, cursor: string | undefined): Promise<Room> {
    // Reading needs the command connection only: a mirror loaded before the subscriber is back is
    // caught up when it is (recontact). Listeners told to restart after an epoch change come back
    // at once, often before the subscriber does.
    if (this.closed || this.epoch === undefined || this.cmd.status !== 'ready') throw this.unavailable() ?? unavailableError(this.lastError);
    // A cursor of another epoch: maybe Redis lost its data and another instance saw it first.
    if (cursor !== undefined && epochOf(cursor) !== this.current.epoch) await this.checkEpoch();
    for (let attempt = 0; ; attempt++) {
      if (this.current.get(roomId)) {
        await this.sync(roomId);
        return this.current.peek(roomId);
      }
      const room = await (this.loading.get(roomId)?.done ?? this.startLoad(roomId));
      // A load that began before the cursor's message was stored (another instance's ack, read
      // here at once) lacks it: read once more, now that it is surely stored.
      if (attempt > 0 || cursor === undefined || !this.behind(room, cursor)) return room;
    }
  }

  /**
   * Loads a room's mirror: the stream, plus what is published while it is read. An empty room gets
   * no mirror (reading an unknown room costs nothing); a listener creates one in the same turn.
   */
  private startLoad(roomId: string): Promise<Room> {
    const published: ChatMessage[] = [];
    // Read before the subscriber was back: what was published meanwhile never came; fill it after.
    const unheard = !this.subscribed;
    const done = this.read(roomId, 0).then(
      ({ epoch, messages }) => {
        this.loading.delete(roomId);
        if (epoch !== this.current.epoch) {
          this.kick();
          throw unavailableError('the data changed epoch while loading; retry');
        }
        // The stream says where the mirror starts (its oldest kept message; seq 0 when it was
        // empty). What was heard meanwhile comes after, in seq order: it is not heard in that
        // order (this instance's own ack comes on another connection than the channel), nor all
        // of it yet, so a gap it leaves is filled from the stream, never taken for trimmed history.
        if (this.current.get(roomId)) this.catchUp(roomId, messages);
        else if (messages.length > 0 || published.length > 0) this.current.mirror(roomId, (messages[0]?.seq ?? 1) - 1, messages);
        else return this.current.peek(roomId);
        for (const message of [...published].sort((a, b) => a.seq - b.seq)) this.apply(message, epoch);
        if (unheard) void this.sync(roomId);
        return this.current.peek(roomId);
      },
      (error: unknown) => {
        this.loading.delete(roomId);
        throw error instanceof ChatError ? error : unavailableError((error as Error).message);
      },
    );
    this.loading.set(roomId, { published, done });
    return done;
  }

  /** The data's epoch and the room's messages after `after`, read together. */
  private async read(roomId: string, after: number): Promise<{ epoch: string; messages: ChatMessage[] }> {
    const [epoch, entries] = await this.cmd.chatRead(EPOCH_KEY, logKey(roomId), after === 0 ? '-' : `${after + 1}-0`);
    return { epoch, messages: entries.map((entry) => toMessage(roomId, entry)) };
  }

  private onPublished(text: string): void {
    let published: Published;
    try {
      published = JSON.parse(text) as Published;
    } catch {
      return;
    }
    const message: ChatMessage = { room: published.r, seq: published.s, id: published.i, from: published.f, body: published.b, ts: Number(published.t) };
    this.apply(message, published.e);
  }

  /** A message stored in Redis (published, or stored by this instance): into the room's mirror, if there is one. */
  private apply(message: ChatMessage, epoch: string): void {
    if (epoch !== this.current.epoch) {
      this.kick();
      return;
    }
    const loading = this.loading.get(message.room);
    if (loading) {
      loading.published.push(message);
      return;
    }
    const room = this.current.get(message.room);
    if (!room || message.seq <= room.head) return;
    if (message.seq === room.head + 1) this.current.store(message);
    else void this.sync(message.room);
  }

  /** Brings a room's mirror up to the stream; one at a time per room. Failures wait for the next contact. */
  private sync(roomId: string): Promise<void> {
    const running = this.syncing.get(roomId);
    if (running) {
      running.again = true;
      return running.done;
    }
    const state = { again: true, done: Promise.resolve() };
    state.done = (async () => {
      try {
        while (state.again) {
          state.again = false;
          const room = this.current.get(roomId);
          if (!room) return;
          const { epoch, messages } = await this.read(roomId, room.head);
          if (epoch !== this.current.epoch) {
            this.kick();
            return;
          }
          this.catchUp(roomId, messages);
        }
      } catch {
        // Redis went away; the next contact syncs every mirror.
      } finally {
        this.syncing.delete(roomId);
      }
    })();
    this.syncing.set(roomId, state);
    return state.done;
  }

  /** Stores what the mirror lacks; a mirror that fell behind the stream's history is replaced. */
  private catchUp(roomId: string, messages: readonly ChatMessage[]): void {
    for (const [i, message] of messages.entries()) {
      const room = this.current.get(roomId);
      if (!room) return;
      if (message.seq <= room.head) continue;
      if (message.seq === room.head + 1) {
        this.current.store(message);
        continue;
      }
      // Redis trimmed messages this mirror never got: its listeners restart before the oldest kept.
      this.current.expire(roomId, encodeCursor(this.current.epoch, room.tag, message.seq - 1));
      this.current.mirror(roomId, message.seq - 1, messages.slice(i));
      return;
    }
  }

  /** Checks the epoch in the background; a failure waits for the next contact. */
  private kick(): void {
    this.checkEpoch().catch(() => undefined);
  }

  /** Learns the data's epoch, setting a fresh one when Redis has none (it lost its data, or is new). */
  private async checkEpoch(): Promise<void> {
    const results = await this.cmd.multi().set(EPOCH_KEY, newEpoch(), 'NX').get(EPOCH_KEY).exec();
    const epoch = results?.[1]?.[1];
    if (typeof epoch !== 'string') throw new Error('could not read the epoch');
    this.adopt(epoch);
  }

  /**
   * Learns the data's epoch (setting a fresh one if Redis has none) and brings every mirror up to
   * the streams: after a first connection, a reconnection, or a sign that the data changed. One at
   * a time; a call while one runs makes it run again.
   */
  private recontact(): Promise<void> {
    if (this.contact) {
      this.contact.again = true;
      return this.contact.done;
    }
    const state = { again: true, done: Promise.resolve() };
    state.done = (async () => {
      try {
        while (state.again) {
          state.again = false;
          await this.checkEpoch();
          if (!this.subscribed) return;
          await Promise.all(this.current.roomIds().map((id) => this.sync(id)));
          if (this.reportedDown && this.unavailable() === undefined) {
            this.reportedDown = false;
            console.error('backplane: Redis reachable again');
          }
          this.reached();
        }
      } finally {
        this.contact = undefined;
      }
    })();
    this.contact = state;
    return state.done;
  }

  /**
   * Takes the data's epoch. A new one means Redis lost its data: every mirror is dropped and its
   * listeners get `CURSOR_EXPIRED` with the cursor before the room's first message in the new data,
   * so that what other instances stored since is not skipped.
   */
  private adopt(epoch: string): void {
    this.epoch = epoch;
    if (epoch === this.current.epoch) return;
    const old = this.current;
    this.current = roomLogFor(this.options, epoch);
    for (const id of old.roomIds()) old.expire(id, encodeCursor(epoch, roomTag(id), 0));
  }
}
