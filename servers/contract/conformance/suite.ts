/**
 * The conformance suite: every promise of the chat contract (servers/contract/README.md) that a
 * black box can be asked about, defined once. `test/servers/conformance.test.ts` runs it against the
 * project's servers; `npm run conformance` runs it against any URL.
 *
 * Each `describe` is one promise or one part of the wire protocol, named as the contract names it;
 * each failure message says, in words, what the server did instead. Every check uses rooms of its
 * own, so a server that keeps its rooms between runs is checked the same as a fresh one.
 */
import { describe, expect, it, vi } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { SOCKETIO_ENGINE_OPTIONS, SOCKETIO_EVENTS, SOCKETIO_PATH, SSE_ERROR_EVENT, TRANSPORT_INFO, type ChatMessage, type ErrorFrame } from '../index.ts';
import { ClientError, type ChatClient } from '../../clients/index.ts';
import { connectClient, range, seqs } from './servers.ts';
import { openRaw, handshakeStatus } from './raw-socket.ts';
import { dataOf, openSse, type SseEvent } from './sse-client.ts';
import { call, expectError, isJsonType, post, quoted, type Answer } from './http.ts';
import { PROMISES } from './promises.ts';
import { authHeaders, freshRoom, type ConformanceTarget } from './target.ts';

/** Posts sent at once while filling a room past its history. */
const FILL_CONCURRENCY = 100;
/**
 * Bound on a long poll without a cursor with `wait=60000`: the contract answers it at once (a few
 * ms); a server that held it would answer after 60 s. This only turns a hold into a failure.
 */
const NOT_HELD_BOUND_MS = 10_000;
/** The largest `limit` and `wait` the contract allows: one more is refused. */
const MAX_LIMIT = 1000;
const MAX_WAIT_MS = 60_000;

/**
 * Registers the suite for one server. `spec` is known when the tests are defined (it decides which
 * parts apply); `url` is read when they run, after the server listens.
 */
