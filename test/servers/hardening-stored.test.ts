/**
 * Hardening, stored history (review of issue 8): history was bounded per room only, so
 * max-rooms × history-size × max-body-bytes (~4 TB at the defaults) could be stored. The
 * stored-bytes budget drops the oldest messages server-wide, in the order they were stored; a
 * cursor into them expires as one older than the history size does, never a silent gap.
 */
import { describe, expect, it } from 'vitest';
import { spawnServer } from '../../bench/run/spawn-server.ts';
import { ChatError } from '../../servers/contract/index.ts';
import { messageCost, RoomLog } from '../../servers/common/room-log.ts';
import { onCleanup, range, startServer } from '../../servers/contract/conformance/servers.ts';

const MiB = 1024 * 1024;
const post = (i: number, body = 'x'): { id: string; from: string; body: string } => ({ id: `m${i}`, from: 'a', body });

describe('the stored-bytes budget (RoomLog)', () => {
  it('drops the oldest messages over all rooms, in storing order, and keeps each room numbering on', () => {
    const cost = messageCost(post(10, 'x'.repeat(100)));
    const log = new RoomLog({ historySize: 1000, maxStoredBytes: 10 * cost });
    log.append('quiet', post(1, 'x'.repeat(100)));
    for (let i = 1; i <= 20; i++) log.append(i % 2 === 0 ? 'even' : 'odd', post(10 + i, 'x'.repeat(100)));
    expect(log.bytesStored).toBeLessThanOrEqual(10 * cost);
    expect(log.messagesStored).toBe(10);
    // The quiet room's one message went first; the last ten stored are kept, five per room.
    const quiet = log.get('quiet');
    expect(quiet?.count).toBe(0);
    expect(log.get('odd')?.oldest).toBe(6);
    expect(log.get('even')?.oldest).toBe(6);
    // A cursor into dropped history expires with the head cursor, like one past history-size.
    const odd = log.get('odd');
    let expired: unknown;
    try {
      odd?.resolve(odd.cursorAt(1));
    } catch (error) {
      expired = error;
    }
    expect(expired).toBeInstanceOf(ChatError);
    expect(expired).toMatchObject({ code: 'CURSOR_EXPIRED', cursor: odd?.headCursor() });
    expect(String((expired as Error).message)).toContain("stored-bytes budget");
    // The cursor just before the oldest kept still reads, with no gap.
    expect(odd?.after(odd.resolve(odd.cursorAt(5)), 100).map((m) => m.seq)).toEqual([6, 7, 8, 9, 10]);
    // A room emptied by the budget is kept, and its numbering goes on.
    expect(log.get('quiet')).toBe(quiet);
    expect(log.append('quiet', post(2)).message.seq).toBe(2);
  });

  it('always keeps the newest message, even one larger than the budget', () => {
    const log = new RoomLog({ historySize: 10, maxStoredBytes: 1024 });
    log.append('r', post(1, 'x'.repeat(100)));
    log.append('r', post(2, 'x'.repeat(5000)));
    expect(log.get('r')?.count).toBe(1);
    expect(log.get('r')?.at(2)?.id).toBe('m2');
  });

  it('keeps its storing order bounded when rooms drop messages past their history size', () => {
    const log = new RoomLog({ historySize: 2, maxStoredBytes: 1024 * MiB });
    for (let i = 1; i <= 100_000; i++) log.append(`r${i % 10}`, post(i));
    expect(log.messagesStored).toBe(20);
    const order = log as unknown as { stored: unknown[]; first: number };
    expect(order.stored.length - order.first).toBeLessThanOrEqual(1024);
    expect(order.stored.length).toBeLessThanOrEqual(2048);
  });

  it('a poll held while the budget empties its room answers from its cursor, with nothing missing', async () => {
    const { url, server } = await startServer('long-polling', { maxStoredBytes: 4096, defaultWaitMs: 50, maxWaitMs: 1000, idleTimeoutMs: 2000 });
    server.log.append('held', post(1));
    const cursor = server.log.get('held')?.headCursor() ?? '';
    const answer = fetch(`${url}/rooms/held/messages?cursor=${encodeURIComponent(cursor)}&wait=1000`);
    await expect.poll(() => server.stats().heldPolls).toBe(1);
    // Other rooms fill the budget: room "held" loses its message; the held poll times out.
    for (const i of range(1, 30)) server.log.append('busy', post(i, 'x'.repeat(300)));
    expect(server.log.get('held')?.count).toBe(0);
    const response = await answer;
    expect(response.status).toBe(200);
    // Its cursor was the head: nothing after it was dropped, so nothing is missing.
    expect(((await response.json()) as { messages: unknown[] }).messages).toEqual([]);
  });
});

describe.each(['short-polling', 'long-polling'] as const)('%s: --max-stored-bytes', (transport) => {
  it('posts beyond the budget drop the oldest; an old cursor expires with the head cursor; memory stays bounded', async () => {
    const budget = 4 * MiB;
    const server = await spawnServer(transport, ['--max-stored-bytes', String(budget), '--max-body-bytes', '16384']);
    onCleanup(() => server.stop());
    const before = await server.mark('before', true);
    expect(before.collected).toBe(true);
    const start = (await (await fetch(`${server.url}/rooms/r0/messages`)).json()) as { cursor: string };
    // 2,500 messages of 16,000 bytes over 10 rooms: 40 MB without the budget (the history size,
    // 10,000 per room, would keep them all), in a quarter of the requests 4,000-byte bodies take.
    const body = 'x'.repeat(16_000);
    const ids = range(1, 2500);
    let next = 0;
    await Promise.all(
      range(1, 20).map(async () => {
        while (next < ids.length) {
          const i = ids[next++] as number;
          const answer = await fetch(`${server.url}/rooms/r${i % 10}/messages`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ id: `m${i}`, from: 'a', body }),
          });
          expect(answer.status).toBe(201);
        }
      }),
    );
    const after = await server.mark('after', true);
    expect(after.heapUsed - before.heapUsed, `heap grew ${((after.heapUsed - before.heapUsed) / MiB).toFixed(1)} MB`).toBeLessThan(budget + 12 * MiB);
    expect(after.stats.rooms).toBe(10);
    const expired = await fetch(`${server.url}/rooms/r0/messages?cursor=${encodeURIComponent(start.cursor)}`);
    expect(expired.status).toBe(410);
    const error = ((await expired.json()) as { error: { code: string; cursor: string } }).error;
    expect(error.code).toBe('CURSOR_EXPIRED');
    // The head cursor: polling from it sees the next message, seq numbering unbroken.
    const fresh = await fetch(`${server.url}/rooms/r0/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'last', from: 'a', body: 'x' }),
    });
    expect(((await fresh.json()) as { seq: number }).seq).toBe(251);
    const page = (await (await fetch(`${server.url}/rooms/r0/messages?cursor=${encodeURIComponent(error.cursor)}`)).json()) as { messages: { seq: number }[] };
    expect(page.messages.map((m) => m.seq)).toEqual([251]);
  });
});
