/**
 * `npm run bench:browser-connections`: where a browser's six HTTP/1.1 connections per server bite,
 * and whether HTTP/2 lifts them (issue 20). A page of the system's Chromium holds `--members`
 * members of one room (the contract's browser clients, servers/clients/browser/clients.js), over
 * TLS to a server of the transport, once speaking HTTP/1.1 and once HTTP/2 (`--tls`, and
 * `--http2` where the server offers h2 by ALPN). Each member subscribes; those receiving after
 * `--subscribe-ms` are counted; then the first member posts `--posts` messages, one every 200 ms,
 * from the page, and each post's acknowledgement and every member's receipt are timed on the
 * page's own clock, from the moment the post was made.
 *
 *   npm run bench:browser-connections -- [--members 10] [--posts 10] [--subscribe-ms 5000]
 */
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { spawnServer } from '../run/spawn-server.ts';
import { launchChromium, servePageFiles } from '../generator/chromium.ts';
import { formatUs } from '../model/format.ts';
import { quantile } from '../model/aggregate.ts';
import { commandOptions, type OptionTable } from '../../servers/common/command-line/index.ts';
import { HTTP2_TRANSPORTS } from '../../servers/contract/index.ts';

/** The transports whose receiving holds a request open: the ones the limit bites. */
export const HELD = HTTP2_TRANSPORTS.filter((t): t is Exclude<(typeof HTTP2_TRANSPORTS)[number], 'short-polling'> => t !== 'short-polling');
const POST_EVERY_MS = 200;

/** In the page: members that subscribe, a post loop, and the times. */
const DRIVER = `
import { openClient } from './clients.js';
window.run = async (transport, members, posts, subscribeMs, everyMs) => {
  const base = location.origin;
  const pending = new Map();
  const receipts = [];
  let receiving = 0;
  const clients = [];
  for (let i = 0; i < members; i++) {
    const client = openClient(transport, { base, onMessages: (room, messages, at) => {
      for (const m of messages) { const sent = pending.get(m.id); if (sent !== undefined) receipts.push(at - sent); }
    } });
    clients.push(client);
    client.connect().then(() => client.subscribe('room')).then(() => receiving++, () => undefined);
  }
  await new Promise((r) => setTimeout(r, subscribeMs));
  const subscribed = receiving;
  const acks = [];
  for (let k = 0; k < posts; k++) {
    const id = 'p' + k;
    const at = performance.now();
    pending.set(id, at);
    const sent = clients[0].send('room', { id, from: 'page', body: 'b' }).then(() => acks.push(performance.now() - at), () => undefined);
    await Promise.race([sent, new Promise((r) => setTimeout(r, everyMs))]);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  await new Promise((r) => setTimeout(r, 1000));
  return { subscribed, acks, receipts };
};
`;

const ms = (v: number | undefined): string => formatUs((v ?? Number.NaN) * 1000);

/** What one arm saw: members receiving after the wait, each post's acknowledgement and each receipt, ms from its post. */
export interface ConnectionsArm {
  readonly subscribed: number;
  readonly acks: readonly number[];
  readonly receipts: readonly number[];
}

/** `members` members of one page over TLS to a fresh server of `transport`, HTTP/1.1 or HTTP/2; the first posts `posts` times. */
export async function measureConnections(transport: (typeof HELD)[number], http2: boolean, members: number, posts: number, subscribeMs: number): Promise<ConnectionsArm> {
  const server = await spawnServer(transport, ['--tls', ...(http2 ? ['--http2'] : [])]);
  const browser = await launchChromium();
  try {
    // The server's certificate is its own, made at start: this context trusts it.
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page: Page = await context.newPage();
    const origin = server.url.replace(/\/$/, '');
    await servePageFiles(page, origin, '/__bench/', '<!doctype html><script type="module" src="./driver.js"></script>', { 'driver.js': ['text/javascript', () => DRIVER] });
    await page.goto(`${origin}/__bench/`);
    await page.waitForFunction(() => typeof (globalThis as { run?: unknown }).run === 'function');
    return await page.evaluate(
      ([t, m, p, s, e]) => (globalThis as unknown as { run: (...a: unknown[]) => Promise<ConnectionsArm> }).run(t, m, p, s, e),
      [transport, members, posts, subscribeMs, POST_EVERY_MS] as const,
    );
  } finally {
    await browser.close();
    await server.stop();
  }
}

const OPTIONS = {
  members: { kind: 'int', default: 10, min: 1, max: 50, doc: 'members in the one page' },
  posts: { kind: 'int', default: 10, min: 1, max: 100, doc: `posts by the first member, one every ${POST_EVERY_MS} ms` },
  subscribeMs: { kind: 'int', default: 5000, min: 500, max: 60_000, doc: 'ms the members have to subscribe before the posts' },
} as const satisfies OptionTable;

async function main(): Promise<void> {
  const { members, posts, subscribeMs } = commandOptions(OPTIONS, process.argv.slice(2), 'Usage: npm run bench:browser-connections -- [options]');
  console.log(`${members} members in one page of Chromium, over TLS, HTTP/1.1 against HTTP/2; ${posts} posts by the first member, one every ${POST_EVERY_MS} ms:`);
  for (const transport of HELD) {
    for (const http2 of [false, true]) {
      const r = await measureConnections(transport, http2, members, posts, subscribeMs);
      const protocol = http2 ? 'HTTP/2  ' : 'HTTP/1.1';
      console.log(
        `${transport.padEnd(13)} ${protocol}  ${String(r.subscribed).padStart(3)} of ${members} receiving  ${String(r.acks.length).padStart(3)} of ${posts} posts acknowledged (p50 ${ms(quantile(r.acks, 0.5))})  ${String(r.receipts.length).padStart(4)} of ${members * posts} receipts (p50 ${ms(quantile(r.receipts, 0.5))}, max ${ms(quantile(r.receipts, 1))})`,
      );
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(`error: ${(error as Error).message}`);
    process.exit(1);
  });
}
