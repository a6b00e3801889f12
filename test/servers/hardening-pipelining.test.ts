/**
 * Hardening, pipelining and held polls (review of issue 8): a connection is handled one request at
 * a time and stops being read while requests are parked, so pipelining behind a held poll holds
 * nothing, and a pipelining client that reads gets every answer; the server holds at most
 * `--max-held-polls` polls. Each test replays the attack at a bounded size and asserts the server
 * stays bounded and serves others.
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { spawnServer } from '../../bench/run/spawn-server.ts';
import { MAX_PARKED_REQUESTS } from '../../servers/common/http-app.ts';
import { onCleanup, range, startServer, WAIT_BOUND_MS } from '../../servers/contract/conformance/servers.ts';
import { rawConnect } from '../helpers/raw-http.ts';

const MiB = 1024 * 1024;
/** A spawned server takes a few seconds to start (tsx compiles it); the attack takes seconds more. */
const TEST_BOUND_MS = 120_000;
const waitFor = (check: () => void | Promise<void>): Promise<void> => vi.waitFor(check, { timeout: WAIT_BOUND_MS, interval: 20 });
const mb = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MB`;

async function post(url: string, room: string, id: string, body: string): Promise<Response> {
  return fetch(`${url}/rooms/${room}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, from: 'a', body }) });
}

describe('long polling: one connection filled the heap by pipelining held polls', () => {
  it(
    '20,000 pipelined wait=60000 GETs hold one poll, park at most one read of requests, and cost little heap',
    async () => {
      const server = await spawnServer('long-polling');
      onCleanup(() => server.stop());
      const start = (await (await fetch(`${server.url}/rooms/r/messages`)).json()) as { cursor: string };
      const before = await server.mark('before', true);
      // The old code held every one of them: 97,676 of 100,000 held, heap +459 MB; +92 MB for 20,000.
      const attacker = connect(Number(new URL(server.url).port), '127.0.0.1');
      attacker.on('error', () => undefined);
      onCleanup(async () => {
        attacker.destroy();
      });
      await once(attacker, 'connect');
      attacker.pause();
      const poll = `GET /rooms/r/messages?cursor=${encodeURIComponent(start.cursor)}&wait=60000 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
      attacker.write(poll.repeat(20_000));
      await waitFor(async () => {
        const { stats } = await server.mark('attacked');
        expect(stats.heldPolls).toBe(1);
        expect(Number(stats.parkedRequests)).toBeGreaterThan(0);
      });
      // Others are served meanwhile: a poll on another connection, and a message to another room.
      const other = (await (await fetch(`${server.url}/rooms/other/messages`)).json()) as { cursor: string };
      expect((await post(server.url, 'other', 'm1', 'hi')).status).toBe(201);
      const page = (await (await fetch(`${server.url}/rooms/other/messages?cursor=${encodeURIComponent(other.cursor)}&wait=60000`)).json()) as { messages: unknown[] };
      expect(page.messages).toHaveLength(1);

      const after = await server.mark('after', true);
      expect(after.stats.heldPolls, 'polls held for the pipelining connection').toBe(1);
      expect(Number(after.stats.parkedRequests)).toBeLessThanOrEqual(MAX_PARKED_REQUESTS);
      expect(Number(after.stats.peakParkedRequests)).toBeLessThanOrEqual(MAX_PARKED_REQUESTS);
      expect(after.heapUsed - before.heapUsed, `heap grew ${mb(after.heapUsed - before.heapUsed)}`).toBeLessThan(16 * MiB);
    },
    TEST_BOUND_MS,
  );

  it('answers pipelined polls in order, each once the one before it is answered', async () => {
    const { url } = await startServer('long-polling');
    const start = (await (await fetch(`${url}/rooms/r/messages`)).json()) as { cursor: string };
    const { socket: client, received } = await rawConnect(url);
    const poll = `GET /rooms/r/messages?cursor=${encodeURIComponent(start.cursor)}&wait=60000 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
    client.write(poll.repeat(3));
    expect((await post(url, 'r', 'm1', 'hi')).status).toBe(201);
    // The first was held and woken; the next two find the message at once.
    await waitFor(() => expect(received().split('HTTP/1.1 200 OK').length - 1).toBe(3));
    expect(received().split('"seq":1,').length - 1).toBe(3);
  });
});

describe('a pipelining client that reads was closed after 64 parked requests', () => {
  it.each(['short-polling', 'long-polling'] as const)('%s: 200 pipelined pages of ~100 KB with a 1 KiB buffer cap all arrive, in order', async (transport) => {
    // A cap far below one page: every request after the first is parked until its predecessor
    // drained. The old code closed the connection at the 65th parked request.
    const { url, server } = await startServer(transport, { maxBufferedBytes: 1024 });
    const start = (await (await fetch(`${url}/rooms/big/messages`)).json()) as { cursor: string };
    const body = 'x'.repeat(1000);
    for (const i of range(1, 100)) server.log.append('big', { id: `m${i}`, from: 'a', body });
    const { socket: client, received, ended } = await rawConnect(url);
    const page = `GET /rooms/big/messages?cursor=${encodeURIComponent(start.cursor)}&limit=100 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
    const N = 200;
    client.write(page.repeat(N - 1) + page.replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n'));
    await ended;
    const text = received();
    expect(text.split('HTTP/1.1 200 OK').length - 1).toBe(N);
    expect(text.split('"seq":100,').length - 1).toBe(N);
    expect(server.stats()).toMatchObject({ parkedRequests: 0, waitingBytes: 0 });
    expect(server.stats().peakParkedRequests).toBeGreaterThan(64);
  });
});

describe('long polling: --max-held-polls', () => {
  it('refuses a poll beyond the cap with TOO_MANY_HELD_POLLS and goes on serving the held ones and the rest', async () => {
    const { url, server } = await startServer('long-polling', { maxHeldPolls: 5 });
    const start = (await (await fetch(`${url}/rooms/r/messages`)).json()) as { cursor: string };
    const held = `${url}/rooms/r/messages?cursor=${encodeURIComponent(start.cursor)}&wait=60000`;
    const polls = range(1, 5).map(() => fetch(held));
    await waitFor(() => expect(server.stats().heldPolls).toBe(5));
    const refused = await fetch(held);
    expect(refused.status).toBe(503);
    const error = ((await refused.json()) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('TOO_MANY_HELD_POLLS');
    expect(error.message).toContain('maxHeldPolls');
    // A poll that answers at once is not held, so it is served.
    expect((await fetch(`${url}/rooms/r/messages?cursor=${encodeURIComponent(start.cursor)}&wait=0`)).status).toBe(200);
    expect((await post(url, 'r', 'm1', 'hi')).status).toBe(201);
    for (const answer of await Promise.all(polls)) {
      expect(answer.status).toBe(200);
      expect(((await answer.json()) as { messages: unknown[] }).messages).toHaveLength(1);
    }
    await waitFor(() => expect(server.stats().heldPolls).toBe(0));
    // Room again: a poll is held once more.
    const again = (await (await fetch(`${url}/rooms/r/messages`)).json()) as { cursor: string };
    const next = fetch(`${url}/rooms/r/messages?cursor=${encodeURIComponent(again.cursor)}&wait=60000`);
    await waitFor(() => expect(server.stats().heldPolls).toBe(1));
    expect((await post(url, 'r', 'm2', 'hi')).status).toBe(201);
    expect((await next).status).toBe(200);
  });
});
