/**
 * Browser members (`--clients browser`, issue 20): a generator's members as pages of the system's
 * Chromium (Debian's `chromium`, driven by playwright-core; no browser download), each page using
 * the platform's own fetch, EventSource and WebSocket, or Socket.IO's browser client, through the
 * contract's browser clients (`servers/clients/browser/clients.js`, the demo page's too).
 *
 * - Each page is its own browser context (its own cookies, cache and connection pool, as a
 *   separate browser is) and holds `membersPerPage` members; several members in one page share
 *   its six HTTP/1.1 connections to the server, as the tabs of one browser do.
 * - A page is of the origin of a counting relay (`MeterProxy`) in front of the server: its requests
 *   are same-origin (no preflight), and the relay counts the requests, bytes and connections that
 *   a browser does not show a page. The relay costs each message a hop through this process. In
 *   front of a TLS server it relays the encrypted bytes, so Chromium speaks TLS and HTTP/2 with the
 *   server itself, and the requests are counted as Chromium reports them to playwright-core.
 * - Receipts are stamped in the page at the event, on its wall clock (`performance.timeOrigin +
 *   performance.now()`, which Chromium coarsens to 0.1 ms), and sent here in batches; this process
 *   maps them to CLOCK_MONOTONIC by its own wall clock read the same way, so the mapping does not
 *   depend on how busy the browser is. It is checked against a round trip to each page once the
 *   members are set up (`clockErrorUs`: the difference found, plus half the shortest round trip).
 * - A send is handed to its page over the DevTools protocol {@link SEND_LEAD_US} ahead of its
 *   scheduled time, and the page sends it on its own timer, as a browser app sends when its user
 *   presses Enter: how late the page's send left (`dispatch`, its timer's lateness, or the hop when
 *   the hop took longer than the lead) is part of the member's latency, as a Node member's is.
 * - What Chromium costs (CPU and proportional memory of its processes) is read from /proc, and its
 *   CPU counts as the generator's: a browser that cannot keep up makes the trial generator-bound.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { monotonicUs } from '../../servers/common/self-report.ts';
import { emptyCounters, type ClientCounters, type SendResult } from '../../servers/clients/index.ts';
import type { ChatMessage, PostRequest } from '../../servers/contract/index.ts';
import { LatencyHistogram } from '../model/histogram.ts';
import type { Variant } from '../model/results.ts';
import { clockTicks, parseStatTicks } from '../run/proc-sampler.ts';
import type { BenchClient } from '../transports.ts';
import { CHROMIUM_PATH, launchChromium, servePageFiles } from './chromium.ts';
import { MeterProxy } from './meter-proxy.ts';

/** How far ahead of its time a send is handed to its page: far more than a DevTools round trip takes. */
export const SEND_LEAD_US = 50_000;

/** Chromium has settled once its processes use less than this share of a core over {@link SETTLE_STEP_MS}… */
const SETTLED_CORE_SHARE = 0.1;
const SETTLE_STEP_MS = 250;
/** …or after this long, whatever they use. */
const SETTLE_MAX_MS = 5000;

/** The check of a page's clock mapping: this many evaluations, the shortest round trip kept. */
const CLOCK_PROBES = 15;

/** CLOCK_MONOTONIC µs of a wall-clock reading in ms as a page makes it (`performance.timeOrigin + performance.now()`). */
function monotonicOfWall(wallMs: number): number {
  // This process's wall clock read as the page reads its own, against CLOCK_MONOTONIC at once.
  return Math.round(wallMs * 1000 - ((performance.timeOrigin + performance.now()) * 1000 - monotonicUs()));
}
/** How often a page of WebRTC members says what their peers' ICE transports carried (`getStats`): the bytes at a window's edge are that old at most. */
const CARRIED_EVERY_MS = 100;

/** The page's path on the relay's origin; never reaches the server (answered by the page's route). */
const PAGE_PATH = '/__bench/';

