import { randomBytes } from 'node:crypto';

/**
 * Cursors are opaque to clients. Inside they are `epoch.roomTag.seq`: the server run that made
 * them, a hash of the room id (so that a cursor of one room is not taken for another's), and the
 * last seq they cover, in base 36. Encoding is string concatenation: it runs on every answer.
 */

/** A new random epoch for one server run. */
export function newEpoch(): string {
  return randomBytes(6).toString('base64url');
}

/** FNV-1a 32-bit of the room id, in base 36: computed once per room. */
export function roomTag(room: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < room.length; i++) {
    h ^= room.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36);
}

/** The cursor for "everything up to `seq`" of the room with this tag, in this epoch. */
export function encodeCursor(epoch: string, tag: string, seq: number): string {
  return `${epoch}.${tag}.${seq.toString(36)}`;
}

const SEQ_PATTERN = /^[0-9a-z]{1,10}$/;

/**
 * The seq a cursor names, or `undefined` when it was not made for this room in this epoch.
 * Whether that seq is still in history is the room log's question.
 */
export function decodeCursor(epoch: string, tag: string, cursor: string): number | undefined {
  const first = cursor.indexOf('.');
  const second = cursor.indexOf('.', first + 1);
  if (first < 0 || second < 0) return undefined;
  if (cursor.slice(0, first) !== epoch || cursor.slice(first + 1, second) !== tag) return undefined;
  const seqText = cursor.slice(second + 1);
  if (!SEQ_PATTERN.test(seqText)) return undefined;
  return parseInt(seqText, 36);
}
