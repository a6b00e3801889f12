/**
 * The SSE server, checked with the tests' own SSE client (servers/contract/conformance/sse-client.ts: node:http and
 * the WHATWG parsing rules, nothing of the bench's client): the event format, the first event, the
 * cursor rules, fan-out, shutdown, slow consumers, the heartbeat and the stream limits.
 */
import { describe, expect, it, vi } from 'vitest';
import { SSE_ERROR_EVENT, SSE_REFUSED_RETRY_MS, type ChatMessage } from '../../servers/contract/index.ts';
import { createChatServer } from '../../servers/index.ts';
import { REPLAY_EVENT_BYTES } from '../../servers/sse/streams.ts';
import { EventStreamParser, dataOf, openSse, type SseConnection, type SseEvent } from '../../servers/contract/conformance/sse-client.ts';
import { range, startServer, WAIT_BOUND_MS } from '../../servers/contract/conformance/servers.ts';
import { rawConnect } from '../helpers/raw-http.ts';

const waitFor = (check: () => void): Promise<void> => vi.waitFor(check, { timeout: WAIT_BOUND_MS, interval: 5 });

async function post(url: string, room: string, id: string, body = 'x'): Promise<{ seq: number; cursor: string }> {
  const res = await fetch(`${url}/rooms/${room}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, from: 'a', body }) });
  expect(res.status).toBe(201);
  return (await res.json()) as { seq: number; cursor: string };
}

async function headCursor(url: string, room: string): Promise<string> {
  return ((await (await fetch(`${url}/rooms/${room}/messages`)).json()) as { cursor: string }).cursor;
}

function messagesOf(events: readonly SseEvent[]): ChatMessage[] {
  return events.filter((e) => e.type === 'messages').flatMap((e) => dataOf(e).messages as ChatMessage[]);
}

const seqsOf = (events: readonly SseEvent[]): number[] => messagesOf(events).map((m) => m.seq);

describe('the WHATWG parser of the tests', () => {
  it('splits lines on CRLF, LF and CR across chunks, drops a BOM, keeps ids, skips events without data', () => {
    const events: SseEvent[] = [];
    const comments: string[] = [];
    const parser = new EventStreamParser((e) => events.push(e), (c) => comments.push(c));
    for (const piece of ['\uFEFFevent: a\r', '\nid: 1\rdata: x\r\n', 'data:  y\n\n', ': hi\n', 'id: 2\0\n', 'data\n\nevent: none\n\n', 'id: 3\ndata: z\r', '\r']) parser.feed(piece);
    expect(events).toEqual([
      { type: 'a', data: 'x\n y', lastEventId: '1' },
      { type: 'message', data: '', lastEventId: '1' },
      { type: 'message', data: 'z', lastEventId: '3' },
    ]);
    expect(comments).toEqual(['hi']);
  });
});

describe('sse server', () => {
  it('sends an HTTP/1.1 stream unchunked, each event as its bytes, the body ending with the connection', async () => {
    const { url, server } = await startServer('sse');
    const raw = await rawConnect(url);
    raw.socket.write('GET /rooms/r/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await waitFor(() => expect(raw.received()).toContain('\r\n\r\nevent: messages\n'));
    const { seq } = await post(url, 'r', 'm1', 'hello');
    await waitFor(() => expect(raw.received()).toContain(`"seq":${seq}`));
    const [head = '', body = ''] = raw.received().split('\r\n\r\n');
    const headers = head.toLowerCase().split('\r\n');
    expect(headers[0]).toBe('http/1.1 200 ok');
    expect(headers).toContain('connection: close');
    expect(headers.some((h) => h.startsWith('transfer-encoding') || h.startsWith('content-length'))).toBe(false);
    // Two events back to back, nothing between them: no chunk sizes, no CRLFs.
    expect(body).toMatch(/^event: messages\nid: [^\n]+\ndata: \{[^\n]*"messages":\[\][^\n]*\}\n\nevent: messages\nid: [^\n]+\ndata: \{[^\n]*"id":"m1"[^\n]*\}\n\n$/);
    await server.close();
    await raw.ended;
  });

  it('answers a stream at once with an empty first event that carries the cursor, in the contract format', async () => {
    const { url } = await startServer('sse');
    const head = await headCursor(url, 'r');
    const stream = await openSse(url, '/rooms/r/events');
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream');
    expect(stream.headers['cache-control']).toBe('no-store');
    const first = await stream.next();
    expect(first.type).toBe('messages');
    expect(dataOf(first)).toEqual({ room: 'r', messages: [], cursor: head });
    expect(first.lastEventId).toBe(head);
    const { seq, cursor } = await post(url, 'r', 'm1', 'line\nbreak ✓');
    const live = await stream.next((e) => (dataOf(e).messages as unknown[]).length > 0);
    expect(dataOf(live)).toMatchObject({ room: 'r', messages: [{ room: 'r', seq, id: 'm1', from: 'a', body: 'line\nbreak ✓' }], cursor });
    expect(live.lastEventId).toBe(cursor);
    // Each event is exactly three lines, event, id and one data line, then a blank line.
    const blocks = stream.text.split('\n\n').filter((b) => b !== '');
    expect(blocks).toHaveLength(2);
    for (const block of blocks) expect(block.split('\n').map((line) => line.split(':', 1)[0])).toEqual(['event', 'id', 'data']);
  });

  it('replays what came after the query cursor in the first event, and Last-Event-ID wins over the query', async () => {
    const { url } = await startServer('sse');
    const start = await headCursor(url, 'r');
    const acks = [];
    for (const i of range(1, 5)) acks.push(await post(url, 'r', `m${i}`));
    const replay = await openSse(url, `/rooms/r/events?cursor=${encodeURIComponent(start)}`);
    const first = await replay.next();
    expect(seqsOf([first])).toEqual([1, 2, 3, 4, 5]);
    expect(first.lastEventId).toBe(acks[4]?.cursor);

    const resumed = await openSse(url, `/rooms/r/events?cursor=${encodeURIComponent(start)}`, { 'last-event-id': String(acks[1]?.cursor) });
    expect(seqsOf([await resumed.next()])).toEqual([3, 4, 5]);
    // An empty header is no header (a browser sends none before its first id).
    const empty = await openSse(url, `/rooms/r/events?cursor=${encodeURIComponent(String(acks[3]?.cursor))}`, { 'last-event-id': '' });
    expect(seqsOf([await empty.next()])).toEqual([5]);
  });

  it('answers an expired or foreign cursor, in the query or the header, with a stream a browser survives: retry, chat_error CURSOR_EXPIRED with the head cursor as its id, the end', async () => {
    const { url } = await startServer('sse', { historySize: 3 });
    const start = await headCursor(url, 'r');
    for (const i of range(1, 5)) await post(url, 'r', `m${i}`);
    const head = await headCursor(url, 'r');
    for (const [what, path, headers] of [
      ['a cursor older than history', `/rooms/r/events?cursor=${encodeURIComponent(start)}`, {}],
      ['a garbage cursor', '/rooms/r/events?cursor=nope', {}],
      ['a garbage Last-Event-ID over a good query cursor', `/rooms/r/events?cursor=${encodeURIComponent(head)}`, { 'last-event-id': 'nope' }],
    ] as const) {
      const answer = await openSse(url, path, headers);
      expect(answer.status, what).toBe(200);
      expect(answer.headers['content-type'], what).toBe('text/event-stream');
      await answer.end();
      expect(answer.events.map((e) => e.type), what).toEqual([SSE_ERROR_EVENT]);
      expect(dataOf(answer.events[0] as SseEvent), what).toMatchObject({ code: 'CURSOR_EXPIRED', cursor: head });
      expect(answer.events[0]?.lastEventId, what).toBe(head);
      expect(answer.text.startsWith(`retry: ${SSE_REFUSED_RETRY_MS}\n`), what).toBe(true);
    }
  });

  it('refuses a Last-Event-ID that cannot be a cursor with 400 naming the header', async () => {
    const { url } = await startServer('sse');
    const answer = await openSse(url, '/rooms/r/events', { 'last-event-id': 'x'.repeat(129) });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'BAD_REQUEST', message: expect.stringContaining('Last-Event-ID') } });
  });

  it('delivers one post to 50 streams of the room, one event each', async () => {
    const { server, url } = await startServer('sse');
    const streams = await Promise.all(range(1, 50).map(() => openSse(url, '/rooms/r/events')));
    await Promise.all(streams.map((s) => s.next()));
    expect(server.stats().streams).toBe(50);
    expect(server.log.listenerCount()).toBe(1);
    const ack = await post(url, 'r', 'one');
    const got = await Promise.all(streams.map((s) => s.next((e) => (dataOf(e).messages as unknown[]).length > 0)));
    for (const event of got) expect({ seqs: seqsOf([event]), id: event.lastEventId }).toEqual({ seqs: [ack.seq], id: ack.cursor });
    for (const s of streams) s.close();
    await waitFor(() => expect(server.stats().streams).toBe(0));
    expect(server.log.listenerCount()).toBe(0);
  });

  it("answers a post after its room's streams were written, as long polling answers its held polls first", async () => {
    const { url } = await startServer('sse');
    // Client and server share this process's event loop: whatever the server writes first is
    // read first, so the order of arrival is the order of the server's writes.
    const arrivals: string[] = [];
    const streams = await Promise.all(range(1, 3).map(() => rawConnect(url)));
    for (const [i, s] of streams.entries()) {
      s.socket.on('data', () => arrivals.push(`stream ${i}`));
      s.socket.write('GET /rooms/r/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    }
    for (const s of streams) await waitFor(() => expect(s.received()).toContain('\r\n\r\nevent: messages\n'));
    arrivals.length = 0;
    const poster = await rawConnect(url);
    poster.socket.on('data', () => arrivals.push('answer'));
    const body = JSON.stringify({ id: 'm1', from: 'a', body: 'first' });
    poster.socket.write(`POST /rooms/r/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    await waitFor(() => expect(poster.received()).toMatch(/^HTTP\/1\.1 201 /));
    for (const s of streams) await waitFor(() => expect(s.received()).toContain('"id":"m1"'));
    expect(arrivals.at(-1)).toBe('answer');
    expect(arrivals.filter((a) => a !== 'answer').sort()).toEqual(['stream 0', 'stream 1', 'stream 2']);
  });

  it('sends every stream SHUTTING_DOWN with its cursor on close, ends it, and closes promptly', async () => {
    const server = await createChatServer('sse', { port: 0 });
    const url = await server.listen();
    const streams = await Promise.all(range(1, 3).map(() => openSse(url, '/rooms/r/events')));
    await Promise.all(streams.map((s) => s.next()));
    const ack = await post(url, 'r', 'm1');
    await Promise.all(streams.map((s) => s.next((e) => e.lastEventId === ack.cursor)));
    await server.close();
    for (const stream of streams) {
      const error = await stream.next((e) => e.type === SSE_ERROR_EVENT);
      expect(dataOf(error)).toMatchObject({ code: 'SHUTTING_DOWN', cursor: ack.cursor });
      await stream.end();
      expect(stream.events.at(-1)).toBe(error);
    }
    expect(server.stats().streams).toBe(0);
    expect(server.log.listenerCount()).toBe(0);
  });

  it('ends a stream that stops reading once more than maxBufferedBytes waits, others keep receiving, and it resumes losing nothing', async () => {
    const { server, url } = await startServer('sse', { maxBufferedBytes: 64 * 1024 });
    const slow = await openSse(url, '/rooms/r/events');
    const member = await openSse(url, '/rooms/r/events');
    await Promise.all([slow.next(), member.next()]);
    slow.res.pause();
    const body = 'x'.repeat(4000);
    let sent = 0;
    // Bounded: the kernel buffers a few MB on loopback before the server's own buffer grows.
    while (server.stats().slowConsumerCloses === 0 && sent < 10_000) {
      await Promise.all(range(sent + 1, sent + 50).map((i) => post(url, 'r', `m${i}`, body)));
      sent += 50;
    }
    expect(server.stats().slowConsumerCloses).toBe(1);
    expect(server.stats().streams).toBe(1);
    for (const i of range(sent + 1, sent + 20)) await post(url, 'r', `m${i}`, body);
    sent += 20;
    await waitFor(() => expect(seqsOf(member.events).length).toBe(sent));
    expect(seqsOf(member.events)).toEqual(range(1, sent));

    slow.res.resume();
    await slow.end();
    const slowGot = seqsOf(slow.events);
    expect(slowGot.length).toBeLessThan(sent);
    expect(slowGot).toEqual(range(1, slowGot.length));
    const back = await openSse(url, '/rooms/r/events', { 'last-event-id': String(slow.events.at(-1)?.lastEventId) });
    await waitFor(() => expect(seqsOf(back.events).length).toBe(sent - slowGot.length));
    expect([...slowGot, ...seqsOf(back.events)]).toEqual(range(1, sent));
  });

  it('paces a replay to a client that does not read: not cut, at most one event past the high-water mark waiting, then all of it', async () => {
    const { server, url } = await startServer('sse', { maxBufferedBytes: 64 * 1024, historySize: 5000 });
    const start = await headCursor(url, 'r');
    const body = 'x'.repeat(4000);
    // 8 MB of history: more than the kernel buffers on loopback, so the replay must wait for drains.
    for (const i of range(1, 2000)) server.log.append('r', { id: `m${i}`, from: 'a', body });
    const stream = await openSse(url, `/rooms/r/events?cursor=${encodeURIComponent(start)}`);
    stream.res.pause();
    await waitFor(() => expect(server.stats().waitingBytes).toBeGreaterThan(0));
    // Node's high-water mark (16 KiB) plus one replay event (64 KiB of messages and its framing).
    expect(server.stats().peakWaitingBytes).toBeLessThanOrEqual(16 * 1024 + REPLAY_EVENT_BYTES + 1024);
    expect(server.stats().slowConsumerCloses).toBe(0);
    stream.res.resume();
    await waitFor(() => expect(seqsOf(stream.events).length).toBe(2000));
    expect(seqsOf(stream.events)).toEqual(range(1, 2000));
    expect(server.stats().streams).toBe(1);
  });

  it('sends a ": ping" comment every heartbeatMs and keeps a quiet stream open', async () => {
    const { url } = await startServer('sse', { heartbeatMs: 20 });
    const stream = await openSse(url, '/rooms/r/events');
    await waitFor(() => expect(stream.comments.length).toBeGreaterThanOrEqual(3));
    expect(new Set(stream.comments)).toEqual(new Set(['ping']));
    expect(stream.text).toContain('\n: ping\n\n');
    expect(stream.ended).toBe(false);
    expect(stream.events).toHaveLength(1);
  });

  it('forgets streams whose clients went away: no stream, listener or room left', async () => {
    const { server, url } = await startServer('sse');
    const streams = await Promise.all(range(1, 200).map((i) => openSse(url, `/rooms/r${i % 10}/events`)));
    await Promise.all(streams.map((s) => s.next()));
    expect(server.stats().streams).toBe(200);
    for (const s of streams) s.close();
    await waitFor(() => expect(server.stats().streams).toBe(0));
    expect(server.log.listenerCount()).toBe(0);
    expect(server.log.size).toBe(0);
  });

  it('holds at most maxStreams streams: one more gets a stream that says TOO_MANY_STREAMS with its cursor and ends, which a browser comes back after', async () => {
    const { url } = await startServer('sse', { maxStreams: 2 });
    const open: SseConnection[] = [await openSse(url, '/rooms/a/events'), await openSse(url, '/rooms/b/events')];
    await Promise.all(open.map((s) => s.next()));
    const refused = await openSse(url, '/rooms/c/events');
    expect(refused.status).toBe(200);
    await refused.end();
    expect(refused.events.map((e) => e.type)).toEqual([SSE_ERROR_EVENT]);
    expect(dataOf(refused.events[0] as SseEvent)).toMatchObject({ code: 'TOO_MANY_STREAMS', cursor: await headCursor(url, 'c') });
    open[0]?.close();
    await open[0]?.end();
    // The slot freed, the next stream is a stream of messages.
    await vi.waitFor(async () => {
      const next = await openSse(url, '/rooms/c/events');
      expect((await next.next()).type).toBe('messages');
      next.close();
    }, { timeout: WAIT_BOUND_MS });
  });

  it('answers HEAD on the events route with the stream\'s headers and holds no stream', async () => {
    const { server, url } = await startServer('sse');
    const res = await fetch(`${url}/rooms/r/events`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(server.stats().streams).toBe(0);
  });

  it('requires heartbeatMs to stay under idleTimeoutMs, naming both', async () => {
    await expect(createChatServer('sse', { heartbeatMs: 30_000, idleTimeoutMs: 30_500 })).rejects.toThrow(/heartbeatMs \(30000\).*idleTimeoutMs \(30500\)/);
    await expect(createChatServer('websocket', { heartbeatMs: 30_000, idleTimeoutMs: 30_500 })).resolves.toBeDefined();
  });
});
