/**
 * The Redis backplane (issue 11), on a real `redis-server` the test starts: the conformance suite
 * against two instances on one Redis, a client alternating between them, for every transport; then
 * the faults: an instance killed with clients attached, Redis stopped, started empty, restarted with
 * its data. Without `redis-server` the suite says it was skipped, and why.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TRANSPORT_INFO, TRANSPORTS, type ChatMessage, type Transport } from '../../servers/contract/index.ts';
import { createChatServer, type ChatServer } from '../../servers/index.ts';
import { ClientError, type ClientEvent } from '../../servers/clients/index.ts';
import { redisMissingReason, startRedisServer, type RedisServer } from '../../bench/cluster/redis-server.ts';
import { killChild, nextMessage, spawnTs } from '../../bench/run/spawn.ts';
import { idsKey, logKey } from '../../servers/backplane/redis-scripts.ts';
import { defineConformanceSuite } from '../../servers/contract/conformance/suite.ts';
import { call, post } from '../../servers/contract/conformance/http.ts';
import { WAIT_BOUND_MS, connectClient, onCleanup, range, seqs, startServer } from '../../servers/contract/conformance/servers.ts';

const MISSING = redisMissingReason();
if (MISSING) console.warn(`Redis backplane tests skipped: ${MISSING}`);

/** Small enough that the expired-cursor check fills a room's history in a moment. */
const HISTORY_SIZE = 100;
const TOKEN = 'conformance-token';
const MAIN = new URL('../../servers/main.ts', import.meta.url).pathname;
/** How long a server process gets to say it listens (it loads tsx first). */
const SPAWN_BOUND_MS = 30_000;

/** Waits until `GET /healthz` answers `status` (Redis going away or coming back is an event the server sees first). */
async function healthIs(url: string, status: number): Promise<void> {
  await vi.waitFor(async () => expect((await call(url, '/healthz')).status, `${url}/healthz`).toBe(status), { timeout: WAIT_BOUND_MS, interval: 20 });
}

function postJson(url: string, room: string, id: string, from = 'author'): ReturnType<typeof post> {
  return post(url, room, JSON.stringify({ id, from, body: `body of ${id}` }), 'application/json');
}

/** Two instances on one Redis: a reader subscribed to `room` on the first (its events kept), a writer on the second. */
async function readerAndWriter(transport: Transport, backplane: string, room: string) {
  const [a, b] = [await startServer(transport, { backplane }), await startServer(transport, { backplane })];
  const events: ClientEvent[] = [];
  const reader = await connectClient(transport, a.url, { onEvent: (e) => events.push(e), waitMs: 60_000 });
  await reader.client.subscribe(room);
  const writer = await connectClient(transport, b.url);
  return { a, b, reader, writer, events };
}

