import { describe, expect, it } from 'vitest';
import { ChatError, type ChatMessage } from '../../servers/contract/index.ts';
import { RoomLog } from '../../servers/common/room-log.ts';
import { replayPiece } from '../../servers/websocket/connection.ts';

const CLOCK_MS = 1_700_000_000_000;
const post = (i: number, from = 'a'): { id: string; from: string; body: string } => ({ id: `m${i}`, from, body: `b${i}` });

function expiredError(fn: () => unknown): ChatError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ChatError);
    expect((error as ChatError).code).toBe('CURSOR_EXPIRED');
    return error as ChatError;
  }
  throw new Error('expected CURSOR_EXPIRED');
}

describe('RoomLog', () => {
  it('gives seqs from 1 without gaps, per room, and stamps ts from its clock', () => {
    const log = new RoomLog({ historySize: 10, now: () => CLOCK_MS });
    expect(log.append('a', post(1)).message).toEqual({ room: 'a', seq: 1, id: 'm1', from: 'a', body: 'b1', ts: CLOCK_MS });
    expect(log.append('a', post(2)).message.seq).toBe(2);
    expect(log.append('b', post(1)).message.seq).toBe(1);
    expect(log.size).toBe(2);
  });

  it('reads up to limit messages after a cursor, oldest first', () => {
    const log = new RoomLog({ historySize: 100 });
    const room = log.room('r');
    for (let i = 1; i <= 10; i++) room.append(post(i), 0);
    expect(room.after(0, 3).map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(room.after(7, 100).map((m) => m.seq)).toEqual([8, 9, 10]);
    expect(room.after(10, 5)).toEqual([]);
    expect(room.resolve(room.cursorAt(4))).toBe(4);
    expect(room.resolve(room.headCursor())).toBe(10);
  });

  it('keeps the last historySize messages across the ring wrapping', () => {
    const log = new RoomLog({ historySize: 4 });
    const room = log.room('r');
    for (let i = 1; i <= 11; i++) room.append(post(i), 0);
    expect(room.oldest).toBe(8);
    expect(room.after(7, 10).map((m) => m.seq)).toEqual([8, 9, 10, 11]);
    expect(room.at(7)).toBeUndefined();
    expect(room.at(9)?.id).toBe('m9');
    // A cursor at oldest - 1 still means "everything after", which is all kept: valid.
    expect(room.resolve(room.cursorAt(7))).toBe(7);
    const error = expiredError(() => room.resolve(room.cursorAt(6)));
    expect(error.cursor).toBe(room.headCursor());
  });

  it('refuses cursors of another epoch, another room, the future, or garbage', () => {
    const log = new RoomLog({ historySize: 10, epoch: 'epochA' });
    const other = new RoomLog({ historySize: 10, epoch: 'epochB' });
    const room = log.room('r');
    room.append(post(1), 0);
    other.room('r').append(post(1), 0);
    expiredError(() => room.resolve(other.room('r').cursorAt(1)));
    expiredError(() => room.resolve(log.room('s').cursorAt(0)));
    expiredError(() => room.resolve(room.cursorAt(2)));
    for (const junk of ['', 'x', 'epochA..1', 'epochA.zz.1', `epochA.${room.tag}.`, `epochA.${room.tag}.-1`, `epochA.${room.tag}.1.2`]) {
      expiredError(() => room.resolve(junk));
    }
  });

  it('stores a retry of (from, id) once, and stores it anew once the original left history', () => {
    const log = new RoomLog({ historySize: 2 });
    const first = log.append('r', post(1));
    const retry = log.append('r', { ...post(1), body: 'changed' });
    expect(retry).toMatchObject({ stored: false, cursor: first.cursor });
    expect(retry.message).toBe(first.message);
    expect(log.append('r', post(1, 'someone-else')).stored).toBe(true);
    log.append('r', post(2));
    // m1 from "a" has been evicted: the same post is a new message now.
    const again = log.append('r', post(1));
    expect(again).toMatchObject({ stored: true, message: { seq: 4 } });
  });

  it('does not confuse (from, id) pairs that concatenate alike', () => {
    const log = new RoomLog({ historySize: 10 });
    log.append('r', { id: 'bc', from: 'a', body: '' });
    expect(log.append('r', { id: 'c', from: 'ab', body: '' }).stored).toBe(true);
  });

  it('wakes listeners synchronously on append, not on a retry, and forgets removed ones', () => {
    const log = new RoomLog({ historySize: 10 });
    const room = log.room('r');
    const seen: ChatMessage[] = [];
    const stop = room.listen((m) => seen.push(m));
    room.append(post(1), 0);
    expect(seen.map((m) => m.seq)).toEqual([1]);
    room.append(post(1), 0);
    expect(seen).toHaveLength(1);
    expect(log.listenerCount()).toBe(1);
    stop();
    room.append(post(2), 0);
    expect(seen).toHaveLength(1);
    expect(log.listenerCount()).toBe(0);
  });

  it('keeps rooms named like Object.prototype members apart', () => {
    const log = new RoomLog({ historySize: 10 });
    for (const id of ['__proto__', 'constructor', 'hasOwnProperty']) log.append(id, post(1));
    expect(log.size).toBe(3);
    expect(log.get('__proto__')?.head).toBe(1);
    expect(log.get('toString')).toBeUndefined();
  });

  it('grows a room as messages arrive: an empty room holds no slot for its history', () => {
    const log = new RoomLog({ historySize: 10_000 });
    const room = log.room('r');
    const kept = (): unknown[] => (room as unknown as { kept: unknown[] }).kept;
    expect(kept()).toHaveLength(0);
    for (let i = 1; i <= 3; i++) room.append(post(i), 0);
    expect(kept()).toHaveLength(3);
  });

  it('keeps its array at most about twice what it holds as old messages are dropped', () => {
    const log = new RoomLog({ historySize: 100 });
    const room = log.room('r');
    for (let i = 1; i <= 10_000; i++) room.append(post(i), 0);
    expect(room.count).toBe(100);
    expect((room as unknown as { kept: unknown[] }).kept.length).toBeLessThanOrEqual(200);
    expect(room.after(9900, 100).map((m) => m.seq)).toEqual(Array.from({ length: 100 }, (_, i) => 9901 + i));
    expect(room.at(9900)).toBeUndefined();
    expect(room.at(9901)?.id).toBe('m9901');
  });

  it('creates nothing when an unknown room is only read, and its cursor is the one the room will have', () => {
    const log = new RoomLog({ historySize: 10 });
    const peeked = log.peek('quiet');
    expect(log.size).toBe(0);
    expect(peeked.after(0, 10)).toEqual([]);
    const cursor = peeked.headCursor();
    log.append('quiet', post(1));
    expect(log.room('quiet').after(log.room('quiet').resolve(cursor), 10).map((m) => m.seq)).toEqual([1]);
  });

  it('forgets an empty room when its last listener leaves, and keeps a room with messages', () => {
    const log = new RoomLog({ historySize: 10 });
    const stopA = log.room('empty').listen(() => undefined);
    const stopB = log.room('empty').listen(() => undefined);
    const stopC = log.room('busy').listen(() => undefined);
    log.append('busy', post(1));
    expect(log.size).toBe(2);
    stopA();
    expect(log.size).toBe(2);
    stopB();
    stopC();
    expect(log.get('empty')).toBeUndefined();
    expect(log.get('busy')?.head).toBe(1);
  });

  it('refuses a new room beyond maxRooms with TOO_MANY_ROOMS, and keeps serving the kept ones', () => {
    const log = new RoomLog({ historySize: 10, maxRooms: 2 });
    log.append('a', post(1));
    const stop = log.room('b').listen(() => undefined);
    let error: unknown;
    try {
      log.append('c', post(1));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ChatError);
    expect((error as ChatError).code).toBe('TOO_MANY_ROOMS');
    expect((error as ChatError).message).toContain('maxRooms');
    expect(log.append('a', post(2)).message.seq).toBe(2);
    // An empty room whose listener left frees its place.
    stop();
    expect(log.append('c', post(1)).message.seq).toBe(1);
  });
});

describe('replayPiece', () => {
  const log = new RoomLog({ historySize: 100 });
  const room = log.room('r');
  for (let i = 1; i <= 10; i++) room.append({ id: `m${i}`, from: 'a', body: 'x'.repeat(100) }, 0);
  const messageBytes = Buffer.byteLength(JSON.stringify(room.at(1)));

  it('is the frame JSON.stringify would give, with at most maxMessages messages', () => {
    const piece = replayPiece(room, 2, 3, 1_000_000, true);
    expect(piece?.count).toBe(3);
    expect(JSON.parse(piece?.text ?? '')).toEqual({ type: 'messages', room: 'r', messages: room.after(2, 3), cursor: room.cursorAt(5) });
  });

  it('takes no more bytes than the budget, but one message when nothing waits', () => {
    const piece = replayPiece(room, 0, 100, 4 * messageBytes + 200, false);
    expect(piece?.count).toBeGreaterThanOrEqual(3);
    expect(Buffer.byteLength(piece?.text ?? '')).toBeLessThanOrEqual(4 * messageBytes + 200);
    expect(replayPiece(room, 0, 100, 10, false)).toBeUndefined();
    expect(replayPiece(room, 0, 100, 10, true)?.count).toBe(1);
  });

  it('reads messages one at a time until the budget is spent, not a whole page of maxMessages', () => {
    const read: number[] = [];
    const counting = Object.create(room) as typeof room;
    counting.at = (seq: number) => {
      read.push(seq);
      return room.at(seq);
    };
    counting.after = () => {
      throw new Error('replayPiece must not read a page of maxMessages');
    };
    const piece = replayPiece(counting, 0, 1000, 2 * messageBytes + 200, false);
    expect(piece?.count).toBe(2);
    // The two that fit, and the one that did not.
    expect(read).toEqual([1, 2, 3]);
  });

  it('is an empty frame with the cursor when nothing is left', () => {
    const piece = replayPiece(room, 10, 100, 10, false);
    expect(piece?.count).toBe(0);
    expect(JSON.parse(piece?.text ?? '')).toEqual({ type: 'messages', room: 'r', messages: [], cursor: room.cursorAt(10) });
  });
});

describe('RoomLog mirrors (a backplane numbers the messages)', () => {
  const message = (seq: number, room = 'r'): ChatMessage => ({ room, seq, id: `m${seq}`, from: 'a', body: `b${seq}`, ts: CLOCK_MS });

  it('starts after the oldest seq it was given and stores the next ones, waking listeners; cursors as if it had stored them', () => {
    const log = new RoomLog({ historySize: 10, epoch: 'E' });
    const room = log.mirror('r', 40, [message(41), message(42)]);
    const woken: number[] = [];
    room.listen((m) => woken.push(m.seq));
    log.store(message(43));
    expect([room.oldest, room.head, log.messagesStored]).toEqual([41, 43, 3]);
    expect(woken).toEqual([43]);
    expect(room.after(room.resolve(room.cursorAt(41)), 10).map((m) => m.seq)).toEqual([42, 43]);
    expiredError(() => room.resolve(room.cursorAt(39)));
  });

  it('refuses a message that is not the next seq: a mirror fills its gaps first', () => {
    const log = new RoomLog({ historySize: 10 });
    log.mirror('r', 0, [message(1)]);
    expect(() => log.store(message(3))).toThrow(/stores seq 2 next, not 3/);
    expect(() => log.store(message(1, 'unknown'))).toThrow(/no mirror/);
  });

  it('expires a room: every listener is told once with the cursor to restart from, and its bytes leave the budget', () => {
    const log = new RoomLog({ historySize: 10 });
    const room = log.mirror('r', 0, [message(1), message(2)]);
    const told: string[] = [];
    const woken: number[] = [];
    room.listen(
      (m) => woken.push(m.seq),
      (cursor) => told.push(cursor),
    );
    room.listen(() => undefined);
    log.expire('r', 'restart-here');
    expect(told).toEqual(['restart-here']);
    expect([room.listenerCount, log.get('r'), log.messagesStored, log.bytesStored]).toEqual([0, undefined, 0, 0]);
    room.store(message(3));
    expect(woken, 'an expired room wakes nobody').toEqual([]);
  });
});
