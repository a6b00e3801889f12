/**
 * The servers as a browser meets them (issue 20): Debian's Chromium, driven by playwright-core,
 * loads a page from an origin the servers list in `--allowed-origins` and one from an origin they do
 * not, and uses each server as a chat page would: `fetch` with a token (a preflight first), a
 * WebSocket, an `EventSource`, Socket.IO's own browser client. The listed page is served; the other
 * is refused by the browser itself, and nothing it sent is stored. An SSE stream refused for a
 * while (`TOO_MANY_STREAMS`) reaches the page as a `chat_error` event, and `EventSource` comes back
 * by itself after the stream's `retry`. Without Chromium the suite says it was skipped, and why.
 */
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createChatServer, RoomLog, type ChatServer } from '../../../servers/index.ts';
import { SSE_ERROR_EVENT, type Transport } from '../../../servers/contract/index.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SOCKET_IO_BUNDLE = new URL('../../../node_modules/socket.io-client/dist/socket.io.min.js', import.meta.url);
const TOKEN = 'browser-token';
/** Bounds on waits inside the page: the events come in milliseconds (the SSE retry in 3 s); these only end a hang. */
const PAGE_BOUND_MS = 15_000;

/** A page server: an empty page, and Socket.IO's browser client beside it. Its origin is its own port. */
async function pageServer(): Promise<{ server: Server; origin: string }> {
  const bundle = readFileSync(SOCKET_IO_BUNDLE);
  const server = createServer((request, response) => {
    if (request.url === '/socket.io.min.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>chat</title><script src="/socket.io.min.js"></script>');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const title = HAVE_CHROMIUM ? 'the servers in Chromium, from a listed page and another' : `the servers in Chromium (skipped: no browser at ${CHROMIUM}; apt-get install chromium, or set CHROMIUM_PATH)`;
if (!HAVE_CHROMIUM) console.warn(`browser origin tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);

describe.skipIf(!HAVE_CHROMIUM)(title, () => {
  let browser: Browser;
  let listed: { server: Server; origin: string };
  let other: { server: Server; origin: string };
  const servers: ChatServer[] = [];
  let pages: Page[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    listed = await pageServer();
    other = await pageServer();
  });
  afterEach(async () => {
    await Promise.all(pages.map((page) => page.close()));
    pages = [];
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  afterAll(async () => {
    await browser?.close();
    for (const page of [listed, other]) page?.server.close();
  });

  /** A server of `transport` that lists the first page's origin; its URL and its room log. */
  async function serve(transport: Transport, options: Record<string, unknown> = {}): Promise<{ url: string; log: RoomLog }> {
    const log = new RoomLog({ historySize: 100 });
    const server = await createChatServer(transport, { port: 0, allowedOrigins: [listed.origin], ...options }, log);
    servers.push(server);
    return { url: (await server.listen()).replace(/\/$/, ''), log };
  }

  async function open(origin: string): Promise<Page> {
    const page = await browser.newPage();
    pages.push(page);
    await page.goto(`${origin}/`);
    return page;
  }

  it('polling: the listed page posts with its token after a preflight and reads the answer; the other page is refused and nothing is stored', async () => {
    const { url, log } = await serve('long-polling', { token: TOKEN });
    const post = (page: Page, id: string) =>
      page.evaluate(
        async ([base, token, id]) => {
          try {
            const answer = await fetch(`${base}/rooms/r/messages`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ id, from: 'page', body: 'hello' }) });
            return { status: answer.status, body: (await answer.json()) as { seq?: number } };
          } catch (error) {
            return { failed: String(error) };
          }
        },
        [url, TOKEN, id] as const,
      );
    const page = await open(listed.origin);
    const get = (cursor?: string) =>
      page.evaluate(
        async ([base, token, after]) => {
          const answer = await fetch(`${base}/rooms/r/messages?wait=0${after ? `&cursor=${encodeURIComponent(after)}` : ''}`, { headers: { authorization: `Bearer ${token}` } });
          const body = (await answer.json()) as { messages: { body: string }[]; cursor: string };
          return { status: answer.status, bodies: body.messages.map((m) => m.body), cursor: body.cursor };
        },
        [url, TOKEN, cursor ?? ''] as const,
      );
    // Where the room is now, then a post, then what came after: the page reads every answer.
    const { cursor } = await get();
    expect(await post(page, 'a1')).toMatchObject({ status: 201, body: { seq: 1 } });
    const read = await get(cursor);
    expect(read).toMatchObject({ status: 200, bodies: ['hello'] });
    // The browser refuses the other page's request at its preflight: fetch fails, and nothing more is stored.
    expect(await post(await open(other.origin), 'b1')).toMatchObject({ failed: expect.stringContaining('TypeError') });
    expect(log.messagesStored).toBe(1);
  });

  it('websocket: the listed page opens its socket and receives; the other page never opens one', async () => {
    const { url } = await serve('websocket');
    const ws = url.replace(/^http/, 'ws');
    const attempt = (page: Page) =>
      page.evaluate(
        ([address, bound]) =>
          new Promise<string>((resolve) => {
            const socket = new WebSocket(`${address}/ws`);
            setTimeout(() => resolve('no answer'), bound);
            socket.onerror = () => resolve('error');
            socket.onopen = () => socket.send(JSON.stringify({ type: 'subscribe', room: 'w' }));
            socket.onmessage = (event) => resolve(`frame ${(JSON.parse(String(event.data)) as { type: string }).type}`);
          }),
        [ws, PAGE_BOUND_MS] as const,
      );
    expect(await attempt(await open(listed.origin))).toBe('frame messages');
    expect(await attempt(await open(other.origin))).toBe('error');
  });

  it('sse: a stream refused for a while reaches the page as chat_error, and EventSource comes back by itself after the retry; the other page is refused', async () => {
    const { url } = await serve('sse', { maxStreams: 1 });
    const page = await open(listed.origin);
    const seen = await page.evaluate(
      ([base, errorEvent, bound]) =>
        new Promise<string[]>((resolve) => {
          const events: string[] = [];
          const done = () => resolve(events);
          setTimeout(() => done(), bound);
          // The first stream takes the one slot.
          const first = new EventSource(`${base}/rooms/s/events`);
          first.onopen = () => {
            events.push('first open');
            const second = new EventSource(`${base}/rooms/s/events`);
            second.addEventListener(errorEvent, (event) => {
              events.push(`second ${(JSON.parse((event as unknown as { data: string }).data) as { code: string }).code}`);
              // The slot is given back: the second comes back after the stream's retry.
              first.close();
            });
            second.onerror = () => events.push(`second ended, readyState ${second.readyState}`);
            let opens = 0;
            second.onopen = () => {
              opens++;
              if (opens === 2) {
                events.push('second open again');
                second.close();
                done();
              }
            };
          };
        }),
      [url, SSE_ERROR_EVENT, PAGE_BOUND_MS] as const,
    );
    // 0 is CONNECTING: the browser will come back (a refusal answered with an error status would close it for good, 2).
    expect(seen).toEqual(['first open', 'second TOO_MANY_STREAMS', 'second ended, readyState 0', 'second open again']);
    const refused = await (await open(other.origin)).evaluate(
      ([base, bound]) =>
        new Promise<string>((resolve) => {
          const stream = new EventSource(`${base}/rooms/s/events`);
          setTimeout(() => resolve('no answer'), bound);
          stream.onopen = () => resolve('open');
          stream.onerror = () => resolve(`error, readyState ${stream.readyState}`);
        }),
      [url, PAGE_BOUND_MS] as const,
    );
    expect(refused).toBe('error, readyState 2');
  });

  it("socketio: the listed page connects with Socket.IO's browser client and receives; the other page's handshake is refused", async () => {
    const { url } = await serve('socketio');
    const attempt = (page: Page) =>
      page.evaluate(
        ([address, bound]) =>
          new Promise<string>((resolve) => {
            const socket = (globalThis as unknown as { io: (url: string, options: object) => { on: (event: string, listener: (payload?: unknown) => void) => void; emit: (event: string, payload: unknown) => void } }).io(address, {
              transports: ['websocket'],
              reconnection: false,
            });
            setTimeout(() => resolve('no answer'), bound);
            socket.on('connect_error', () => resolve('connect_error'));
            socket.on('connect', () => socket.emit('subscribe', { room: 'i' }));
            socket.on('messages', () => resolve('messages'));
          }),
        [url, PAGE_BOUND_MS] as const,
      );
    expect(await attempt(await open(listed.origin))).toBe('messages');
    expect(await attempt(await open(other.origin))).toBe('connect_error');
  });
});

if (!HAVE_CHROMIUM) {
  describe('the servers in Chromium', () => {
    it.skip(`browser origin tests skipped: ${CHROMIUM} not found (apt-get install chromium)`, () => undefined);
  });
}
