/**
 * `npm run bench:browser-hidden`: what a hidden tab does to each transport (issue 20). A browser
 * throttles the timers of a page its user is not looking at (Chrome: wake-ups aligned to one a
 * second at once, and to one a minute after five minutes hidden, for chains of timers), and a
 * chat's member is often such a tab. Each arm is one member in a page of the system's Chromium,
 * left in front (`visible`) or covered by a newer tab of its window once it is receiving
 * (`hidden`; `document.visibilityState` is checked either way), while a Node client of the same
 * transport posts one message every `--every-ms` for `--seconds`. Then it waits until the page has
 * every message, or says what it missed. Times are from each post's start (Node's wall clock) to its
 * receipt in the page (the page's wall clock, the same clock of this machine).
 *
 *   npm run bench:browser-hidden -- [--transports short-polling,websocket] [--seconds 20]
 *     [--every-ms 200] [--poll-interval-ms 250] [--intensive-after-s N]
 *
 * `--intensive-after-s` brings Chrome's one-wake-up-a-minute throttling from five minutes hidden
 * to N seconds (its `IntensiveWakeUpThrottling` feature's grace period).
 */
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { spawnServer } from '../run/spawn-server.ts';
import { launchChromiumAsUsers, servePageFiles, type UsersChromium } from '../generator/chromium.ts';
import { quantile } from '../model/aggregate.ts';
import { formatUs } from '../model/format.ts';
import { commandOptions, type OptionTable } from '../../servers/common/command-line/index.ts';
import { BROWSER_TRANSPORTS, type BrowserTransport } from '../../servers/clients/browser/index.ts';
import { createClient } from '../../servers/clients/index.ts';

const PAGE_PATH = '/__bench/';
const ROOM = 'hidden';

/** The member's page: the contract's browser clients, and the receipts on the page's wall clock. */
const PAGE_HTML = `<!doctype html><meta charset="utf-8"><title>member</title>
<script src="${PAGE_PATH}socket.io.min.js"></script>
<script type="module">
import { openClient } from '${PAGE_PATH}clients.js';
const receipts = [];
window.member = {
  async start(transport, options, room) {
    const client = openClient(transport, { ...options, base: location.origin,
      onMessages: (r, messages, at) => { for (const m of messages) receipts.push([m.id, performance.timeOrigin + at]); } });
    await client.connect();
    return client.subscribe(room);
  },
  receipts: () => receipts,
};
window.memberReady = true;
</script>`;

/** What one arm saw. */
export interface HiddenArm {
  readonly transport: BrowserTransport;
  readonly hidden: boolean;
  /** `document.visibilityState` of the member's page while the messages were posted. */
  readonly visibility: string;
  readonly sent: number;
  /** Distinct messages the page received, and how many of them came after a later one. */
  readonly received: number;
  readonly outOfOrder: number;
  /** From each post's start to its receipt, ms, in post order (received ones only). */
  readonly latencies: readonly number[];
  /** The page's requests to the server while the messages were posted, per second. */
  readonly requestsPerSecond: number;
}

