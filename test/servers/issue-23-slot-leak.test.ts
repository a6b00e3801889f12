/**
 * Issue 23, defect 1: a client that goes away while its room is still loading from the Redis
 * backplane leaked its slot for good (an SSE stream) or until its wait ran out (a held long poll),
 * because the cleanup was registered only after the load. Each case here holds the load at a gate,
 * closes the client, waits for the server to see the close, then lets the load finish: with one
 * slot (`--max-streams 1`, `--max-held-polls 1`), a fresh client must still get that slot.
 */
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Room } from '../../servers/common/room-log.ts';
import type { PollAnswer } from '../../servers/contract/index.ts';
import { redisMissingReason, startRedisServer, type RedisServer } from '../../bench/cluster/redis-server.ts';
import { call } from '../../servers/contract/conformance/http.ts';
import { WAIT_BOUND_MS, onCleanup, startServer } from '../../servers/contract/conformance/servers.ts';

const MISSING = redisMissingReason();
if (MISSING) console.warn(`issue 23 slot-leak tests skipped: ${MISSING}`);

/** A deferred promise: the gate a load waits at. */
function gate(): { readonly opened: Promise<void>; open(): void } {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Sends a raw GET on a new connection; resolves with the socket once it is connected. */
async function rawGet(url: string, path: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  socket.on('error', () => undefined);
  onCleanup(async () => void socket.destroy());
  await once(socket, 'connect');
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
  return socket;
}

describe.skipIf(MISSING !== undefined)('issue 23: a client that leaves while its room loads from Redis leaks no slot', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(() => redis?.close());

  /**
   * Opens `path` on a server whose next load waits at a gate, closes the client while it waits,
   * lets the load go once the server saw the close, and returns the server.
   */
  async function leaveDuringLoad(transport: 'sse' | 'long-polling', options: Record<string, unknown>, path: (head: string) => string) {
    const { server, url } = await startServer(transport, { backplane: redis.url, ...options });
    const { cursor } = (await call(url, '/rooms/warm/messages')).body as unknown as PollAnswer;
    const backplane = server.backplane;
    const real = backplane.load.bind(backplane);
    const loading = gate();
    const release = gate();
    vi.spyOn(backplane, 'load').mockImplementationOnce(async (roomId: string, at?: string): Promise<Room> => {
      const room = await real(roomId, at);
      loading.open();
      await release.opened;
      return room;
    });
    // The fetch above keeps its connection alive: only the raw client's must go.
    const before = server.stats().connections;
    const socket = await rawGet(url, path(cursor));
    await loading.opened;
    socket.destroy();
    await vi.waitFor(() => expect(server.stats().connections).toBe(before), { timeout: WAIT_BOUND_MS, interval: 5 });
    release.open();
    return { server, url, cursor };
  }

  it('sse: a stream whose client closed during the load is not opened, and the one slot goes to the next stream', async () => {
    const { server, url } = await leaveDuringLoad('sse', { maxStreams: 1 }, () => '/rooms/doomed/events');
    // This request loads after the gated one finished: it sees what that one left.
    const next = await rawGet(url, '/rooms/fresh/events');
    const [chunk] = (await once(next, 'data')) as [Buffer];
    expect(chunk.toString('utf8').split('\r\n', 1)[0]).toBe('HTTP/1.1 200 OK');
    expect(server.stats().streams).toBe(1);
  });

  it('long-polling: a poll whose client closed during the load is not held, and the one slot goes to the next poll', async () => {
    const { server, url, cursor } = await leaveDuringLoad('long-polling', { maxHeldPolls: 1 }, (head) => `/rooms/warm/messages?cursor=${encodeURIComponent(head)}&wait=60000`);
    const next = await rawGet(url, `/rooms/warm/messages?cursor=${encodeURIComponent(cursor)}&wait=60000`);
    await vi.waitFor(() => expect(server.stats().heldPolls).toBe(1), { timeout: WAIT_BOUND_MS, interval: 5 });
    // The poll held is the fresh one: a message answers it.
    const answered = once(next, 'data');
    await call(url, '/rooms/warm/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'm1', from: 'a', body: 'b' }) });
    const [chunk] = (await answered) as [Buffer];
    expect(chunk.toString('utf8')).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(server.stats().heldPolls).toBe(0);
  });
});
