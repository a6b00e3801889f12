/**
 * `npm run bench:waiting-memory`: what answers waiting for clients that do not read cost a server
 * in memory, against what its waiting budget (`--max-waiting-bytes`) counts of them. A server of
 * the transport is started in its own process with caps high enough that nothing is cut; a room is
 * filled with messages; then clients that never read each send pipelined reads of the whole room
 * (HTTP: `GET` of the whole room; SSE: a stream from its start; WebSocket: a subscription from its start) and
 * the server's RSS, after a garbage collection, is read against its own `waitingBytes`. The ratio
 * is what the budget undercounts: 1 when it counts what the server holds.
 *
 *   npm run bench:waiting-memory -- [--transport long-polling] [--clients 10] [--reads 4]
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { spawnServer } from '../run/spawn-server.ts';
import { webSocketUrl } from '../../servers/websocket/client.ts';
import { BENCH_TRANSPORTS, factsOf, type BenchTransport } from '../model/results.ts';

const MiB = 2 ** 20;
/** The default: the held poll, the first transport of the registry that pushes over the polled HTTP routes. */
const HELD_POLL = BENCH_TRANSPORTS.find((t) => factsOf(t)?.group === 'push' && factsOf(t)?.http) as BenchTransport;
/**
 * The room's messages: 300 of 60,000 bytes, one whole read of it about 18 MB, well past what the
 * kernel takes of a connection that does not read (about 4 MB here), so that most of it waits in
 * the server. (Node's HTTP server reads a connection's next pipelined request only once the
 * answers before it have drained: one read a connection is what waits.)
 */
const MESSAGES = 300;
const BODY = 'x'.repeat(60_000);

async function post(url: string, i: number): Promise<void> {
  const response = await fetch(`${url}/rooms/r/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: `m${i}`, from: 'filler', body: BODY }) });
  if (response.status >= 300) throw new Error(`post ${i}: ${response.status} ${await response.text()}`);
}

/** A connection that sends its reads and never reads an answer. */
async function stalledHttp(url: string, path: string, reads: number, accept: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  socket.pause();
  for (let i = 0; i < reads; i++) socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\nAccept: ${accept}\r\n\r\n`);
  return socket;
}

async function stalledWs(url: string): Promise<WebSocket> {
  const ws = new WebSocket(webSocketUrl(url), { perMessageDeflate: false });
  ws.on('error', () => undefined);
  await once(ws, 'open');
  (ws as unknown as { _socket: Socket })._socket.pause();
  ws.send(JSON.stringify({ type: 'subscribe', room: 'w' }));
  return ws;
}

/**
 * The cursor before the room's first message. Cursors are opaque to clients; this project's servers
 * write them `EPOCH.ROOM.SEQ` (seq in base 36), so the head cursor a read without one answers gives
 * the others: the one of seq 0 reads the room from its start.
 */
async function start(url: string): Promise<string> {
  const response = await fetch(`${url}/rooms/r/messages`);
  const head = ((await response.json()) as { cursor?: string }).cursor;
  if (head === undefined || !/^[^.]+\.[^.]+\.[0-9a-z]+$/.test(head)) throw new Error(`no cursor of this project's form to read the room from (${response.status}, ${String(head)})`);
  return head.replace(/[0-9a-z]+$/, '0');
}

/** Posts over a WebSocket (the WebSocket server has no HTTP routes), each once acknowledged. */
async function wsPoster(url: string): Promise<(i: number) => Promise<void>> {
  const ws = new WebSocket(webSocketUrl(url), { perMessageDeflate: false });
  await once(ws, 'open');
  return async (i) => {
    const acked = new Promise<void>((resolve, reject) => {
      const on = (data: Buffer): void => {
        const frame = JSON.parse(String(data)) as { type: string; id?: string; error?: { message: string } };
        if (frame.type === 'ack' && frame.id === `m${i}`) resolve();
        else if (frame.type === 'error') reject(new Error(frame.error?.message ?? 'error'));
        else return;
        ws.off('message', on);
      };
      ws.on('message', on);
    });
    ws.send(JSON.stringify({ type: 'send', room: 'w', id: `m${i}`, from: 'filler', body: BODY }));
    await acked;
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { transport: { type: 'string', default: HELD_POLL }, clients: { type: 'string', default: '10' }, reads: { type: 'string', default: '4' } } });
  const transport = values.transport as BenchTransport;
  const clients = Number(values.clients);
  const reads = Number(values.reads);
  const server = await spawnServer(transport, ['--max-waiting-bytes', String(16 * 1024 * MiB), '--max-buffered-bytes', String(1024 * MiB), '--max-page-size', String(MESSAGES), '--max-body-bytes', String(BODY.length), '--max-payload-bytes', String(2 * BODY.length)]);
  // HTTP: the room is filled first, and each client reads all of it. A push transport paces a
  // replay to its client's reading, so its clients join first and the messages come live, every
  // one shared by all of them.
  const live = transport === 'sse' || transport === 'websocket';
  try {
    const send = transport === 'websocket' ? await wsPoster(server.url) : (i: number) => post(server.url, i);
    if (!live) for (let i = 0; i < MESSAGES; i++) await send(i);
    const from = encodeURIComponent(transport === 'websocket' ? '' : await start(server.url));
    const before = await server.mark('before', true);
    const stalled: { close(): void }[] = [];
    for (let c = 0; c < clients; c++) {
      if (transport === 'websocket') {
        const ws = await stalledWs(server.url);
        stalled.push({ close: () => ws.terminate() });
      } else {
        const path = transport === 'sse' ? `/rooms/r/events?cursor=${from}` : `/rooms/r/messages?cursor=${from}&limit=${MESSAGES}`;
        const socket = await stalledHttp(server.url, path, transport === 'sse' ? 1 : reads, transport === 'sse' ? 'text/event-stream' : 'application/json');
        stalled.push({ close: () => socket.destroy() });
      }
    }
    if (live) for (let i = 0; i < MESSAGES; i++) await send(i);
    // Until the server has written what it can and holds the rest: its count stops growing.
    let last = -1;
    let held = await server.mark('held', true);
    for (let i = 0; i < 100; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      held = await server.mark('held', true);
      const now = Number(held.stats.waitingBytes ?? 0) + Number(held.stats.maxBufferedBytes ?? 0);
      if (now === last) break;
      last = now;
    }
    const counted = Number(held.stats.waitingBytes ?? 0);
    const rss = held.rss - before.rss;
    const heap = held.heapUsed - before.heapUsed;
    console.log(JSON.stringify({ transport, clients, reads: transport === 'sse' || transport === 'websocket' ? 1 : reads, countedMiB: +(counted / MiB).toFixed(1), rssGrowthMiB: +(rss / MiB).toFixed(1), heapGrowthMiB: +(heap / MiB).toFixed(1), rssPerCountedByte: counted > 0 ? +(rss / counted).toFixed(2) : null }));
    for (const s of stalled) s.close();
  } finally {
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(`error: ${(error as Error).message}`);
  process.exit(1);
});