/** The page every member lives in: Socket.IO's bundle, the clients, and a small driver the generator calls. */
const PAGE_HTML = `<!doctype html><meta charset="utf-8"><title>bench members</title>
<script src="${PAGE_PATH}socket.io.min.js"></script>
<script type="module">
import { openClient } from '${PAGE_PATH}clients.js';
const members = new Map();
const carriers = [];
let bytesTimer;
let batch = [];
let flushing = false;
const flush = () => { flushing = false; const sent = batch; batch = []; window.benchDeliver(sent); };
window.bench = {
  async add(index, transport, options, room) {
    const client = openClient(transport, { ...options,
      onMessages: (r, messages, at) => { batch.push([index, performance.timeOrigin + at, messages]); if (!flushing) { flushing = true; setTimeout(flush, 0); } },
      onEvent: (type) => { if (type === 'reconnect' || type === 'error') window.benchEvent(type); } });
    members.set(index, client);
    if (client.bytes) {
      // A data channel's bytes are UDP, past the relay: its page says what its peers carried.
      carriers.push(client);
      bytesTimer ??= setInterval(async () => {
        let sent = 0, received = 0;
        for (const c of carriers) { const b = await c.bytes(); sent += b.sent; received += b.received; }
        window.benchBytes(sent, received);
      }, ${CARRIED_EVERY_MS});
    }
    await client.connect();
    return client.subscribe(room);
  },
  async sendAt(index, room, post, wallMs) {
    await new Promise((resolve) => setTimeout(resolve, wallMs - (performance.timeOrigin + performance.now())));
    const at = performance.timeOrigin + performance.now();
    const ack = await members.get(index).send(room, post);
    return { seq: ack.seq, cursor: ack.cursor, at };
  },
  close: () => Promise.all([...members.values()].map((m) => m.close())),
};
window.benchReady = true;
</script>`;

/** What Chromium's processes cost, summed: CPU (µs) and proportional set size (bytes). */
export interface BrowserReading {
  readonly cpuUs: number;
  readonly pssBytes: number;
  readonly processes: number;
}

/** The processes under `root` (not itself), from /proc's parent links. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const stack = [...(children.get(root) ?? [])];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/**
 * The processes this one started, now (a generator with browser members starts Chromium's alone):
 * CPU from /proc/PID/stat, memory as Pss of /proc/PID/smaps_rollup (shared pages split between
 * their sharers).
 */
export function readChildren(root: number = process.pid): BrowserReading {
  let ticks = 0;
  let pss = 0;
  let processes = 0;
  for (const pid of descendants(root)) {
    try {
      ticks += parseStatTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      const rollup = /^Pss:\s*(\d+)\s*kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      pss += rollup ? Number(rollup[1]) * 1024 : 0;
      processes++;
    } catch {
      // gone meanwhile
    }
  }
  return { cpuUs: (ticks * 1e6) / clockTicks(), pssBytes: pss, processes };
}

export interface BrowserFleetOptions {
  readonly url: string;
  readonly variant: Variant;
  readonly membersPerPage: number;
  /** A batch of messages member `index` received, at `atUs` (CLOCK_MONOTONIC µs). */
  readonly onMessages: (index: number, messages: readonly ChatMessage[], atUs: number) => void;
  /** Chromium or one of its pages went away before the fleet was closed (a crash, a kill, a page closed): said once. */
  readonly onFault?: (reason: string) => void;
}

/** The browser members of one generator. */
export class BrowserFleet {
  /** How late a member's page sent each post against its scheduled time, µs (its timer's lateness, or the DevTools hop when that took longer than the lead). */
  readonly dispatch = new LatencyHistogram();
  private readonly pagesMade = new Map<number, Promise<Page>>();
  private readonly events = { reconnects: 0, errors: 0 };
  /** Requests the pages made to the server, as Chromium reported them: counted where the relay cannot read them (TLS). */
  private pageRequests = 0;
  /** What each page's WebRTC peers carried, as it last said (UDP, which the relay does not see). */
  private readonly carried = new Map<number, { sent: number; received: number }>();
  private closing = false;
  private faulted = false;

  private constructor(
    private readonly browser: Browser,
    private readonly relay: MeterProxy,
    private readonly options: BrowserFleetOptions,
  ) {
    browser.on('disconnected', () => this.fault('Chromium exited'));
  }