describe.skipIf(MISSING !== undefined)('the Redis backplane', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(() => redis?.close());

  describe.each(TRANSPORTS)('%s: two instances on one Redis keep the contract', (transport) => {
    const servers: ChatServer[] = [];
    const urls: string[] = [];
    let turn = 0;
    beforeAll(async () => {
      for (const _ of [0, 1]) {
        const server = await createChatServer(transport, { port: 0, historySize: HISTORY_SIZE, token: TOKEN, backplane: redis.url });
        servers.push(server);
        urls.push(await server.listen());
      }
    });
    afterAll(() => Promise.all(servers.map((s) => s.close())));

    // Every connection and request goes to the other instance than the one before.
    defineConformanceSuite({ transport, token: TOKEN, historySize: HISTORY_SIZE, maxBodyBytes: 4096 }, () => urls[turn++ % urls.length] as string);
  });

  describe.each(TRANSPORTS)('%s: faults', (transport) => {
    it('an instance killed with SIGKILL: its clients resume on the other with their cursors, and lose nothing acknowledged', async () => {
      const room = `kill-${transport}`;
      const child = spawnTs(MAIN, ['--transport', transport, '--port', '0', '--backplane', redis.url], 2000);
      onCleanup(() => killChild(child));
      const { url: doomed } = await nextMessage<{ type: string; url: string }>(child, (m) => m.type === 'listening', SPAWN_BOUND_MS, 'server process');
      const { url: survivor } = await startServer(transport, { backplane: redis.url });

      const reader = await connectClient(transport, doomed, { reconnect: false });
      await reader.client.subscribe(room);
      const writerOnDoomed = await connectClient(transport, doomed, { reconnect: false });
      const writerOnSurvivor = await connectClient(transport, survivor);
      const acked: number[] = [];
      for (const i of range(1, 5)) acked.push((await writerOnSurvivor.client.send(room, { id: `s${i}`, from: 'w', body: 'x' })).seq);
      for (const i of range(1, 5)) acked.push((await writerOnDoomed.client.send(room, { id: `d${i}`, from: 'w', body: 'x' })).seq);
      await reader.inbox.waitFor(room, 3);

      await killChild(child);
      const cursor = reader.client.cursor(room);
      const before = seqs(reader.inbox.of(room));
      await reader.client.close();
      for (const i of range(6, 10)) acked.push((await writerOnSurvivor.client.send(room, { id: `s${i}`, from: 'w', body: 'x' })).seq);

      const resumed = await connectClient(transport, survivor);
      await resumed.client.subscribe(room, cursor);
      const last = before.at(-1) ?? 0;
      const after = seqs(await resumed.inbox.waitFor(room, 15 - last));
      expect(acked.toSorted((a, b) => a - b), 'one seq order across both instances').toEqual(range(1, 15));
      expect([...before, ...after], 'before the kill on one instance, then from its cursor on the other: every acknowledged message once, in order').toEqual(range(1, 15));
    });

    it('Redis stopped: posts get 503 BACKPLANE_UNAVAILABLE, healthz 503, listeners stay; restarted with its data: cursors hold and listeners resume', async () => {
      const room = `pause-${transport}`;
      const { a, b, reader, writer, events } = await readerAndWriter(transport, redis.url, room);
      await writer.client.send(room, { id: 'm1', from: 'w', body: 'x' });
      await reader.inbox.waitFor(room, 1);
      const cursor = reader.client.cursor(room) as string;

      await redis.stop({ keepData: true });
      await healthIs(a.url, 503);
      await healthIs(b.url, 503);
      const health = await call(b.url, '/healthz');
      expect(health.body, 'healthz says why').toMatchObject({ error: { code: 'BACKPLANE_UNAVAILABLE' } });
      const refused = await writer.client.send(room, { id: 'm2', from: 'w', body: 'x' }).then(
        () => undefined,
        (e: unknown) => e as ClientError,
      );
      expect(refused?.code, 'a post while Redis is away is refused, not acknowledged').toBe('BACKPLANE_UNAVAILABLE');
      if (TRANSPORT_INFO[transport].routes) expect((await postJson(b.url, room, 'm3')).status).toBe(503);
      const stats = a.server.stats();
      if (transport === 'long-polling') expect(stats.heldPolls, 'the held poll stays open').toBe(1);
      if (transport === 'websocket' || transport === 'socketio') expect([stats.sockets, stats.subscriptions], 'the socket and its subscription stay').toEqual([1, 1]);

      await redis.start();
      await healthIs(a.url, 200);
      await healthIs(b.url, 200);
      const retry = await writer.client.send(room, { id: 'm2', from: 'w', body: 'x' });
      expect(retry.seq, 'nothing was stored for the refused post').toBe(2);
      const got = await reader.inbox.waitFor(room, 2);
      expect(seqs(got), 'the listener on the other instance resumes').toEqual([1, 2]);
      const probe = await connectClient(transport, b.url);
      await probe.client.subscribe(room, cursor);
      expect(seqs(await probe.inbox.waitFor(room, 1)), 'a cursor from before the restart still holds, on the other instance').toEqual([2]);
      expect(events.filter((e) => e.type === 'cursor-expired'), 'no cursor expired').toEqual([]);
    });

    it('Redis started empty: every old cursor is CURSOR_EXPIRED, on every instance and for every listener, never a silent gap', async () => {
      const room = `empty-${transport}`;
      const { a, b, reader, writer, events } = await readerAndWriter(transport, redis.url, room);
      for (const i of range(1, 3)) await writer.client.send(room, { id: `m${i}`, from: 'w', body: 'x' });
      await reader.inbox.waitFor(room, 3);
      const cursor = reader.client.cursor(room) as string;

      await redis.stop();
      await healthIs(a.url, 503);
      await redis.start();
      await healthIs(a.url, 200);
      await healthIs(b.url, 200);
      for (const url of [a.url, b.url]) {
        const probe = await connectClient(transport, url);
        const refused = await probe.client.subscribe(room, cursor).then(
          () => undefined,
          (e: unknown) => e as ClientError,
        );
        expect(refused?.code, `an old cursor on ${url === a.url ? 'the listening' : 'the other'} instance`).toBe('CURSOR_EXPIRED');
        expect(typeof refused?.cursor, 'CURSOR_EXPIRED carries a fresh cursor').toBe('string');
        expect(probe.inbox.of(room), 'nothing replayed').toEqual([]);
      }
      // The listener is told (held poll answered 410, socket sent an error frame) or, polling, finds out.
      await vi.waitFor(() => expect(events.some((e) => e.type === 'cursor-expired'), 'the listener learns its cursor expired').toBe(true), { timeout: WAIT_BOUND_MS, interval: 10 });
      const ack = await writer.client.send(room, { id: 'new1', from: 'w', body: 'x' });
      expect(ack.seq, 'the room starts again from seq 1').toBe(1);
      await vi.waitFor(() => expect(reader.inbox.of(room).at(-1)?.id, 'the listener goes on in the new data').toBe('new1'), { timeout: WAIT_BOUND_MS, interval: 10 });
      expect(seqs(reader.inbox.of(room)), 'the old messages, then the new data from its start').toEqual([1, 2, 3, 1]);
    });
  });

  it('a post acknowledged by one instance is in every instance\'s answer at once, retries recognised whichever instance gets them', async () => {
    const [a, b] = [await startServer('short-polling', { backplane: redis.url }), await startServer('long-polling', { backplane: redis.url })];
    const head = String((await call(b.url, '/rooms/shared/messages')).body.cursor);
    const first = await postJson(a.url, 'shared', 'once');
    const retry = await postJson(b.url, 'shared', 'once');
    expect([first.status, retry.status]).toEqual([201, 200]);
    expect(retry.body.seq).toBe(first.body.seq);
    // Read at once with the cursor the ack gave: the other instance catches up before answering.
    const page = await call(b.url, `/rooms/shared/messages?cursor=${encodeURIComponent(String(head))}&wait=0`);
    expect(seqs(page.body.messages as ChatMessage[])).toEqual([first.body.seq]);
    const next = await call(b.url, `/rooms/shared/messages?cursor=${encodeURIComponent(String(first.body.cursor))}&wait=0`);
    expect(next.status, "the ack's cursor holds on the other instance").toBe(200);
  });
});

