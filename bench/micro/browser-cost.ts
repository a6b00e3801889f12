/**
 * `npm run bench:browser-cost`: what a browser member costs this machine, the figures behind
 * bench/generator/browser-capacity.ts. For each arm a server of the transport is started in its
 * own process, and browser members (bench/generator/browser-members.ts) join one room: `pages`
 * pages of Chromium holding `members` members between them. Then, from /proc, Chromium's processes
 * are read:
 *
 * - idle: its CPU over `--idle-ms` with nothing to deliver, after as long again to settle;
 * - memory: its proportional set size (Pss) then;
 * - busy: its CPU per delivery while the members post in turn, one every 100 ms.
 *
 * Then what the DevTools protocol adds: the same page of five members, served from loopback
 * with the server's CORS, in a Chromium started by hand (no DevTools) and in one playwright-core
 * drives (which follows every request and frame of its pages), each busy as above.
 *
 *   npm run bench:browser-cost -- [--transport websocket] [--idle-ms 5000] [--busy-ms 5000]
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawnServer } from '../run/spawn-server.ts';
import { BrowserFleet, readChildren } from '../generator/browser-members.ts';
import { CHROMIUM_ARGS, launchChromium, spawnChromium } from '../generator/chromium.ts';
import { commandOptions, type OptionTable } from '../../servers/common/command-line/index.ts';
import { BROWSER_TRANSPORTS, browserClientsFile, type BrowserTransport } from '../../servers/clients/browser/index.ts';
import type { BenchClient } from '../transports.ts';
import { createClient } from '../../servers/clients/index.ts';

/** The arms: pages × members, so that one page's cost and one member's come apart. */
const ARMS = [
  { pages: 1, members: 1 },
  { pages: 1, members: 10 },
  { pages: 4, members: 4 },
  { pages: 10, members: 10 },
] as const;
/** Between two posts of the busy phase. */
const POST_EVERY_MS = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface ArmResult {
  readonly pages: number;
  readonly members: number;
  readonly idleCorePercent: number;
  readonly pssMiB: number;
  readonly processes: number;
  readonly deliveries: number;
  readonly cpuUsPerDelivery: number;
}

async function arm(transport: BrowserTransport, pages: number, members: number, idleMs: number, busyMs: number): Promise<ArmResult> {
  const server = await spawnServer(transport, []);
  let deliveries = 0;
  const fleet = await BrowserFleet.launch({ url: server.url, variant: { id: transport, transport, clients: 'browser' }, membersPerPage: Math.ceil(members / pages), onMessages: (_i, messages) => (deliveries += messages.length) });
  try {
    const clients: BenchClient[] = [];
    for (let i = 0; i < members; i++) {
      const client = fleet.member(i, 0);
      await client.connect();
      await client.subscribe('room');
      clients.push(client);
    }
    await sleep(idleMs);
    const idleFrom = readChildren();
    await sleep(idleMs);
    const idleTo = readChildren();
    const busyFrom = readChildren();
    const counted = deliveries;
    const started = performance.now();
    for (let k = 0; performance.now() - started < busyMs; k++) {
      await (clients[k % members] as BenchClient).send('room', { id: `m${k}`, from: 'cost', body: `cost|${k}|0|` });
      await sleep(POST_EVERY_MS);
    }
    await sleep(POST_EVERY_MS * 3);
    const busyTo = readChildren();
    const delivered = deliveries - counted;
    return {
      pages: fleet.pages,
      members,
      idleCorePercent: ((idleTo.cpuUs - idleFrom.cpuUs) / (idleMs * 1000)) * 100,
      pssMiB: idleTo.pssBytes / 2 ** 20,
      processes: idleTo.processes,
      deliveries: delivered,
      cpuUsPerDelivery: (busyTo.cpuUs - busyFrom.cpuUs) / Math.max(1, delivered),
    };
  } finally {
    await fleet.close();
    await server.stop();
  }
}

/** Members of the page that compares Chromium with and without DevTools. */
const DEVTOOLS_MEMBERS = 5;

/**
 * Chromium's CPU per delivery to a page of {@link DEVTOOLS_MEMBERS} members, the page served from
 * loopback (its own origin, the server's CORS listing it), in a Chromium started by hand
 * (`devtools` false) or by playwright-core; one post every 100 ms for `busyMs`, after `idleMs`.
 */
