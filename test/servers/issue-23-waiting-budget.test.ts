/**
 * Issue 23, defect 2: a few clients that never read made everyone else's reads fail. An event was
 * counted in `--max-waiting-bytes` once per stream that waited for it (RSS rose 147 MiB while
 * more than 256 MiB was counted), and once over, the server refused every GET and new stream
 * (for 28 s with 20 non-readers), while WebSocket had no server-wide budget at all. Now shared
 * events count once, and the budget is kept by cutting the clients with the most waiting first,
 * on SSE, HTTP (test/servers/hardening-memory.test.ts), WebSocket and Socket.IO alike.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { io, type Socket as IoSocket } from 'socket.io-client';
import { SOCKETIO_EVENTS, SOCKETIO_PATH } from '../../servers/contract/index.ts';
import { call, expectError, post } from '../../servers/contract/conformance/http.ts';
import { dataOf, openSse } from '../../servers/contract/conformance/sse-client.ts';
import { openRaw } from '../../servers/contract/conformance/raw-socket.ts';
import { WAIT_BOUND_MS, onCleanup, startServer } from '../../servers/contract/conformance/servers.ts';

const MiB = 1024 * 1024;
/** Posts of 1 MiB bodies, one message an event: what a stream that does not read piles up. */
const BODY = 'x'.repeat(MiB - 1024);
const POSTS = 8;
const NON_READERS = 8;
/**
 * The server-wide budget of the cutting cases: four messages. A client that reads holds about one
 * message at a time (what the kernel has not taken yet), a non-reader piles up all eight.
 */
const BUDGET = 4 * MiB;
/** Large enough that no client is cut for its own backlog: only the server-wide budget acts. */
const PER_CLIENT = 64 * MiB;
const OPTIONS = { maxBodyBytes: MiB, maxPayloadBytes: 2 * MiB, maxBufferedBytes: PER_CLIENT };
/**
 * What Node may hold for one stream beyond what is shared: its high-water mark (16 KiB) plus the
 * one event handed to it past that mark, with room for the event's framing.
 */
const NODE_HELD_PER_STREAM = MiB + 32 * 1024;