describe.skipIf(MISSING !== undefined)('the Redis data', () => {
  it('keeps --history-size messages and their retry keys per room: a retry of a message gone from history stores anew', async () => {
    const redis = await startRedisServer();
    onCleanup(() => redis.close());
    const { url } = await startServer('short-polling', { backplane: redis.url, historySize: 2 });
    for (const id of ['a', 'b', 'c']) expect((await postJson(url, 'bounded', id)).status).toBe(201);
    const retried = await postJson(url, 'bounded', 'c');
    expect([retried.status, retried.body.seq], 'a retry of a message in history').toEqual([200, 3]);
    const gone = await postJson(url, 'bounded', 'a');
    expect([gone.status, gone.body.seq], 'a retry of a message gone from history is a new message').toEqual([201, 4]);
    const client = new Redis({ host: '127.0.0.1', port: redis.port });
    onCleanup(async () => void client.disconnect());
    expect(await client.xlen(logKey('bounded')), 'the stream is trimmed to --history-size').toBe(2);
    expect((await client.hkeys(idsKey('bounded'))).sort(), 'retry keys only for the messages kept').toEqual(['6:authora', '6:authorc']);
  });
});

describe('option backplane', () => {
  it.each([
    ['redis', /option backplane must be memory or redis:\/\/HOST:PORT.*apt-get install redis-server/],
    ['redis://', /option backplane must be memory or redis:\/\/HOST:PORT/],
    ['redis://127.0.0.1', /option backplane must be memory or redis:\/\/HOST:PORT/],
    ['redis://127.0.0.1:99999', /option backplane/],
    ['http://127.0.0.1:6379', /option backplane/],
    ['redis://user:pw@127.0.0.1:6379', /option backplane/],
    ['Memory', /option backplane/],
  ])('refuses %s, naming the option and what is allowed', async (value, message) => {
    await expect(createChatServer('websocket' as Transport, { backplane: value })).rejects.toThrow(message);
  });

  it('takes memory and redis://HOST:PORT', async () => {
    expect((await createChatServer('websocket', { backplane: 'memory' })).backplane.kind).toBe('memory');
    const server = await createChatServer('websocket', { backplane: 'redis://127.0.0.1:1' });
    expect(server.backplane.kind).toBe('redis');
    return server.close();
  });
});