async function perDelivery(transport: BrowserTransport, devtools: boolean, idleMs: number, busyMs: number): Promise<{ deliveries: number; cpuUs: number }> {
  const page = createServer((request, response) => {
    if (request.url === '/clients.js') return void response.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(browserClientsFile()));
    response.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><script type="module">
import { openClient } from '/clients.js';
const base = new URL(location.href).searchParams.get('base');
for (let i = 0; i < ${DEVTOOLS_MEMBERS}; i++) { const c = openClient(${JSON.stringify(transport)}, { base, onMessages: () => {} }); await c.connect(); await c.subscribe('room'); }
</script>`);
  });
  page.listen(0, '127.0.0.1');
  await once(page, 'listening');
  const origin = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
  const server = await spawnServer(transport, ['--allowed-origins', origin]);
  const base = server.url.replace(/\/$/, '');
  const url = `${origin}/?base=${encodeURIComponent(base)}`;
  let stop: () => Promise<void>;
  if (devtools) {
    const browser = await launchChromium();
    await (await (await browser.newContext()).newPage()).goto(url);
    stop = () => browser.close();
  } else {
    stop = spawnChromium([...CHROMIUM_ARGS, url]).stop;
  }
  // The posts come from a Node client of the transport: the WebSocket server, for one, takes no HTTP post.
  const sender = await createClient(transport, { url: server.url });
  try {
    await sender.connect();
    await sleep(idleMs);
    const from = readChildren();
    let posts = 0;
    const started = performance.now();
    while (performance.now() - started < busyMs) {
      await sender.send('room', { id: `d${posts}`, from: 'cost', body: 'cost' });
      posts++;
      await sleep(POST_EVERY_MS);
    }
    await sleep(POST_EVERY_MS * 3);
    return { deliveries: posts * DEVTOOLS_MEMBERS, cpuUs: readChildren().cpuUs - from.cpuUs };
  } finally {
    await sender.close();
    await stop();
    await server.stop();
    page.close();
  }
}

const OPTIONS = {
  transport: { kind: 'string', default: 'websocket', choices: BROWSER_TRANSPORTS, doc: 'the transport of the members' },
  idleMs: { kind: 'int', default: 5000, min: 1000, max: 600_000, doc: "ms over which Chromium's idle CPU is read (after as long again to settle)" },
  busyMs: { kind: 'int', default: 5000, min: 1000, max: 600_000, doc: `ms during which the members post, one every ${POST_EVERY_MS} ms` },
} as const satisfies OptionTable;

async function main(): Promise<void> {
  const options = commandOptions(OPTIONS, process.argv.slice(2), 'Usage: npm run bench:browser-cost -- [options]');
  const { idleMs, busyMs } = options;
  const transport = options.transport as BrowserTransport;
  console.log(`browser members of ${transport}: Chromium's processes, from /proc (idle over ${idleMs} ms, busy while one member posts every ${POST_EVERY_MS} ms for ${busyMs} ms)`);
  console.log('pages  members  idle CPU (% of a core)  Pss (MiB)  processes  deliveries  CPU per delivery (µs)');
  for (const { pages, members } of ARMS) {
    const r = await arm(transport, pages, members, idleMs, busyMs);
    console.log(`${String(r.pages).padStart(5)}  ${String(r.members).padStart(7)}  ${r.idleCorePercent.toFixed(1).padStart(22)}  ${r.pssMiB.toFixed(0).padStart(9)}  ${String(r.processes).padStart(9)}  ${String(r.deliveries).padStart(10)}  ${r.cpuUsPerDelivery.toFixed(0).padStart(21)}`);
  }
  console.log(`\none page of ${DEVTOOLS_MEMBERS} members served from loopback, Chromium's CPU per delivery (its processes take 10 ms steps):`);
  for (const devtools of [false, true]) {
    const r = await perDelivery(transport, devtools, idleMs, busyMs);
    console.log(`  ${devtools ? 'driven by playwright-core (DevTools)' : 'started by hand (no DevTools)     '}  ${r.deliveries} deliveries, ${(r.cpuUs / 1000).toFixed(0)} ms, ${(r.cpuUs / r.deliveries).toFixed(0)} µs each`);
  }
}

main().catch((error: unknown) => {
  console.error(`error: ${(error as Error).message}`);
  process.exit(1);
});
