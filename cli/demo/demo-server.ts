/**
 * The live page of `npm run demo` (issue 20): one chat server process per transport, started as
 * the bench starts them, a counting relay in front of each for the page, simulated members in this
 * process, and a page server on 127.0.0.1 that serves the page, its scripts (chart.js and Socket.IO's
 * browser client from the installed packages: no CDN) and three JSON routes:
 *
 * - `GET /config`: the transports, the relayed URL the page uses for each, the knobs;
 * - `GET /counters`: what each transport spent so far, the page's client (at its relay) and the
 *   members apart;
 * - `PUT /members` `{ "count": N }`: the simulated members per transport, answered once they joined.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { TRANSPORT_INFO } from '../../servers/contract/index.ts';
import type { OptionValues } from '../../servers/common/command-line/index.ts';
import { spawnServer, type ServerProcess } from '../../bench/run/spawn-server.ts';
import { loadAssets } from '../../report/assets.ts';
import { browserClientsFile, socketIoBundleFile } from '../../servers/clients/browser/index.ts';
import { MeterProxy } from '../../bench/generator/meter-proxy.ts';
import { DEMO_ROOM, Members } from './members.ts';
import type { DEMO_OPTIONS, DemoTransport } from './options.ts';

export type DemoOptions = OptionValues<typeof DEMO_OPTIONS> & { readonly transports: readonly DemoTransport[] };

/** One transport on the page. */
interface Lane {
  readonly transport: DemoTransport;
  readonly server: ServerProcess;
  readonly meter: MeterProxy;
  readonly members: Members;
}

export interface Demo {
  /** The page's URL. */
  readonly url: string;
  /** Stops the members, the relays, the servers and the page server. */
  close(): Promise<void>;
}

/** The largest `PUT /members` body read. */
const MAX_CONTROL_BODY = 1024;

function here(file: string): string {
  return fileURLToPath(new URL(file, import.meta.url));
}

/** The page's files, read once at start: the page itself, its script and style, and the two libraries it loads. */
function pageFiles(): ReadonlyMap<string, { type: string; body: string }> {
  return new Map([
    ['/', { type: 'text/html; charset=utf-8', body: readFileSync(here('./page.html'), 'utf8') }],
    ['/page.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(here('./page.js'), 'utf8') }],
    ['/clients.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(browserClientsFile(), 'utf8') }],
    ['/page.css', { type: 'text/css; charset=utf-8', body: readFileSync(here('./page.css'), 'utf8') }],
    ['/chart.umd.min.js', { type: 'text/javascript; charset=utf-8', body: loadAssets().chartJs }],
    ['/socket.io.min.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(socketIoBundleFile(), 'utf8') }],
  ]);
}

function json(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(value));
}

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of request) {
    body += String(chunk);
    if (body.length > MAX_CONTROL_BODY) throw new Error(`a body over ${MAX_CONTROL_BODY} bytes`);
  }
  return body;
}

/** The member count of a `PUT /members` body, or why it is refused. */
export function parseMemberCount(body: string, max: number): number | string {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return 'the body is not JSON; send {"count": N}';
  }
  const count = (value as { count?: unknown } | null)?.count;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > max) return `count must be an integer from 0 to ${max} (--max-members), got ${JSON.stringify(count)}`;
  return count;
}

export async function startDemo(options: DemoOptions, say: (line: string) => void = () => {}): Promise<Demo> {
  const files = pageFiles();
  const lanes: Lane[] = [];
  const page: Server = createServer((request, response) => void answer(request, response));
  const close = async () => {
    await Promise.allSettled(lanes.map((lane) => lane.members.close()));
    await Promise.allSettled(lanes.map((lane) => lane.meter.close()));
    await Promise.allSettled(lanes.map((lane) => lane.server.stop()));
    page.closeAllConnections();
    await new Promise<void>((resolve) => page.close(() => resolve()));
  };

  async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?', 1)[0] as string;
    try {
      const file = files.get(path);
      if (file !== undefined && request.method === 'GET') {
        response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body);
      } else if (path === '/config' && request.method === 'GET') {
        json(response, 200, {
          room: DEMO_ROOM,
          pollIntervalMs: options.pollIntervalMs,
          maxMembers: options.maxMembers,
          memberPostMs: options.memberPostMs,
          transports: lanes.map((lane) => ({ transport: lane.transport, label: TRANSPORT_INFO[lane.transport].label, url: `http://127.0.0.1:${lane.meter.port}` })),
        });
      } else if (path === '/counters' && request.method === 'GET') {
        json(response, 200, { at: Date.now(), transports: Object.fromEntries(lanes.map((lane) => [lane.transport, { page: lane.meter.counts(), members: lane.members.counts() }])) });
      } else if (path === '/members' && request.method === 'PUT') {
        const count = parseMemberCount(await readBody(request), options.maxMembers);
        if (typeof count === 'string') return json(response, 400, { code: 'BAD_REQUEST', message: count });
        await Promise.all(lanes.map((lane) => lane.members.resize(count)));
        say(`simulated members: ${count} per transport`);
        json(response, 200, { count });
      } else {
        json(response, 404, { code: 'NOT_FOUND', message: `no ${request.method} ${path} here` });
      }
    } catch (error) {
      if (!response.headersSent) json(response, 500, { code: 'INTERNAL', message: (error as Error).message });
    }
  }

  try {
    page.listen(options.port, '127.0.0.1');
    await Promise.race([once(page, 'listening'), once(page, 'error').then(([error]) => Promise.reject(new Error(`the page's port ${options.port}: ${(error as Error).message}`)))]);
    const origin = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
    for (const transport of options.transports) {
      say(`starting the ${TRANSPORT_INFO[transport].label} server`);
      // The page's origin is the one other origin each server lets in (CORS, and the WebSocket and Socket.IO handshakes).
      const server = await spawnServer(transport, ['--allowed-origins', origin]);
      const meter = await MeterProxy.start(server.url).catch(async (error: unknown) => {
        await server.stop();
        throw error;
      });
      lanes.push({ transport, server, meter, members: new Members(transport, server.url, options.pollIntervalMs, options.memberPostMs) });
    }
    return { url: `${origin}/`, close };
  } catch (error) {
    await close();
    throw error;
  }
}
