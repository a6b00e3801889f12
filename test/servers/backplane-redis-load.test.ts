/**
 * The Redis backplane loading a room's mirror while messages are heard: an instance hears its own
 * ack (command connection) before the channel's notice of an earlier message (subscriber
 * connection), so what is heard during a load comes out of seq order. The load must not take the
 * resulting gap for trimmed history. Driven directly, in a crafted order, on a real `redis-server`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../servers/contract/index.ts';
import { RedisBackplane } from '../../servers/backplane/index.ts';
import { redisMissingReason, startRedisServer, type RedisServer } from '../../bench/cluster/redis-server.ts';

const MISSING = redisMissingReason();
if (MISSING) console.warn(`Redis backplane load tests skipped: ${MISSING}`);

/** What the backplane does with a message stored in Redis (published, or its own ack); private, driven here. */
type Heard = { apply(message: ChatMessage, epoch: string): void };

function message(room: string, seq: number): ChatMessage {
  return { room, seq, id: `m${seq}`, from: 'author', body: `body ${seq}`, ts: 1 };
}

describe.skipIf(MISSING !== undefined)('the Redis backplane loading a room while messages are heard out of order', () => {
  let redis: RedisServer;
  let backplane: RedisBackplane;
  beforeAll(async () => {
    redis = await startRedisServer();
    const { hostname, port } = new URL(redis.url);
    backplane = new RedisBackplane({ host: hostname, port: Number(port) }, { historySize: 100, maxRooms: 1000, maxStoredBytes: Infinity });
    await backplane.ready();
    expect(backplane.unavailable()).toBeUndefined();
  });
  afterAll(async () => {
    await backplane?.close();
    await redis?.close();
  });

  function hear(seqs: number[], room: string): void {
    const heard = backplane as unknown as Heard;
    for (const seq of seqs) heard.apply(message(room, seq), backplane.log.epoch);
  }

  it('an empty room loaded while 3, then 1 and 2 are heard: the mirror holds 1, 2, 3 and a cursor at 0 still reads them', async () => {
    const room = 'heard-out-of-order';
    const start = backplane.log.peek(room).cursorAt(0);
    const loaded = backplane.load(room, start);
    // The stream read is in flight (the room is empty in Redis); these come before its answer.
    hear([3, 1, 2], room);
    const mirror = await loaded;
    expect(mirror.resolve(start)).toBe(0);
    expect(mirror.after(0, 10).map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(backplane.log.get(room)?.head).toBe(3);
  });

  it('a listener that made the mirror during the load hears 1, 2, 3 in order and is not told its cursor expired', async () => {
    const room = 'listened-during-load';
    const loaded = backplane.load(room, backplane.log.peek(room).cursorAt(0));
    const got: number[] = [];
    const expired: string[] = [];
    const stop = backplane.log.room(room).listen(
      (m) => got.push(m.seq),
      (cursor) => expired.push(cursor),
    );
    hear([3, 1, 2], room);
    await loaded;
    stop();
    expect(expired).toEqual([]);
    expect(got).toEqual([1, 2, 3]);
  });
});