  /** Says, once, that members stopped: what they were sent stays acknowledged at the server, what they missed is counted lost. */
  private fault(what: string): void {
    if (this.closing || this.faulted) return;
    this.faulted = true;
    this.options.onFault?.(`${what} mid-run: its browser members stopped receiving and sending`);
  }

  static async launch(options: BrowserFleetOptions): Promise<BrowserFleet> {
    const relay = await MeterProxy.start(options.url);
    try {
      const browser = await launchChromium();
      return new BrowserFleet(browser, relay, options);
    } catch (error) {
      await relay.close();
      throw new Error(`cannot start Chromium at ${CHROMIUM_PATH} for browser members (apt-get install chromium, or set CHROMIUM_PATH): ${(error as Error).message.split('\n')[0]}`, { cause: error });
    }
  }

  /** How far ahead of its time the generator hands a member's send to this fleet ({@link SEND_LEAD_US}). */
  readonly sendLeadUs = SEND_LEAD_US;

  /**
   * Waits until Chromium has settled after its pages were made (their renderers start, compile
   * and lay out for a while): until its processes used less than {@link SETTLED_CORE_SHARE} of a
   * core over {@link SETTLE_STEP_MS}, or {@link SETTLE_MAX_MS} passed. Resolves with the wait, ms.
   */
  async settle(): Promise<number> {
    const started = performance.now();
    let last = readChildren().cpuUs;
    while (performance.now() - started < SETTLE_MAX_MS) {
      await new Promise((resolve) => setTimeout(resolve, SETTLE_STEP_MS));
      const now = readChildren().cpuUs;
      const share = (now - last) / (SETTLE_STEP_MS * 1000);
      last = now;
      if (share < SETTLED_CORE_SHARE) break;
    }
    return Math.round(performance.now() - started);
  }

  /** What Chromium's processes cost so far. */
  reading(): BrowserReading {
    return readChildren();
  }

  get pages(): number {
    return this.pagesMade.size;
  }

  /**
   * Checks every page's clock mapping against a round trip: the largest, over the pages, of the
   * difference between the page's mapped reading and the middle of the shortest of
   * {@link CLOCK_PROBES} round trips, plus half that round trip. Taken once the members are set up.
   */
  async checkClocks(): Promise<number> {
    let worst = 0;
    for (const page of await Promise.all(this.pagesMade.values())) {
      let best = { errorUs: Infinity, roundTripUs: Infinity };
      for (let i = 0; i < CLOCK_PROBES; i++) {
        const before = monotonicUs();
        const wallMs = await page.evaluate(() => performance.timeOrigin + performance.now());
        const after = monotonicUs();
        if (after - before < best.roundTripUs) best = { roundTripUs: after - before, errorUs: Math.abs(monotonicOfWall(wallMs) - (before + after) / 2) + (after - before) / 2 };
      }
      worst = Math.max(worst, best.errorUs);
    }
    return Math.round(worst);
  }

  /** Counters of every member, as a Node client counts its own: the relay's, and the pages' events. */
  counters(): ClientCounters {
    const wire = this.relay.counts();
    const carried = [...this.carried.values()];
    const sent = wire.sent + carried.reduce((n, c) => n + c.sent, 0);
    const received = wire.received + carried.reduce((n, c) => n + c.received, 0);
    return { ...emptyCounters(), requests: this.relay.readsRequests ? wire.requests : this.pageRequests, connections: wire.connections, bytesWritten: sent, bytesRead: received, reconnects: this.events.reconnects, errors: this.events.errors };
  }