export interface HiddenOptions {
  readonly seconds: number;
  readonly everyMs: number;
  readonly pollIntervalMs: number;
  /** How long after the last post the page may take to have every message before it is said missing. */
  readonly drainMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const wallMs = () => performance.timeOrigin + performance.now();

async function memberPage(chromium: UsersChromium, origin: string): Promise<Page> {
  const page = await chromium.context.newPage();
  await servePageFiles(page, origin, PAGE_PATH, PAGE_HTML);
  await page.goto(`${origin}${PAGE_PATH}`);
  await page.waitForFunction(() => (globalThis as { memberReady?: boolean }).memberReady === true);
  return page;
}

/** One member of `transport`, its page visible or hidden, while a Node client posts. */
export async function measureHidden(chromium: UsersChromium, transport: BrowserTransport, hidden: boolean, options: HiddenOptions): Promise<HiddenArm> {
  const server = await spawnServer(transport, []);
  const origin = server.url.replace(/\/$/, '');
  const pages: Page[] = [];
  const sender = await createClient(transport, { url: origin });
  try {
    const page = await memberPage(chromium, origin);
    pages.push(page);
    const clientOptions = transport === 'short-polling' ? { pollIntervalMs: options.pollIntervalMs } : {};
    await page.evaluate(([t, o, r]) => (globalThis as unknown as { member: { start(...a: unknown[]): Promise<string> } }).member.start(t, o, r), [transport, clientOptions, ROOM] as const);
    // The user looks at another tab of the window: a newer tab is the one in front.
    if (hidden) pages.push(await chromium.context.newPage());
    const visibility = await page.evaluate(() => (globalThis as unknown as { document: { visibilityState: string } }).document.visibilityState);
    if (visibility !== (hidden ? 'hidden' : 'visible')) throw new Error(`the member's page is ${visibility}, not ${hidden ? 'hidden' : 'visible'}: this Chromium does not hide a covered tab`);
    let requests = 0;
    page.on('request', (request) => {
      if (request.url().startsWith(origin) && !request.url().includes(PAGE_PATH)) requests++;
    });
    await sender.connect();
    const sentAt = new Map<string, number>();
    const started = performance.now();
    for (let k = 0; performance.now() - started < options.seconds * 1000; k++) {
      const id = `h${k}`;
      sentAt.set(id, wallMs());
      await sender.send(ROOM, { id, from: 'sender', body: `hidden|${k}` });
      await sleep(Math.max(0, started + (k + 1) * options.everyMs - performance.now()));
    }
    const postingSeconds = (performance.now() - started) / 1000;
    const countedRequests = requests;
    const receipts = async () => page.evaluate(() => (globalThis as unknown as { member: { receipts(): [string, number][] } }).member.receipts());
    const drainEnds = performance.now() + options.drainMs;
    let got = await receipts();
    while (new Set(got.map(([id]) => id)).size < sentAt.size && performance.now() < drainEnds) {
      await sleep(100);
      got = await receipts();
    }
    const firstAt = new Map<string, number>();
    let outOfOrder = 0;
    let last = -1;
    for (const [id, at] of got) {
      if (!sentAt.has(id) || firstAt.has(id)) continue;
      firstAt.set(id, at);
      const k = Number(id.slice(1));
      if (k < last) outOfOrder++;
      last = Math.max(last, k);
    }
    const latencies = [...sentAt].filter(([id]) => firstAt.has(id)).map(([id, at]) => (firstAt.get(id) as number) - at);
    return { transport, hidden, visibility, sent: sentAt.size, received: firstAt.size, outOfOrder, latencies, requestsPerSecond: countedRequests / postingSeconds };
  } finally {
    await sender.close();
    for (const page of pages) await page.close().catch(() => undefined);
    await server.stop();
  }
}

const ms = (v: number | undefined): string => formatUs((v ?? Number.NaN) * 1000);

const OPTIONS = {
  transports: { kind: 'list', default: BROWSER_TRANSPORTS, choices: BROWSER_TRANSPORTS, doc: 'the transports, comma-separated' },
  seconds: { kind: 'int', default: 20, min: 2, max: 900, doc: 'how long the Node client posts in each arm' },
  everyMs: { kind: 'int', default: 200, min: 20, max: 10_000, doc: 'ms between its posts' },
  pollIntervalMs: { kind: 'int', default: 250, min: 50, max: 60_000, doc: "short polling: ms between the page's polls" },
  intensiveAfterS: { kind: 'int', min: 1, max: 300, shownDefault: "Chrome's 300", doc: "seconds hidden before Chrome's one wake-up a minute (its IntensiveWakeUpThrottling grace period)" },
} as const satisfies OptionTable;

async function main(): Promise<void> {
  const { transports, seconds, everyMs, pollIntervalMs, intensiveAfterS: intensiveAfter } = commandOptions(OPTIONS, process.argv.slice(2), 'Usage: npm run bench:browser-hidden -- [options]');
  // Long enough for a poll of a page woken once a minute.
  const options: HiddenOptions = { seconds, everyMs, pollIntervalMs, drainMs: intensiveAfter === undefined ? 10_000 : 70_000 };
  const chromium = await launchChromiumAsUsers(intensiveAfter === undefined ? [] : [`IntensiveWakeUpThrottling:grace_period_seconds/${intensiveAfter}`]);
  try {
    console.log(
      `one member in a page of Chromium, in front or behind a newer tab; a Node client posts every ${everyMs} ms for ${seconds} s (short polling every ${pollIntervalMs} ms)${intensiveAfter === undefined ? '' : `; one wake-up a minute after ${intensiveAfter} s hidden`}:`,
    );
    console.log('transport      page     received      out of order  p50       p99       max       requests/s');
    for (const transport of transports as BrowserTransport[]) {
      for (const hidden of [false, true]) {
        const r = await measureHidden(chromium, transport, hidden, options);
        console.log(
          `${transport.padEnd(14)} ${r.visibility.padEnd(8)} ${`${r.received} of ${r.sent}`.padEnd(13)} ${String(r.outOfOrder).padEnd(13)} ${ms(quantile(r.latencies, 0.5)).padEnd(9)} ${ms(quantile(r.latencies, 0.99)).padEnd(9)} ${ms(quantile(r.latencies, 1)).padEnd(9)} ${r.requestsPerSecond.toFixed(1)}`,
        );
      }
    }
  } finally {
    await chromium.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(`error: ${(error as Error).message}`);
    process.exit(1);
  });
}
