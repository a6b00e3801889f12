import type { ChatError, PostRequest } from '../contract/index.ts';
import type { AppendResult, Room, RoomLog } from '../common/room-log.ts';

/** A value now, or later. The memory backplane answers now, so its path has no promise in it. */
export type Now<T> = T | Promise<T>;

/**
 * Where a server's rooms live: one interface for the memory backplane (this process) and the
 * Redis one (every instance on the same Redis serves the same rooms).
 *
 * How a server talks to it (the recipe for a new transport, as the polling and WebSocket servers do):
 * - **post**: `settle(backplane.append(roomId, post), (result) => ack(result))`: acknowledge only
 *   in the callback, and turn a rejection (`BACKPLANE_UNAVAILABLE`, `TOO_MANY_ROOMS`) into an
 *   error answer;
 * - **read**: `settle(backplane.load(roomId, cursor), (room) => …)`; in the callback, everything is
 *   synchronous, as with a plain `RoomLog`: `room.resolve(cursor)`, `room.after(seq, limit)`,
 *   `room.head`, `room.cursorAt(seq)`;
 * - **listen**: in the same callback (the same turn of the event loop, so that nothing falls
 *   between the read and the listening), `backplane.log.room(roomId).listen(onMessage, onExpired)`:
 *   `onExpired(cursor)` is called when the room's cursors stop holding (Redis lost its data); answer
 *   the client `CURSOR_EXPIRED` with that cursor;
 * - **health**: `backplane.unavailable()` is `undefined` when all is well, else the error for
 *   `GET /healthz` (503);
 * - read `backplane.log` when it is used, never keep it: a Redis backplane replaces it when its
 *   epoch changes. Handle one client's frames in order: a load or an append may finish later.
 */
export interface Backplane {
  readonly kind: 'memory' | 'redis';
  /**
   * The rooms this process holds, to read synchronously: every room (memory), or the mirrors of
   * the rooms in use (Redis). Replaced when the Redis epoch changes.
   */
  readonly log: RoomLog;
  /** Stores a message, or finds the original of a retry. Acknowledged means stored: answer after it. */
  append(roomId: string, post: PostRequest): Now<AppendResult>;
  /**
   * The room, ready to read synchronously and holding at least everything up to `cursor` when that
   * is a cursor of this room. Not kept (reading an unknown room costs nothing): to listen, take
   * `log.room(roomId)` in the same turn.
   */
  load(roomId: string, cursor?: string): Now<Room>;
  /** `undefined` while the backplane can store; otherwise the `BACKPLANE_UNAVAILABLE` error. */
  unavailable(): ChatError | undefined;
  /** Resolves once the backplane was reached for the first time, or failed to be (memory: at once). */
  ready(): Promise<void>;
  /** Lets go of connections; the log stays readable. */
  close(): Promise<void>;
}

/**
 * `next(value)` now when `value` is not a promise, later when it is: the memory backplane's path
 * stays synchronous (no promise, no extra turn), the Redis one's waits.
 */
export function settle<T, R>(value: Now<T>, next: (value: T) => R): Now<R> {
  return value instanceof Promise ? (value.then(next) as Promise<R>) : next(value);
}

/** One process: the rooms are a `RoomLog`, and every call answers at once. */
export class MemoryBackplane implements Backplane {
  readonly kind = 'memory';
  readonly log: RoomLog;

  constructor(log: RoomLog) {
    this.log = log;
  }

  append(roomId: string, post: PostRequest): AppendResult {
    return this.log.append(roomId, post);
  }

  load(roomId: string): Room {
    return this.log.peek(roomId);
  }

  unavailable(): undefined {
    return undefined;
  }

  ready(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