  /** Member `index`, in page `index / membersPerPage`, as the generator's client of it (its room is given to `subscribe`). */
  member(index: number, pollPhaseMs: number): BenchClient {
    const made = this.page(Math.floor(index / this.options.membersPerPage));
    const { variant } = this.options;
    const transport = variant.transport;
    const clientOptions = {
      ...(variant.pollIntervalMs === undefined ? {} : { pollIntervalMs: variant.pollIntervalMs }),
      ...(variant.waitMs === undefined ? {} : { waitMs: variant.waitMs }),
      ...(variant.engine === undefined ? {} : { engine: variant.engine }),
      pollPhaseMs,
    };
    const cursors = new Map<string, string>();
    return {
      transport,
      connect: async () => void (await made),
      subscribe: async (room) => {
        const page = await made;
        const base = this.relay.origin;
        const cursor = await page.evaluate(([i, t, o, r]) => (globalThis as unknown as { bench: { add(...a: unknown[]): Promise<string> } }).bench.add(i, t, o, r), [index, transport, { ...clientOptions, base }, room] as const);
        cursors.set(room, cursor);
        return cursor;
      },
      unsubscribe: () => {
        throw new Error('a browser member does not leave its room');
      },
      send: (room: string, post: PostRequest) => this.sendAt(index, room, post, monotonicUs()),
      cursor: (room) => cursors.get(room),
      get counters() {
        // The members' counters are the fleet's, read once for all (`BrowserFleet.counters`).
        return emptyCounters();
      },
      close: async () => undefined,
    };
  }

  /** Member `index` sends `post` at `atUs` (CLOCK_MONOTONIC), on its page's timer; resolves with the acknowledgement. */
  async sendAt(index: number, room: string, post: PostRequest, atUs: number): Promise<SendResult> {
    const page = await this.page(Math.floor(index / this.options.membersPerPage));
    const wallMs = (atUs - monotonicOfWall(0)) / 1000;
    const ack = await page.evaluate(
      ([i, r, p, w]) => (globalThis as unknown as { bench: { sendAt(...a: unknown[]): Promise<{ seq: number; cursor: string; at: number }> } }).bench.sendAt(i, r, p, w),
      [index, room, post, wallMs] as const,
    );
    this.dispatch.record(Math.max(1, monotonicOfWall(ack.at) - atUs));
    return { seq: ack.seq, cursor: ack.cursor };
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.browser.close().catch(() => undefined);
    await this.relay.close();
  }

  /** Page `n`, made on first use. */
  private page(n: number): Promise<Page> {
    let made = this.pagesMade.get(n);
    if (!made) this.pagesMade.set(n, (made = this.openPage(n)));
    return made;
  }

  private async openPage(n: number): Promise<Page> {
    // A TLS server's certificate is its own, made at start: the members trust it, as the Node members are given it.
    const context = await this.browser.newContext(this.relay.readsRequests ? {} : { ignoreHTTPSErrors: true });
    const page = await context.newPage();
    page.on('crash', () => this.fault(`page ${n + 1} of Chromium crashed`));
    page.on('close', () => this.fault(`page ${n + 1} of Chromium was closed`));
    const origin = this.relay.origin;
    await servePageFiles(page, origin, PAGE_PATH, PAGE_HTML);
    if (!this.relay.readsRequests) {
      // Through TLS the relay sees no request: each one the page makes to the server (an HTTP/2
      // stream is one) is counted as Chromium reports it, a WebSocket's handshake too.
      const counted = (url: string) => url.startsWith(origin) && !new URL(url).pathname.startsWith(PAGE_PATH);
      page.on('request', (request) => void (counted(request.url()) && this.pageRequests++));
      page.on('websocket', (socket) => void (counted(socket.url().replace(/^wss:/, 'https:')) && this.pageRequests++));
    }
    await page.exposeBinding('benchDeliver', (_source, batch: [number, number, ChatMessage[]][]) => {
      for (const [index, wallMs, messages] of batch) this.options.onMessages(index, messages, monotonicOfWall(wallMs));
    });
    await page.exposeBinding('benchBytes', (_source, sent: number, received: number) => void this.carried.set(n, { sent, received }));
    await page.exposeBinding('benchEvent', (_source, type: string) => {
      if (type === 'reconnect') this.events.reconnects++;
      else this.events.errors++;
    });
    await page.goto(`${origin}${PAGE_PATH}`);
    await page.waitForFunction(() => (globalThis as unknown as { benchReady?: boolean }).benchReady === true);
    return page;
  }
}