/** Opens a stream on a raw connection that never reads after connecting. */
async function nonReadingStream(url: string, room: string): Promise<Socket> {
  const socket = connect(Number(new URL(url).port), '127.0.0.1');
  socket.on('error', () => undefined);
  onCleanup(async () => void socket.destroy());
  await once(socket, 'connect');
  socket.pause();
  socket.write(`GET /rooms/${room}/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
  return socket;
}

/**
 * Posts the messages one at a time, each once the stream that reads has had the one before: a
 * reader then has nothing left from earlier turns, and the non-readers pile up. (At the moment of
 * one broadcast every stream holds the same new event; only what is left from earlier turns tells
 * a reader from a non-reader, and a test's reader shares the server's event loop.)
 */
async function postAll(url: string, room: string, reader: Awaited<ReturnType<typeof openSse>>): Promise<void> {
  for (let i = 1; i <= POSTS; i++) {
    expect((await post(url, room, JSON.stringify({ id: `m${i}`, from: 'a', body: BODY }))).status).toBe(201);
    await reader.next((e) => e.type === 'messages' && ((dataOf(e).messages as { seq: number }[]).at(-1)?.seq ?? 0) >= i);
  }
}

describe('issue 23: the waiting-bytes budget', () => {
  it('sse: an event shared by many streams is counted once', async () => {
    const { server, url } = await startServer('sse', { ...OPTIONS, maxWaitingBytes: 1024 * MiB });
    const reader = await openSse(url, '/rooms/shared/events');
    for (let i = 0; i < NON_READERS; i++) await nonReadingStream(url, 'shared');
    await vi.waitFor(() => expect(server.stats().streams).toBe(NON_READERS + 1), { timeout: WAIT_BOUND_MS, interval: 5 });
    await postAll(url, 'shared', reader);
    // Counted once: what was posted, plus what Node holds for each stream of its own. Counted per
    // stream, as before, it was up to NON_READERS times what was posted.
    const bound = POSTS * MiB + NON_READERS * NODE_HELD_PER_STREAM;
    expect(server.stats().waitingBytes).toBeLessThanOrEqual(bound);
    expect(server.stats().budgetCuts).toBe(0);
  });

  it('sse: past the budget the non-readers are cut, and readers, new streams and GETs are served', async () => {
    const budget = BUDGET;
    const { server, url } = await startServer('sse', { ...OPTIONS, maxWaitingBytes: budget });
    const reader = await openSse(url, '/rooms/flood/events');
    for (let i = 0; i < NON_READERS; i++) await nonReadingStream(url, 'flood');
    await vi.waitFor(() => expect(server.stats().streams).toBe(NON_READERS + 1), { timeout: WAIT_BOUND_MS, interval: 5 });
    await postAll(url, 'flood', reader);
    await vi.waitFor(() => expect(server.stats().waitingBytes).toBeLessThanOrEqual(budget), { timeout: WAIT_BOUND_MS, interval: 5 });
    expect(server.stats().budgetCuts).toBeGreaterThan(0);
    expect(reader.ended, 'the stream that reads is never cut').toBe(false);
    // Cut until the rest fit (a paused client does not see its cut: the server's count says it).
    expect(server.stats().streams).toBe(NON_READERS + 1 - server.stats().budgetCuts);
    // Everyone else is served: a read, and a new stream.
    expect((await call(url, '/rooms/other/messages')).status).toBe(200);
    const fresh = await openSse(url, '/rooms/other/events');
    expect(fresh.status).toBe(200);
    fresh.close();
    expect(server.stats().busyRefusals).toBe(0);
  });

  it('sse: the budget cuts one non-reader when one is enough, not every stream that holds something', async () => {
    // Three streams that never read, one 1 MiB event a post: each holds about as much as the others.
    // When the total first passes the budget it is at most 3 × (12 / 3 + 1) = 15 MiB, so one cut
    // leaves at most 10 MiB, within it. (Counting a cut stream's bytes only at its 'close', the
    // budget saw nothing freed and cut all three.)
    const budget = 12 * MiB;
    const { server, url } = await startServer('sse', { ...OPTIONS, maxWaitingBytes: budget });
    for (let i = 0; i < 3; i++) await nonReadingStream(url, 'three');
    await vi.waitFor(() => expect(server.stats().streams).toBe(3), { timeout: WAIT_BOUND_MS, interval: 5 });
    for (let i = 1; server.stats().budgetCuts === 0; i++) {
      // The kernel takes some megabytes of each paused connection first; 40 posts are far past that.
      expect(i, 'no cut after 40 posts of 1 MiB').toBeLessThanOrEqual(40);
      expect((await post(url, 'three', JSON.stringify({ id: `t${i}`, from: 'a', body: BODY }))).status).toBe(201);
    }
    expect(server.stats().budgetCuts).toBe(1);
    expect(server.stats().streams).toBe(2);
  });

  it('websocket: past the budget the sockets with the most waiting are cut, and the one that reads gets everything', async () => {
    const budget = BUDGET;
    const { server, url } = await startServer('websocket', { ...OPTIONS, maxWaitingBytes: budget });
    const reader = await openRaw(url);
    reader.sendJson({ type: 'subscribe', room: 'flood' });
    await reader.next((f) => f.type === 'messages');
    const stalled = [];
    for (let i = 0; i < NON_READERS; i++) {
      const raw = await openRaw(url);
      raw.sendJson({ type: 'subscribe', room: 'flood' });
      await raw.next((f) => f.type === 'messages');
      (raw.ws as unknown as { _socket: Socket })._socket.pause();
      stalled.push(raw);
    }
    // One at a time, each once the reader has it, as with SSE above.
    for (let i = 1; i <= POSTS; i++) {
      reader.sendJson({ type: 'send', room: 'flood', id: `w${i}`, from: 'a', body: BODY });
      await reader.next((f) => f.type === 'messages' && ((f.messages as { seq: number }[]).at(-1)?.seq ?? 0) >= i);
    }
    expect(server.stats().budgetCuts).toBeGreaterThan(0);
    expect(reader.ws.readyState).toBe(reader.ws.OPEN);
    await vi.waitFor(() => expect(server.stats().sockets).toBe(NON_READERS + 1 - server.stats().budgetCuts), { timeout: WAIT_BOUND_MS, interval: 5 });
  });

  it('socketio: past the budget the sockets with the most waiting are cut, and the one that reads gets everything', async () => {
    const { server, url } = await startServer('socketio', { ...OPTIONS, maxWaitingBytes: BUDGET });
    const open = async (): Promise<IoSocket> => {
      const socket = io(url, { path: SOCKETIO_PATH, forceNew: true, reconnection: false, transports: ['websocket'] });
      onCleanup(async () => void socket.disconnect());
      // A subscription is answered with the room's first messages event (empty here).
      const first = new Promise<void>((resolve) => socket.once(SOCKETIO_EVENTS.messages, () => resolve()));
      socket.emit(SOCKETIO_EVENTS.subscribe, { room: 'flood' });
      await first;
      return socket;
    };
    const reader = await open();
    let seen = 0;
    reader.on(SOCKETIO_EVENTS.messages, (frame: { messages: { seq: number }[] }) => (seen = Math.max(seen, frame.messages.at(-1)?.seq ?? 0)));
    for (let i = 0; i < NON_READERS; i++) {
      const stalled = await open();
      // The engine's WebSocket stops reading: what the server writes for it waits at the server.
      (stalled.io.engine.transport as unknown as { ws: { _socket: Socket } }).ws._socket.pause();
    }
    // One at a time, each once the reader has it, as above.
    for (let i = 1; i <= POSTS; i++) {
      await reader.timeout(WAIT_BOUND_MS).emitWithAck(SOCKETIO_EVENTS.send, { room: 'flood', id: `s${i}`, from: 'a', body: BODY });
      await vi.waitFor(() => expect(seen).toBeGreaterThanOrEqual(i), { timeout: WAIT_BOUND_MS, interval: 5 });
    }
    expect(server.stats().budgetCuts).toBeGreaterThan(0);
    expect(server.stats().slowConsumerCloses).toBe(0);
    expect(reader.connected).toBe(true);
    await vi.waitFor(() => expect(server.stats().sockets).toBe(NON_READERS + 1 - server.stats().budgetCuts), { timeout: WAIT_BOUND_MS, interval: 5 });
  });

  it('http: a GET is refused SERVER_BUSY only when nothing is left to cut', async () => {
    const { server, url } = await startServer('short-polling', { maxWaitingBytes: 1 });
    // Nothing waits for anyone: the budget is kept, and the read served.
    expect((await call(url, '/rooms/r/messages')).status).toBe(200);
    expect(server.stats().busyRefusals).toBe(0);
    expectError(await post(url, 'r', '{bad'), 'BAD_REQUEST');
  });
});