export function defineConformanceSuite(spec: Omit<ConformanceTarget, 'url'>, url: () => string): void {
  const target = (): ConformanceTarget => ({ ...spec, url: url() });
  const connect = (): ReturnType<typeof connectClient> =>
    connectClient(spec.transport, url(), { ...(spec.token === undefined ? {} : { token: spec.token }), ...(spec.engine === undefined ? {} : { engine: spec.engine }) });
  // What the suite asks of it, by the contract's facts of its transport: the HTTP routes (SSE
  // receives on its stream, but posts and reads there too), a held poll's wait, an event stream.
  const facts = TRANSPORT_INFO[spec.transport];
  const polling = facts.routes;
  const heldPoll = facts.receives === 'held-poll';
  const stream = facts.receives === 'stream';
  const frames = facts.receives === 'socket';
  const events = facts.receives === 'events';

  describe(PROMISES.order, () => {
    it('concurrent posts are acknowledged and delivered in seq order, from 1, without gaps', async () => {
      const room = freshRoom();
      const { client, inbox } = await connect();
      const sender = await connect();
      await client.subscribe(room);
      const acks = await Promise.all(range(1, 60).map((i) => sender.client.send(room, { id: `m${i}`, from: 's', body: `b${i}` })));
      const acked = acks.map((a) => a.seq).sort((a, b) => a - b);
      const shown = acked.length > 12 ? `${acked.slice(0, 12).join(',')},…` : acked.join(',');
      expect(acked, `60 concurrent posts to a new room should be acknowledged with seqs 1..60, got ${shown}`).toEqual(range(1, 60));
      const got = await inbox.waitFor(room, 60);
      expect(seqs(got), 'messages should arrive in seq order without gaps or repeats').toEqual(range(1, 60));
    });

    it('every member of a room receives the same messages in the same order', async () => {
      const room = freshRoom();
      const members = await Promise.all([0, 1, 2].map(() => connect()));
      for (const m of members) await m.client.subscribe(room);
      await Promise.all(members.flatMap((m, who) => range(1, 5).map((i) => m.client.send(room, { id: `${who}-${i}`, from: `member${who}`, body: 'x' }))));
      const lists = await Promise.all(members.map((m) => m.inbox.waitFor(room, 15)));
      for (const [who, list] of lists.entries()) {
        expect(seqs(list), `member ${who} should get seqs 1..15 in order`).toEqual(range(1, 15));
        expect(list, `member ${who} got the messages in another order than member 0`).toEqual(lists[0]);
      }
    });
  });

  describe(PROMISES.noLoss, () => {
    it('resuming with a cursor gives exactly the missed messages, then live ones, with no gap at the switch', async () => {
      const room = freshRoom();
      const sender = await connect();
      const first = await connect();
      await first.client.subscribe(room);
      for (const i of range(1, 3)) await sender.client.send(room, { id: `a${i}`, from: 's', body: 'x' });
      await first.inbox.waitFor(room, 3);
      const cursor = first.client.cursor(room);
      expect(cursor, 'the client should hold a cursor after receiving').toBeDefined();
      await first.client.close();

      for (const i of range(4, 8)) await sender.client.send(room, { id: `a${i}`, from: 's', body: 'x' });
      // Posts race the switch from replay to live: none may fall between.
      const racing = range(9, 28).map((i) => sender.client.send(room, { id: `a${i}`, from: 's', body: 'x' }));
      const second = await connect();
      await second.client.subscribe(room, cursor);
      await Promise.all(racing);
      for (const i of range(29, 30)) await sender.client.send(room, { id: `a${i}`, from: 's', body: 'x' });
      const got = await second.inbox.waitForSeq(room, 30);
      expect(seqs(got), 'after resuming from the cursor after seq 3, seqs 4..30 should arrive once each, in order').toEqual(range(4, 30));
    });

    it('rooms are kept apart, __proto__ and constructor being ordinary room ids', async () => {
      const { client, inbox } = await connect();
      const rooms = ['__proto__', 'constructor', freshRoom('a'), freshRoom('b')];
      for (const room of rooms) await client.subscribe(room);
      const acks = await Promise.all(rooms.map((room, i) => client.send(room, { id: freshRoom('id'), from: 's', body: `body${i}` })));
      for (const [i, room] of rooms.entries()) {
        const got = await inbox.waitFor(room, 1);
        expect(
          got.map((m) => [m.room, m.seq, m.body]),
          `room ${room} should hold only its own message`,
        ).toEqual([[room, acks[i]?.seq, `body${i}`]]);
      }
    });
  });

  describe(PROMISES.noSilentGap, () => {
    it(`a cursor older than history gets CURSOR_EXPIRED and a fresh cursor that works, never a partial replay`, async () => {
      const room = freshRoom();
      const { client, inbox } = await connect();
      const sender = await connect();
      const old = await client.subscribe(room);
      client.unsubscribe(room);
      const total = spec.historySize + 5;
      await fill(sender.client, room, total);
      const outcome = await client.subscribe(room, old).then(
        () => undefined,
        (e: unknown) => e,
      );
      const replayed = seqs(inbox.of(room));
      const replay = replayed.length > 0 ? `: a partial replay of seqs ${replayed[0]}..${replayed.at(-1)}` : '';
      expect(
        outcome,
        `a cursor from before ${total} posts (history ${spec.historySize}) was resumed instead of answered with CURSOR_EXPIRED${replay}`,
      ).toBeInstanceOf(ClientError);
      const error = outcome as ClientError;
      expect(error.code, `an expired cursor should get CURSOR_EXPIRED, got ${error.code}: ${error.message}`).toBe('CURSOR_EXPIRED');
      expect(typeof error.cursor, 'CURSOR_EXPIRED should carry a fresh cursor at the head').toBe('string');
      await client.subscribe(room, error.cursor);
      await sender.client.send(room, { id: 'after', from: 's', body: 'x' });
      const got = await inbox.waitFor(room, 1);
      expect(seqs(got), 'the fresh cursor should give exactly the next message').toEqual([total + 1]);
    });

    it('the cursor just before the oldest kept message still replays everything after it; the one before it has expired', async () => {
      const room = freshRoom();
      const sender = await connect();
      const total = spec.historySize + 5;
      const acks = await fill(sender.client, room, total);
      // The room keeps seqs 6..total: the cursor after seq 5 still reaches all of them, the one after seq 4 does not.
      const atEdge = acks.find((a) => a.seq === 5);
      const past = acks.find((a) => a.seq === 4);
      expect(atEdge && past, 'the posts filling the room should be acknowledged with seqs 4 and 5').toBeTruthy();
      const edge = await connect();
      const outcome = await edge.client.subscribe(room, atEdge?.cursor).then(
        () => undefined,
        (e: unknown) => e as ClientError,
      );
      expect(outcome, `the cursor after seq 5, with seqs 6..${total} kept, is valid, but got ${outcome?.code ?? ''}: ${outcome?.message ?? ''}`).toBeUndefined();
      const [first] = await edge.inbox.waitFor(room, 1);
      expect(first?.seq, `resuming after seq 5 should replay from seq 6, began at seq ${String(first?.seq)}`).toBe(6);
      const { client } = await connect();
      const expired = await client.subscribe(room, past?.cursor).then(
        () => undefined,
        (e: unknown) => e as ClientError,
      );
      expect(expired?.code, `the cursor after seq 4, with seq 5 no longer kept, should get CURSOR_EXPIRED, was ${expired ? `${expired.code}: ${expired.message}` : 'accepted'}`).toBe('CURSOR_EXPIRED');
    });

    it('a cursor of another room, or one the server never made, gets CURSOR_EXPIRED with a fresh cursor', async () => {
      const room = freshRoom();
      const other = freshRoom('other');
      const { client } = await connect();
      await client.send(room, { id: 'm1', from: 's', body: 'x' });
      await client.send(other, { id: 'm1', from: 's', body: 'x' });
      const otherRoom = await client.subscribe(other);
      for (const [what, cursor] of [
        ["another room's cursor", otherRoom],
        ['a garbage cursor', 'not-a-cursor'],
        ['a garbage cursor', 'a.b.c'],
      ] as const) {
        const error = await client.subscribe(room, cursor).then(
          () => undefined,
          (e: unknown) => e as ClientError,
        );
        expect(error?.code, `${what} (${cursor}) should get CURSOR_EXPIRED, was ${error ? error.code : 'accepted'}`).toBe('CURSOR_EXPIRED');
        expect(typeof error?.cursor, `CURSOR_EXPIRED for ${what} should carry a fresh cursor`).toBe('string');
      }
    });
  });

  describe(PROMISES.stored, () => {
    it('an acknowledged post is delivered with every field as posted, its seq and the time it was stored', async () => {
      const room = freshRoom();
      const { client, inbox } = await connect();
      await client.subscribe(room);
      const before = Date.now();
      const ack = await client.send(room, { id: 'm1', from: 'ada', body: 'ünïcödé ✓ 🎉 line\nbreak "quoted"' });
      const after = Date.now();
      expect(ack.seq, 'the first post to a new room should be acknowledged with seq 1').toBe(1);
      expect(typeof ack.cursor, 'the acknowledgement should carry a cursor').toBe('string');
      const [message] = await inbox.waitFor(room, 1);
      expectFields(message, 'the delivered message, as posted', { room, seq: 1, id: 'm1', from: 'ada', body: 'ünïcödé ✓ 🎉 line\nbreak "quoted"' });
      const ts = message?.ts;
      expect(Number.isInteger(ts), `ts should be an integer (Unix time in ms), was ${JSON.stringify(ts)}`).toBe(true);
      // Loopback: the server's clock and ours are the same clock; 1 ms covers rounding.
      const when = `ts should be Unix time in ms when stored, between ${before - 1} and ${after + 1}, was ${JSON.stringify(ts)}`;
      expect(ts, when).toBeGreaterThanOrEqual(before - 1);
      expect(ts, when).toBeLessThanOrEqual(after + 1);
    });

    it('an acknowledged post can be read by a client that comes later, from the cursor before it', async () => {
      const room = freshRoom();
      const { client } = await connect();
      const start = await client.subscribe(room);
      client.unsubscribe(room);
      const ack = await client.send(room, { id: 'm1', from: 'ada', body: 'kept' });
      const later = await connect();
      await later.client.subscribe(room, start);
      const got = await later.inbox.waitFor(room, 1);
      expect(got.map((m) => [m.seq, m.body]), 'the acknowledged message should be in the room log').toEqual([[ack.seq, 'kept']]);
    });
  });

  describe(PROMISES.retries, () => {
    it('a retry with the same from and id stores nothing new and is answered with the original seq', async () => {
      const room = freshRoom();
      const { client, inbox } = await connect();
      await client.subscribe(room);
      const first = await client.send(room, { id: 'same', from: 'ada', body: 'hi' });
      const retry = await client.send(room, { id: 'same', from: 'ada', body: 'hi' });
      expect(retry.seq, `a retry with the same from/id stored a second message (seq ${retry.seq})`).toBe(first.seq);
      const other = await client.send(room, { id: 'same', from: 'bob', body: 'hi' });
      expect(other.seq, 'the same id from another author is another message').toBe(first.seq + 1);
      const got = await inbox.waitFor(room, 2);
      expect(
        got.map((m) => [m.seq, m.from]),
        'the room should hold the original and the other author only',
      ).toEqual([
        [1, 'ada'],
        [2, 'bob'],
      ]);
    });

    it('a retry is answered with the cursor just after the original message, not the head', async () => {
      const room = freshRoom();
      const { client } = await connect();
      const first = await client.send(room, { id: 'orig', from: 'ada', body: 'x' });
      await client.send(room, { id: 'between', from: 'bob', body: 'x' });
      const retry = await client.send(room, { id: 'orig', from: 'ada', body: 'x' });
      expect(retry.seq, `the retry should be answered with the original seq ${first.seq}, was ${retry.seq}`).toBe(first.seq);
      const later = await connect();
      await later.client.subscribe(room, retry.cursor);
      await client.send(room, { id: 'after', from: 'bob', body: 'x' });
      const [next] = await later.inbox.waitFor(room, 1);
      expect(
        next?.seq,
        `resuming from the retry's cursor should give seq 2 (posted after the original), gave seq ${String(next?.seq)} (${next?.id ?? ''}): the cursor was the head's, so a client resuming from it skips messages`,
      ).toBe(2);
    });
  });

  describe(PROMISES.everyone, () => {
    it('a member receives its own messages too', async () => {
      const room = freshRoom();
      const author = await connect();
      const other = await connect();
      await author.client.subscribe(room);
      await other.client.subscribe(room);
      for (const i of range(1, 3)) await author.client.send(room, { id: `own${i}`, from: 'author', body: 'x' });
      // One order per room: once the author has seq 4, posted by someone else, its own 1..3 were due before it.
      const third = await connect();
      await third.client.send(room, { id: 'marker', from: 'third', body: 'x' });
      await other.inbox.waitFor(room, 4);
      const got = await author.inbox.waitForSeq(room, 4);
      expect(
        got.filter((m) => m.from === 'author').map((m) => m.id),
        `the author should receive its own messages own1..own3 before seq 4 from another client; it received ${JSON.stringify(got.map((m) => [m.seq, m.id]))}`,
      ).toEqual(['own1', 'own2', 'own3']);
    });
  });

  if (polling) describe(PROMISES.httpRoutes, () => {
    it('GET /healthz answers 200 { status: "ok", transport }', async () => {
      const health = await call(url(), '/healthz', { headers: authHeaders(target()) });
      expectAnswer(health, 'GET /healthz', 200, { status: 'ok', transport: spec.transport });
    });

    it('every answer with a body is JSON with Content-Type application/json, errors included', async () => {
      const room = freshRoom();
      const headers = authHeaders(target());
      const answers: [string, Answer][] = [
        ['GET /healthz', await call(url(), '/healthz', { headers })],
        ['POST', await post(url(), room, JSON.stringify({ id: 'j1', from: 'a', body: 'x' }), 'application/json', headers)],
        ['GET without a cursor', await call(url(), `/rooms/${room}/messages`, { headers })],
        ['GET ?limit=0 (an error)', await call(url(), `/rooms/${room}/messages?limit=0`, { headers })],
        ['GET ?cursor=garbage (an error)', await call(url(), `/rooms/${room}/messages?cursor=garbage`, { headers })],
        ['GET /nowhere (an error)', await call(url(), '/nowhere', { headers })],
      ];
      for (const [what, answer] of answers) {
        expect(isJsonType(answer.contentType), `${what}: Content-Type should be application/json, the server answered ${quoted(answer)}`).toBe(true);
      }
    });

    it('POST answers 201 { seq, cursor }, a retry 200 with the original seq', async () => {
      const room = freshRoom();
      const body = JSON.stringify({ id: 'p1', from: 'ada', body: 'x' });
      const first = await post(url(), room, body, 'application/json', authHeaders(target()));
      expectAnswer(first, 'the first POST to a new room', 201, { seq: 1 });
      expect(typeof first.body.cursor, `the POST's field "cursor" should be a string, the server answered ${quoted(first)}`).toBe('string');
      const retry = await post(url(), room, body, 'application/json', authHeaders(target()));
      expect(retry.status, `a retry should answer 200, the server answered ${quoted(retry)}`).toBe(200);
      expect(retry.body.seq, `a retry with the same from/id stored a second message (seq ${String(retry.body.seq)})`).toBe(1);
    });

    it('GET without a cursor gives no messages and the head cursor; with one, pages of at most limit', async () => {
      const room = freshRoom();
      const headers = authHeaders(target());
      const head = await call(url(), `/rooms/${room}/messages`, { headers });
      expectAnswer(head, 'GET without a cursor', 200, { messages: [] });
      expect(typeof head.body.cursor, `GET without a cursor: field "cursor" should be a string, the server answered ${quoted(head)}`).toBe('string');
      for (const i of range(1, 3)) await post(url(), room, JSON.stringify({ id: `g${i}`, from: 'a', body: `b${i}` }), 'application/json', headers);
      const wait = heldPoll ? '&wait=0' : '';
      const page = await call(url(), `/rooms/${room}/messages?cursor=${encodeURIComponent(String(head.body.cursor))}&limit=2${wait}`, { headers });
      expect(page.status, `GET ?limit=2: the server answered ${quoted(page)}`).toBe(200);
      expect(seqs(page.body.messages as ChatMessage[]), 'limit=2 should give the first two messages after the cursor').toEqual([1, 2]);
      const next = await call(url(), `/rooms/${room}/messages?cursor=${encodeURIComponent(String(page.body.cursor))}${wait}`, { headers });
      expect(seqs(next.body.messages as ChatMessage[]), "the page's cursor should point after its last message").toEqual([3]);
    });

    if (heldPoll) it('a long poll is answered when a message arrives, or empty with the same cursor after wait ms', async () => {
      const room = freshRoom();
      const headers = authHeaders(target());
      const head = String((await call(url(), `/rooms/${room}/messages`, { headers })).body.cursor);
      const empty = await call(url(), `/rooms/${room}/messages?cursor=${encodeURIComponent(head)}&wait=1`, { headers });
      expectAnswer(empty, 'a poll that waited 1 ms with nothing new', 200, { messages: [], cursor: head });
      const now = await call(url(), `/rooms/${room}/messages?cursor=${encodeURIComponent(head)}&wait=0`, { headers });
      expectAnswer(now, 'a poll with wait=0 (answered at once)', 200, { messages: [], cursor: head });
      const held = call(url(), `/rooms/${room}/messages?cursor=${encodeURIComponent(head)}&wait=20000`, { headers });
      await post(url(), room, JSON.stringify({ id: 'w', from: 'a', body: 'x' }), 'application/json', headers);
      const answered = await held;
      expect(seqs(answered.body.messages as ChatMessage[]), `the held poll should be answered with the new message, the server answered ${quoted(answered)}`).toEqual([1]);
    });

    if (heldPoll) it('a long poll without a cursor is not held: it answers at once with the head cursor, whatever its wait', async () => {
      const room = freshRoom();
      const headers = authHeaders(target());
      const answer = await call(url(), `/rooms/${room}/messages?wait=${MAX_WAIT_MS}`, { headers, signal: AbortSignal.timeout(NOT_HELD_BOUND_MS) }).catch((error: unknown) => {
        throw new Error(`GET ?wait=${MAX_WAIT_MS} without a cursor was not answered within ${NOT_HELD_BOUND_MS} ms: it was held, but a GET without a cursor answers at once (${(error as Error).message})`);
      });
      expectAnswer(answer, `GET ?wait=${MAX_WAIT_MS} without a cursor`, 200, { messages: [] });
    });
  });

  if (polling) describe(PROMISES.httpErrors, () => {
    it('malformed JSON and missing, wrong or too long fields get 400 BAD_REQUEST and store nothing', async () => {
      const room = freshRoom();
      const headers = authHeaders(target());
      const bodies = [
        '{bad',
        '',
        'null',
        '[]',
        '"text"',
        '{}',
        JSON.stringify({ from: 'a', body: 'x' }),
        JSON.stringify({ id: 'a', body: 'x' }),
        JSON.stringify({ id: 'a', from: 'a' }),
        JSON.stringify({ id: 1, from: 'a', body: 'x' }),
        JSON.stringify({ id: 'a', from: null, body: 'x' }),
        JSON.stringify({ id: 'a', from: 'a', body: 5 }),
        JSON.stringify({ id: '', from: 'a', body: 'x' }),
        JSON.stringify({ id: 'a'.repeat(65), from: 'a', body: 'x' }),
        JSON.stringify({ id: 'a', from: 'f'.repeat(65), body: 'x' }),
        // Lone UTF-16 surrogates (issue 23): not Unicode text, refused on every backplane alike.
        JSON.stringify({ id: 'a', from: 'u\ud800', body: 'x' }),
        JSON.stringify({ id: 'a\udc00', from: 'a', body: 'x' }),
        JSON.stringify({ id: 'a', from: 'a', body: 'x\udbff' }),
      ];
      for (const body of bodies) expectError(await post(url(), room, body, 'application/json', headers), 'BAD_REQUEST', `POST ${body.slice(0, 40)}`);
      await expectNothingStored(target(), room);
    });

    it('64-character id and from are accepted, counted in characters', async () => {
      const answer = await post(url(), freshRoom(), JSON.stringify({ id: '✓'.repeat(64), from: 'é'.repeat(64), body: 'x' }), 'application/json', authHeaders(target()));
      expect(answer.status, `64 characters (more bytes) should be accepted, was ${answer.status} ${JSON.stringify(answer.body)}`).toBe(201);
    });

    it('a body over maxBodyBytes UTF-8 bytes gets 413 PAYLOAD_TOO_LARGE and stores nothing', async () => {
      const room = freshRoom();
      const headers = authHeaders(target());
      const max = spec.maxBodyBytes;
      // Three-byte characters: over the limit in bytes though not in characters.
      const over = '✓'.repeat(Math.floor(max / 3) + 1);
      expectError(await post(url(), room, JSON.stringify({ id: 'b', from: 'a', body: over }), 'application/json', headers), 'PAYLOAD_TOO_LARGE', `a body of ${over.length * 3} bytes`);
      expectError(await post(url(), room, JSON.stringify({ id: 'c', from: 'a', body: 'x'.repeat(max + 1) }), 'application/json', headers), 'PAYLOAD_TOO_LARGE', `a body of ${max + 1} bytes`);
      await expectNothingStored(target(), room);
      const fits = await post(url(), freshRoom(), JSON.stringify({ id: 'a', from: 'a', body: 'x'.repeat(max) }), 'application/json', headers);
      expect(fits.status, `a body of exactly maxBodyBytes (${max}) should be accepted, was ${fits.status}`).toBe(201);
    });

    it('a POST that is not application/json gets 415 UNSUPPORTED_MEDIA_TYPE and stores nothing', async () => {
      const room = freshRoom();
      const body = JSON.stringify({ id: 'a', from: 'a', body: 'x' });
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', null]) {
        expectError(await post(url(), room, body, type, authHeaders(target())), 'UNSUPPORTED_MEDIA_TYPE', `a POST with Content-Type ${type ?? '(none)'}`);
      }
      await expectNothingStored(target(), room);
    });

    it('bad room ids get 400 BAD_REQUEST', async () => {
      const headers = authHeaders(target());
      const body = JSON.stringify({ id: 'a', from: 'a', body: 'x' });
      for (const room of ['a%20b', 'x'.repeat(65), '%C3%A9', 'a.b']) {
        expectError(await post(url(), room, body, 'application/json', headers), 'BAD_REQUEST', `POST to room ${room}`);
        expectError(await call(url(), `/rooms/${room}/messages`, { headers }), 'BAD_REQUEST', `GET of room ${room}`);
        if (stream) expectError(await call(url(), `/rooms/${room}/events`, { headers }), 'BAD_REQUEST', `GET of the events of room ${room}`);
      }
    });

    it('bad limit (and wait) values get 400 BAD_REQUEST; a cursor the server never made 410 with a fresh cursor', async () => {
      const room = freshRoom();
      const headers = authHeaders(target());
      const bad: [string, number][] = ['limit=0', `limit=${MAX_LIMIT + 1}`, 'limit=-1', 'limit=abc', 'limit=1.5'].map((q) => [q, MAX_LIMIT]);
      if (heldPoll) bad.push(...['wait=-1', `wait=${MAX_WAIT_MS + 1}`, 'wait=soon'].map((q): [string, number] => [q, MAX_WAIT_MS]));
      for (const [query, max] of bad) {
        const answer = await call(url(), `/rooms/${room}/messages?${query}`, { headers });
        expectError(answer, 'BAD_REQUEST', `GET ?${query}`);
        const message = String((answer.body.error as { message?: unknown }).message);
        expect(message, `GET ?${query}: error.message should give the bounds (up to ${max}), the server answered ${quoted(answer)}`).toContain(String(max));
      }
      const expired = await call(url(), `/rooms/${room}/messages?cursor=garbage`, { headers });
      expectError(expired, 'CURSOR_EXPIRED', 'GET ?cursor=garbage');
      expect(
        typeof (expired.body.error as { cursor?: unknown }).cursor,
        `CURSOR_EXPIRED should carry the fresh cursor as error.cursor (inside "error"), the server answered ${quoted(expired)}`,
      ).toBe('string');
    });

    it('unknown routes get 404 NOT_FOUND', async () => {
      for (const path of ['/', `/rooms/${freshRoom()}`, `/rooms/${freshRoom()}/messages/1`, '/nowhere']) {
        expectError(await call(url(), path, { headers: authHeaders(target()) }), 'NOT_FOUND', `GET ${path}`);
      }
    });

    it.skipIf(spec.token === undefined)('without the token, or with a wrong one, every route gets 401 UNAUTHORIZED', async () => {
      const room = freshRoom();
      const json = { 'content-type': 'application/json' };
      const body = JSON.stringify({ id: 'a', from: 'a', body: 'x' });
      for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: String(spec.token) }]) {
        const shown = JSON.stringify(headers);
        expectError(await call(url(), `/rooms/${room}/messages`, { method: 'POST', headers: { ...json, ...headers }, body }), 'UNAUTHORIZED', `POST with ${shown}`);
        expectError(await call(url(), `/rooms/${room}/messages`, { headers }), 'UNAUTHORIZED', `GET with ${shown}`);
        if (stream) expectError(await call(url(), `/rooms/${room}/events`, { headers }), 'UNAUTHORIZED', `GET of the events with ${shown}`);
        expectError(await call(url(), '/healthz', { headers }), 'UNAUTHORIZED', `GET /healthz with ${shown}`);
      }
      await expectNothingStored(target(), room);
    });
  });

  if (stream) describe(PROMISES.sseEvents, () => {
    const events = (room: string, query = ''): string => `/rooms/${room}/events${query}`;
    const messagesIn = (list: readonly SseEvent[]): ChatMessage[] => list.filter((e) => e.type === 'messages').flatMap((e) => dataOf(e).messages as ChatMessage[]);

    it('a stream is answered 200 text/event-stream, no-store, with a first event at once that carries the cursor', async () => {
      const room = freshRoom();
      const headers = authHeaders(target());
      const head = String((await call(url(), `/rooms/${room}/messages`, { headers })).body.cursor);
      const stream = await openSse(url(), events(room), headers);
      expect(stream.status, `GET ${events(room)} answered ${stream.status} ${stream.body.slice(0, 160)}`).toBe(200);
      expect(stream.headers['content-type'], 'the stream\'s Content-Type').toMatch(/^text\/event-stream/);
      expect(stream.headers['cache-control'], 'the stream\'s Cache-Control').toBe('no-store');
      const first = await stream.next();
      expect(first.type, 'the first event should be a messages event').toBe('messages');
      expectFields(dataOf(first), 'the first event without a cursor', { room, messages: [], cursor: head });
      expect(first.lastEventId, 'every event\'s id should be the cursor after its last message').toBe(head);
      stream.close();
    });

    it('events carry { room, messages, cursor } with id = cursor; replay from the query cursor, then live', async () => {
      const room = freshRoom();
      const headers = authHeaders(target());
      const { client } = await connect();
      const start = await client.subscribe(room);
      client.unsubscribe(room);
      for (const i of range(1, 3)) await client.send(room, { id: `e${i}`, from: 'a', body: `b${i}` });
      const stream = await openSse(url(), events(room, `?cursor=${encodeURIComponent(start)}`), headers);
      for (const i of range(4, 5)) await client.send(room, { id: `e${i}`, from: 'a', body: `b${i}` });
      await vi.waitFor(() => expect(messagesIn(stream.events).length, 'messages 1..5 should arrive on the stream').toBe(5), { timeout: 20_000 });
      expect(seqs(messagesIn(stream.events)), 'replay then live, in seq order').toEqual(range(1, 5));
      for (const event of stream.events) {
        const data = dataOf(event);
        expect(Object.keys(data).sort(), 'an event\'s data should hold room, messages and cursor').toEqual(['cursor', 'messages', 'room']);
        expect(data.room, `an event's field "room", the server sent ${JSON.stringify(data)}`).toBe(room);
        expect(event.lastEventId, 'an event\'s id should equal its data\'s cursor').toBe(data.cursor);
      }
      stream.close();
    });

    it('Last-Event-ID wins over the query cursor', async () => {
      const room = freshRoom();
      const headers = authHeaders(target());
      const { client } = await connect();
      const start = await client.subscribe(room);
      client.unsubscribe(room);
      const acks = [];
      for (const i of range(1, 4)) acks.push(await client.send(room, { id: `l${i}`, from: 'a', body: 'x' }));
      const stream = await openSse(url(), events(room, `?cursor=${encodeURIComponent(start)}`), { ...headers, 'last-event-id': String(acks[1]?.cursor) });
      await vi.waitFor(() => expect(messagesIn(stream.events).length, `seqs 3..4 should arrive on the stream; it sent ${JSON.stringify(stream.events).slice(0, 300)}`).toBeGreaterThanOrEqual(2), { timeout: 20_000 });
      expect(seqs(messagesIn(stream.events)), 'with Last-Event-ID after seq 2 and a query cursor before seq 1, seqs 3..4 should come').toEqual([3, 4]);
      stream.close();
    });

    it('an expired or foreign cursor gets a stream a browser survives: a chat_error CURSOR_EXPIRED with the head cursor as its id, retry, no message, then the end', async () => {
      const room = freshRoom();
      const headers = authHeaders(target());
      for (const [what, extra, query] of [
        ['a garbage query cursor', {}, '?cursor=not-a-cursor'],
        ['a garbage Last-Event-ID', { 'last-event-id': 'not-a-cursor' }, ''],
      ] as const) {
        const answer = await openSse(url(), events(room, query), { ...headers, ...extra });
        // EventSource gives up for good on any answer but 200 text/event-stream (WHATWG HTML).
        expect(answer.status, `${what} should be answered 200 with an event stream that says why, was ${answer.status} ${answer.body.slice(0, 120)}`).toBe(200);
        await answer.end();
        expect(answer.events.map((e) => e.type), `${what}: one ${SSE_ERROR_EVENT} event and no message`).toEqual([SSE_ERROR_EVENT]);
        const [event] = answer.events as [SseEvent];
        const data = dataOf(event) as { code?: string; cursor?: unknown };
        expect(data.code, what).toBe('CURSOR_EXPIRED');
        expect(typeof data.cursor, `${what}: CURSOR_EXPIRED should carry a fresh cursor`).toBe('string');
        expect(event.lastEventId, `${what}: the event's id is the fresh cursor, so that a browser comes back with it`).toBe(data.cursor);
        expect(answer.text, `${what}: a retry: field tells a browser when to come back`).toMatch(/^retry: \d+$/m);
      }
    });
  });

  if (events) describe(PROMISES.socketioEvents, () => {
    /** A plain socket.io-client (not this project's client), on the engine the target names. */
    const raw = async (): Promise<Socket> => {
      const engine = SOCKETIO_ENGINE_OPTIONS[spec.engine ?? 'upgrade'];
      const socket = io(url(), {
        path: SOCKETIO_PATH,
        forceNew: true,
        reconnection: false,
        transports: [...engine.transports],
        upgrade: engine.upgrade,
        extraHeaders: authHeaders(target()),
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
      return socket;
    };
    const answer = (socket: Socket, event: string, ...payload: unknown[]): Promise<ErrorFrame> => socket.timeout(NOT_HELD_BOUND_MS).emitWithAck(event, ...payload) as Promise<ErrorFrame>;

    it('a malformed, unknown or oversized request is answered with its error in the acknowledgement, nothing is stored, and the socket stays connected', async () => {
      const room = freshRoom();
      const socket = await raw();
      try {
        const cases: [string, unknown[], string][] = [
          ['shout', [{ room }], 'BAD_REQUEST'],
          ['send', ['not an object'], 'BAD_REQUEST'],
          ['send', [{ room, id: 'i1', body: 'x' }], 'BAD_REQUEST'],
          ['send', [{ room, id: 'i2', from: 'a', body: 7 }], 'BAD_REQUEST'],
          ['send', [{ room: 'bad room', id: 'i3', from: 'a', body: 'x' }], 'BAD_REQUEST'],
          ['send', [{ room, id: 'i4', from: 'a', body: 'x' }, 'a second payload'], 'BAD_REQUEST'],
          ['send', [{ room, id: 'i5', from: 'a', body: 'x'.repeat(spec.maxBodyBytes + 1) }], 'PAYLOAD_TOO_LARGE'],
          ['subscribe', [{ room: 'x'.repeat(65) }], 'BAD_REQUEST'],
        ];
        for (const [event, payload, code] of cases) {
          const error = await answer(socket, event, ...payload);
          const shown = `${event} ${JSON.stringify(payload).slice(0, 60)}`;
          expect(error?.type, `${shown} should be acknowledged with an error frame, was ${JSON.stringify(error)}`).toBe('error');
          expect(error.code, `${shown} should be refused ${code}`).toBe(code);
          expect(error.message.length, `${shown}: the error should say what was wrong`).toBeGreaterThan(10);
        }
        expect(socket.connected, 'the socket stays connected after bad requests').toBe(true);
        const ack = (await answer(socket, 'send', { room, id: 'ok', from: 'a', body: 'x' })) as unknown as { type: string; seq: number };
        expect([ack.type, ack.seq], 'nothing was stored for the refused posts: the next is seq 1').toEqual(['ack', 1]);
      } finally {
        socket.disconnect();
      }
    });

    it('without an acknowledgement, the error comes as a chat_error event naming the request', async () => {
      const socket = await raw();
      try {
        const said = new Promise<ErrorFrame>((resolve) => socket.once(SOCKETIO_EVENTS.error, resolve));
        socket.emit('send', { room: freshRoom(), id: 'n1', from: 'a' });
        const error = await said;
        expect([error.code, error.ref], 'a send without body, not acknowledged, gets chat_error BAD_REQUEST with its id as ref').toEqual(['BAD_REQUEST', 'n1']);
      } finally {
        socket.disconnect();
      }
    });

    it('an unknown engine.io session is refused plainly, and a request without the token gets 401 UNAUTHORIZED before engine.io', async () => {
      const unknown = await call(url(), `${SOCKETIO_PATH}?EIO=4&transport=polling&sid=nosuchsession`, { headers: authHeaders(target()) });
      expect(unknown.status, `a poll of an unknown session should be answered 400, was ${quoted(unknown)}`).toBe(400);
      expect(JSON.stringify(unknown.body)).toContain('Session ID unknown');
      if (spec.token !== undefined) expectError(await call(url(), `${SOCKETIO_PATH}?EIO=4&transport=polling`), 'UNAUTHORIZED', 'a Socket.IO handshake without the token');
    });
  });

  if (frames) describe(PROMISES.wsFrames, () => {
    it('GET /healthz answers 200 { status: "ok", transport: "websocket" }', async () => {
      const health = await call(url(), '/healthz', { headers: authHeaders(target()) });
      expectAnswer(health, 'GET /healthz', 200, { status: 'ok', transport: 'websocket' });
    });

    it('every subscribe is answered with a messages frame, empty when there is nothing to replay, carrying the cursor', async () => {
      const room = freshRoom();
      const raw = await openRaw(url(), {}, wsPath(target()));
      raw.sendJson({ type: 'subscribe', room });
      const frame = await raw.next((f) => f.type === 'messages' || f.type === 'error');
      expect(frame.type, `a subscribe to a new room should be answered with a messages frame, the server sent ${JSON.stringify(frame)}`).toBe('messages');
      expect(frame.room, `the answer's field "room", the server sent ${JSON.stringify(frame)}`).toBe(room);
      expect(frame.messages, `the answer's field "messages" should be [], the server sent ${JSON.stringify(frame)}`).toEqual([]);
      expect(typeof frame.cursor, `the answer's field "cursor" should be a string, the server sent ${JSON.stringify(frame)}`).toBe('string');
    });

    it('subscribe, send and unsubscribe frames get messages and ack frames with room, seq and cursor', async () => {
      const room = freshRoom();
      const raw = await openRaw(url(), {}, wsPath(target()));
      raw.sendJson({ type: 'subscribe', room });
      raw.sendJson({ type: 'send', room, id: 'f1', from: 'a', body: 'x' });
      const ack = await raw.next((f) => f.type === 'ack');
      expectFields(ack, 'the ack frame', { type: 'ack', room, id: 'f1', seq: 1 });
      expect(typeof ack.cursor, 'the ack should carry a cursor').toBe('string');
      const frame = await raw.next((f) => f.type === 'messages' && (f.messages as unknown[]).length > 0);
      expectFields(frame, 'the messages frame', { type: 'messages', room });
      expectFields((frame.messages as unknown[])[0], 'the message in the messages frame', { room, seq: 1, id: 'f1', from: 'a', body: 'x' });
      expect(typeof frame.cursor, 'a messages frame should carry a cursor').toBe('string');
      raw.sendJson({ type: 'unsubscribe', room });
      raw.sendJson({ type: 'send', room, id: 'f2', from: 'a', body: 'x' });
      await raw.next((f) => f.type === 'ack' && f.id === 'f2');
      // Frames on one socket are handled in order: once this bad frame is answered, f2 would have come.
      const marker = raw.frames.length;
      raw.ws.send('{bad');
      await raw.next((f) => f.type === 'error', marker);
      const after = raw.frames.filter((f) => f.type === 'messages' && (f.messages as ChatMessage[]).some((m) => m.id === 'f2'));
      expect(after, 'after unsubscribe, nothing more should come from that room').toEqual([]);
    });

    it('a handshake on an unknown path gets 404', async () => {
      expect((await handshakeStatus(url(), {}, tokenQuery(target(), '/nowhere'))).status, 'a handshake on /nowhere').toBe(404);
    });

    it.skipIf(spec.token === undefined)('a handshake without the token, or with a wrong one, gets 401 UNAUTHORIZED', async () => {
      for (const path of ['/ws', '/ws?token=wrong', '/ws?token=']) {
        const refused = await handshakeStatus(url(), {}, path);
        expect(refused.status, `a handshake on ${path}`).toBe(401);
        expectFields((refused.body as { error?: unknown } | undefined)?.error, `the error of a handshake on ${path}`, { code: 'UNAUTHORIZED' });
      }
      const health = await fetch(`${url()}/healthz`);
      expect(health.status, 'GET /healthz without the token').toBe(401);
    });
  });

  if (frames) describe(PROMISES.wsErrors, () => {
    it('malformed, unknown and incomplete frames get a BAD_REQUEST error frame, store nothing, and the socket stays open', async () => {
      const room = freshRoom();
      const raw = await openRaw(url(), {}, wsPath(target()));
      const cases: [string, string | undefined][] = [
        ['{bad', undefined],
        ['[]', undefined],
        ['42', undefined],
        ['{}', undefined],
        [JSON.stringify({ type: 'shout', room }), undefined],
        [JSON.stringify({ type: 'send', room, from: 'a', body: 'x' }), undefined],
        [JSON.stringify({ type: 'send', room, id: 'i1', body: 'x' }), 'i1'],
        [JSON.stringify({ type: 'send', room, id: 'i2', from: 'a' }), 'i2'],
        [JSON.stringify({ type: 'send', room, id: 'i3', from: 'a', body: 7 }), 'i3'],
        [JSON.stringify({ type: 'send', room, id: 'i4', from: 'a'.repeat(65), body: 'x' }), 'i4'],
        [JSON.stringify({ type: 'send', room: 'bad room', id: 'i5', from: 'a', body: 'x' }), 'i5'],
        [JSON.stringify({ type: 'send', room, id: 'i6', from: 'u\ud800', body: 'x' }), 'i6'],
        [JSON.stringify({ type: 'send', room, id: 'i7', from: 'a', body: '\udfff' }), 'i7'],
        [JSON.stringify({ type: 'subscribe', room: 'x'.repeat(65) }), undefined],
      ];
      for (const [text, ref] of cases) {
        const from = raw.frames.length;
        raw.ws.send(text);
        const error = await raw.next((f) => f.type === 'error', from);
        expect(error.code, `${text.slice(0, 50)} should get a BAD_REQUEST error frame`).toBe('BAD_REQUEST');
        if (ref !== undefined) expect(error.ref, `the error frame for ${text.slice(0, 50)} should echo its id as ref`).toBe(ref);
        expect(String(error.message).length, 'the error frame should say what was wrong').toBeGreaterThan(10);
      }
      expect(raw.ws.readyState, 'the socket should stay open after bad frames').toBe(raw.ws.OPEN);
      raw.sendJson({ type: 'send', room, id: 'ok', from: 'a', body: 'x' });
      expectFields(await raw.next((f) => f.type === 'ack'), 'the ack of the first valid send (nothing stored before it)', { type: 'ack', room, id: 'ok', seq: 1 });
    });

    it('a body over maxBodyBytes gets a PAYLOAD_TOO_LARGE error frame with the id as ref, and the socket stays open', async () => {
      const room = freshRoom();
      const raw = await openRaw(url(), {}, wsPath(target()));
      raw.sendJson({ type: 'send', room, id: 'big', from: 'a', body: '✓'.repeat(Math.floor(spec.maxBodyBytes / 3) + 1) });
      expectFields(await raw.next((f) => f.type === 'error'), 'the error frame for a body over maxBodyBytes', { code: 'PAYLOAD_TOO_LARGE', ref: 'big' });
      expect(raw.ws.readyState, 'the socket should stay open').toBe(raw.ws.OPEN);
      raw.sendJson({ type: 'send', room, id: 'ok', from: 'a', body: 'x' });
      expectFields(await raw.next((f) => f.type === 'ack'), 'the ack of the first valid send (nothing stored before it)', { seq: 1 });
    });

    it('a cursor the server never made gets CURSOR_EXPIRED with the room as ref and a fresh cursor', async () => {
      const room = freshRoom();
      const raw = await openRaw(url(), {}, wsPath(target()));
      raw.sendJson({ type: 'subscribe', room, cursor: 'nope' });
      const error = await raw.next((f) => f.type === 'error');
      expectFields(error, 'the answer to a subscribe with cursor "nope"', { code: 'CURSOR_EXPIRED', ref: room });
      expect(typeof error.cursor, 'CURSOR_EXPIRED should carry a fresh cursor').toBe('string');
    });
  });
}

/** Posts `count` messages to a room, `FILL_CONCURRENCY` at a time; their acknowledgements. */
async function fill(client: ChatClient, room: string, count: number): Promise<Awaited<ReturnType<ChatClient['send']>>[]> {
  const acks: Awaited<ReturnType<ChatClient['send']>>[] = [];
  for (let start = 1; start <= count; start += FILL_CONCURRENCY) {
    const batch = range(start, Math.min(count, start + FILL_CONCURRENCY - 1));
    acks.push(...(await Promise.all(batch.map((i) => client.send(room, { id: `fill${i}`, from: 'filler', body: 'x' })))));
  }
  return acks;
}

/** Checks an object's fields one by one, naming the first that differs and quoting the object. */
function expectFields(got: unknown, what: string, fields: Record<string, unknown>): void {
  const shown = JSON.stringify(got)?.slice(0, 300) ?? String(got);
  expect(typeof got === 'object' && got !== null, `${what} should be an object, the server sent ${shown}`).toBe(true);
  for (const [name, value] of Object.entries(fields)) {
    expect((got as Record<string, unknown>)[name], `${what}: field "${name}" should be ${JSON.stringify(value)}, the server sent ${shown}`).toEqual(value);
  }
}

/** Checks a JSON answer field by field, naming the first that differs and quoting the answer. */
function expectAnswer(answer: Answer, what: string, status: number, fields: Record<string, unknown>): void {
  expect(answer.status, `${what}: status should be ${status}, the server answered ${quoted(answer)}`).toBe(status);
  for (const [name, value] of Object.entries(fields)) {
    expect(answer.body[name], `${what}: field "${name}" should be ${JSON.stringify(value)}, the server answered ${quoted(answer)}`).toEqual(value);
  }
  expect(isJsonType(answer.contentType), `${what}: Content-Type should be application/json, the server answered ${quoted(answer)}`).toBe(true);
}

/** Nothing was stored in `room`: the next valid post there gets seq 1. */
async function expectNothingStored(target: ConformanceTarget, room: string): Promise<void> {
  const answer = await post(target.url, room, JSON.stringify({ id: 'probe', from: 'probe', body: 'x' }), 'application/json', authHeaders(target));
  expect(answer.body.seq, `refused posts should store nothing, but the next post to the room got seq ${String(answer.body.seq)}`).toBe(1);
}

/** `/ws`, with the token when the target has one. */
function wsPath(target: ConformanceTarget): string {
  return tokenQuery(target, '/ws');
}

function tokenQuery(target: ConformanceTarget, path: string): string {
  return target.token === undefined ? path : `${path}?token=${encodeURIComponent(target.token)}`;
}
