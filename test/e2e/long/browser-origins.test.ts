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
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { socketIoBundleFile } from '../../../servers/clients/browser/index.ts';
import { HAVE_CHROMIUM, chromiumSuite, launchChromium } from '../../helpers/chromium.ts';
import { createChatServer, RoomLog, type ChatServer } from '../../../servers/index.ts';
import { SSE_ERROR_EVENT, type Transport } from '../../../servers/contract/index.ts';

const TOKEN = 'browser-token';
/** Bounds on waits inside the page: the events come in milliseconds (the SSE retry in 3 s); these only end a hang. */
const PAGE_BOUND_MS = 15_000;

/** A page server: an empty page, and Socket.IO's browser client beside it. Its origin is its own port. */
async function pageServer(): Promise<{ server: Server; origin: string }> {
  const bundle = readFileSync(socketIoBundleFile());
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

const title = chromiumSuite('the servers in Chromium, from a listed page and another');
describe.skipIf(!HAVE_CHROMIUM)(title, () => {
  let browser: Browser;
  let listed: { server: Server; origin: string };
  let other: { server: Server; origin: string };
  const servers: ChatServer[] = [];
  let pages: Page[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
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

  /**
   * In the page: receive room `room` over `transport` as a chat page would, post `body` to it
   * (with the token where the server wants one), and answer `received` once it came back, or what
   * failed. Plain browser APIs only, and Socket.IO's own browser client.
   */
  const chat = (page: Page, transport: Transport, url: string, room: string, body: string, token: string) =>
    page.evaluate(
      async ([transport, base, room, body, token, bound]) => {
        const headers: Record<string, string> = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
        const post = async () => {
          const answer = await fetch(`${base}/rooms/${room}/messages`, { method: 'POST', headers, body: JSON.stringify({ id: 'p1', from: 'page', body }) });
          if (answer.status !== 201) throw new Error(`POST answered ${answer.status}`);
        };
        const within = <T,>(work: (resolve: (value: T) => void) => void) =>
          new Promise<T | 'no answer'>((resolve) => {
            setTimeout(() => resolve('no answer'), bound);
            work(resolve);
          });
        try {
          if (transport === 'short-polling' || transport === 'long-polling') {
            const read = async (cursor?: string) => {
              const answer = await fetch(`${base}/rooms/${room}/messages?wait=0${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers });
              return (await answer.json()) as { messages: { body: string }[]; cursor: string };
            };
            const { cursor } = await read();
            await post();
            return (await read(cursor)).messages.some((m) => m.body === body) ? 'received' : 'not received';
          }
          if (transport === 'sse') {
            return await within<string>((resolve) => {
              const stream = new EventSource(`${base}/rooms/${room}/events`);
              stream.onopen = () => void post().catch((error: unknown) => resolve(String(error)));
              stream.addEventListener('messages', (event) => {
                const data = JSON.parse((event as unknown as { data: string }).data) as { messages: { body: string }[] };
                if (data.messages.some((m) => m.body === body)) resolve('received');
              });
              stream.onerror = () => resolve(`stream error, readyState ${stream.readyState}`);
            });
          }
          if (transport === 'websocket') {
            return await within<string>((resolve) => {
              const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/ws${token ? `?token=${token}` : ''}`);
              socket.onerror = () => resolve('socket error');
              socket.onopen = () => socket.send(JSON.stringify({ type: 'subscribe', room }));
              socket.onmessage = (event) => {
                const frame = JSON.parse(String(event.data)) as { type: string; messages?: { body: string }[] };
                if (frame.type === 'messages' && frame.messages?.length === 0) socket.send(JSON.stringify({ type: 'send', room, id: 'p1', from: 'page', body }));
                if (frame.messages?.some((m) => m.body === body)) resolve('received');
              };
            });
          }
          return await within<string>((resolve) => {
            type IoSocket = { on: (event: string, listener: (payload: { messages?: { body: string }[] }) => void) => void; emit: (event: string, payload: unknown) => void };
            const io = (globalThis as unknown as { io: (url: string, options: object) => IoSocket }).io;
            const socket = io(base, { transports: ['websocket'], reconnection: false, ...(token ? { query: { token } } : {}) });
            socket.on('connect_error', () => resolve('connect_error'));
            socket.on('connect', () => socket.emit('subscribe', { room }));
            socket.on('messages', (frame) => {
              if (frame.messages?.length === 0) socket.emit('send', { room, id: 'p1', from: 'page', body });
              if (frame.messages?.some((m) => m.body === body)) resolve('received');
            });
          });
        } catch (error) {
          return String(error);
        }
      },
      [transport, url, room, body, token, PAGE_BOUND_MS] as const,
    );

  // WebRTC is left out: Chromium hides its host candidates behind mDNS names and gathers them on
  // every interface, and this machine's load may reach loopback addresses only.
  const BROWSER_TRANSPORTS = ['short-polling', 'long-polling', 'sse', 'websocket', 'socketio'] as const;

  it.each(BROWSER_TRANSPORTS)('%s: the listed page posts and receives; the other page is refused, and stores nothing', async (transport) => {
    // A token where a browser can send one: a header on fetch (so a preflight first), the query on a
    // WebSocket or Socket.IO URL. An EventSource sends no header, and the SSE server takes no query token.
    const token = transport === 'sse' ? '' : TOKEN;
    const { url, log } = await serve(transport, token ? { token } : {});
    expect(await chat(await open(listed.origin), transport, url, 'listed', `hello over ${transport}`, token)).toBe('received');
    const refused = await chat(await open(other.origin), transport, url, 'other', 'from elsewhere', token);
    expect(refused).not.toBe('received');
    expect(refused).not.toBe('no answer');
    expect(log.messagesStored, 'only the listed page stored its message').toBe(1);
  });

  it('sse: a stream refused for a while reaches the page as chat_error, and EventSource comes back by itself after the retry and receives everything sent meanwhile; the other page is refused', async () => {
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
              // Three messages while it is away; then the slot is given back, and the second comes
              // back after the stream's retry, from the cursor its error event gave as its id.
              void (async () => {
                for (const body of ['m1', 'm2', 'm3']) {
                  await fetch(`${base}/rooms/s/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: body, from: 'page', body }) });
                }
                first.close();
              })();
            });
            second.onerror = () => events.push(`second ended, readyState ${second.readyState}`);
            second.onopen = () => events.push('second open');
            const got: string[] = [];
            second.addEventListener('messages', (event) => {
              got.push(...(JSON.parse((event as unknown as { data: string }).data) as { messages: { body: string }[] }).messages.map((m) => m.body));
              if (got.length === 3) {
                events.push(`second received ${got.join(' ')}`);
                second.close();
                done();
              }
            });
          };
        }),
      [url, SSE_ERROR_EVENT, PAGE_BOUND_MS] as const,
    );
    // 0 is CONNECTING: the browser will come back (a refusal answered with an error status would close it for good, 2).
    // Its first open is the refusing stream's (200 text/event-stream), its second the one that serves.
    expect(seen).toEqual(['first open', 'second open', 'second TOO_MANY_STREAMS', 'second ended, readyState 0', 'second open', 'second received m1 m2 m3']);
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

});
