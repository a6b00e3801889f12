/**
 * `npm run bench:socketio-recovery`: what Socket.IO's connection state recovery gets back after a
 * dropped connection, beside the contract's cursors (issue 19).
 *
 * Receivers in one room connect through a proxy that drops every connection through it, again
 * and again, and refuses new ones for an outage; a sender, connected past the proxy, posts
 * numbered messages to the room throughout. Each arm counts the receivers' reconnects, how many
 * came back recovered, and the messages sent that a receiver never got:
 *
 * - `csr-reset`: a Socket.IO server as its documentation writes one (join a room, `io.to(room).emit`)
 *   with `connectionStateRecovery` on, its other settings Socket.IO's defaults; the drop resets
 *   both sides of each connection, so the server sees it at once.
 * - `csr-silent`: the same, but the drop is silent towards the server (a phone that changes
 *   networks: no FIN, no RST reaches it); the server sees it at its ping timeout only.
 * - `csr-silent-fast-ping`: as `csr-silent`, with engine.io's ping interval and timeout a quarter
 *   of the outage each, so that the server sees the drop before the receiver comes back.
 * - `csr-expired`: as `csr-reset`, with `maxDisconnectionDuration` shorter than the outage.
 * - `cursors-reset`, `cursors-silent`: this project's Socket.IO server and client, which come back
 *   with the contract's cursors (Socket.IO's recovery off).
 *
 * A plain Socket.IO receiver that comes back unrecovered joins the room again, as such an app does:
 * what was sent meanwhile is gone, and nothing tells it so. Everything runs in this process on
 * loopback. Prints one JSON line per arm; exits 1 when the cursors lose a message.
 *
 *   npm run bench:socketio-recovery -- [--clients 20] [--drops 5] [--rate 20] [--outage-ms 1000] [--every-ms 1000]
 */
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Server as IoServer } from 'socket.io';
import { io as ioClient, type Socket as IoClientSocket } from 'socket.io-client';
import { createChatServer } from '../../servers/index.ts';
import { createClient } from '../../servers/transports.ts';
import type { ChatClient } from '../../servers/clients/types.ts';

const ROOM = 'r';

/** How a drop reaches the server: `reset` both sides at once; `silent`, the client's side only. */
export type DropMode = 'reset' | 'silent';

/**
 * A TCP proxy that can drop every connection through it and refuse new ones for a while. A silent
 * drop keeps the server's side open and stops reading it, as a path that went away would.
 */
export class DropProxy {
  private readonly server: Server;
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();
  private readonly silenced: Socket[] = [];
  private down = false;

  constructor(private readonly upstreamPort: number) {
    this.server = createServer((client) => {
      client.on('error', () => undefined);
      if (this.down) return void client.resetAndDestroy();
      const upstream = connect(this.upstreamPort, '127.0.0.1');
      upstream.on('error', () => undefined);
      const pair = { client, upstream };
      this.pairs.add(pair);
      client.pipe(upstream);
      upstream.pipe(client);
      const end = (): void => {
        if (!this.pairs.delete(pair)) return;
        client.destroy();
        upstream.destroy();
      };
      client.once('close', end);
      upstream.once('close', end);
    });
  }

  async listen(): Promise<number> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return (this.server.address() as AddressInfo).port;
  }

  /** Drops every connection, and refuses new ones until {@link restore}. */
  drop(mode: DropMode): void {
    this.down = true;
    for (const pair of [...this.pairs]) {
      this.pairs.delete(pair);
      pair.client.unpipe(pair.upstream);
      pair.upstream.unpipe(pair.client);
      if (mode === 'silent') {
        pair.upstream.pause();
        this.silenced.push(pair.upstream);
      } else pair.upstream.resetAndDestroy();
      pair.client.resetAndDestroy();
    }
  }

  restore(): void {
    this.down = false;
  }

  async close(): Promise<void> {
    this.down = true;
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    for (const socket of this.silenced) socket.destroy();
    this.server.close();
    await once(this.server, 'close');
  }
}

export interface RecoveryOptions {
  readonly clients: number;
  readonly drops: number;
  /** Messages the sender posts a second. */
  readonly rate: number;
  /** How long the proxy refuses connections after each drop. */
  readonly outageMs: number;
  /** How long the receivers receive, once all are back, before the next drop (and after the last). */
  readonly everyMs: number;
}

export interface ArmResult {
  readonly arm: string;
  readonly clients: number;
  readonly drops: number;
  readonly sent: number;
  /** Times a receiver came back after a drop. */
  readonly reconnects: number;
  /** Of those, the ones that came back with what they had missed: `socket.recovered`, or the cursors resumed. */
  readonly recovered: number;
  /** Messages sent to the room that a receiver never got, summed over receivers. */
  readonly missed: number;
  /** Messages a receiver got twice or more, summed. */
  readonly duplicated: number;
  /** Socket.IO's recovery: the packets its adapter still held at the end (every broadcast of the last `maxDisconnectionDuration`). */
  readonly packetsHeld?: number;
}

/** The receivers' ledger: the numbers each got. */
class Ledger {
  readonly got: Map<number, number>[];
  constructor(clients: number) {
    this.got = Array.from({ length: clients }, () => new Map());
  }
  record(client: number, n: number): void {
    const seen = this.got[client] as Map<number, number>;
    seen.set(n, (seen.get(n) ?? 0) + 1);
  }
  /** Whether every receiver has `n`. */
  hasAll(n: number): boolean {
    return this.got.every((seen) => seen.has(n));
  }
  count(sent: number): { missed: number; duplicated: number } {
    let missed = 0;
    let duplicated = 0;
    for (const seen of this.got) {
      for (let n = 1; n <= sent; n++) if (!seen.has(n)) missed++;
      for (const times of seen.values()) if (times > 1) duplicated += times - 1;
    }
    return { missed, duplicated };
  }
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

/** Waits until `ready` holds, checking every 20 ms, for at most `boundMs`; answers whether it held. */
async function until(ready: () => boolean, boundMs: number): Promise<boolean> {
  const end = Date.now() + boundMs;
  while (!ready()) {
    if (Date.now() > end) return false;
    await sleep(20);
  }
  return true;
}

/** How long the end of an arm waits for the receivers to come back and catch up: a bound, not a pause. */
const CATCH_UP_BOUND_MS = 10_000;

/**
 * The schedule every arm runs: the sender posts throughout; the proxy drops everything, refuses
 * connections for `outageMs`, and drops again `everyMs` after every receiver came back (so that
 * each drop meets every receiver connected); then the receivers are given until they all have the
 * last message (or the bound) before the ledger is read. `reconnects` is each receiver's count.
 */
async function runSchedule(options: RecoveryOptions, proxy: DropProxy, mode: DropMode, post: (n: number) => Promise<void>, ledger: Ledger, reconnects: readonly number[]): Promise<number> {
  let sent = 0;
  let sending = true;
  const sender = (async () => {
    while (sending) {
      sent++;
      await post(sent);
      await sleep(1000 / options.rate);
    }
  })();
  for (let d = 0; d < options.drops; d++) {
    await sleep(options.everyMs);
    proxy.drop(mode);
    await sleep(options.outageMs);
    proxy.restore();
    if (!(await until(() => reconnects.every((r) => r > d), CATCH_UP_BOUND_MS))) throw new Error(`after drop ${d + 1}, receivers ${reconnects.flatMap((r, c) => (r > d ? [] : [c])).join(', ')} did not come back within ${CATCH_UP_BOUND_MS} ms`);
  }
  await sleep(options.everyMs);
  sending = false;
  await sender;
  await until(() => ledger.hasAll(sent), CATCH_UP_BOUND_MS);
  return sent;
}

/** What every arm puts in front of its server: the proxy its receivers go through, their ledger and reconnect counts. */
async function inFront(port: number, clients: number): Promise<{ proxy: DropProxy; proxyUrl: string; ledger: Ledger; reconnects: number[] }> {
  const proxy = new DropProxy(port);
  const proxyUrl = `http://127.0.0.1:${await proxy.listen()}`;
  return { proxy, proxyUrl, ledger: new Ledger(clients), reconnects: Array.from({ length: clients }, () => 0) };
}

/** Socket.IO as its documentation writes a chat, recovery on, through the proxy. */
async function socketIoArm(arm: string, options: RecoveryOptions, mode: DropMode, maxDisconnectionDuration: number, pingMs?: number): Promise<ArmResult> {
  const http = createHttpServer();
  const ping = pingMs === undefined ? {} : { pingInterval: pingMs, pingTimeout: pingMs };
  const io = new IoServer(http, { connectionStateRecovery: { maxDisconnectionDuration }, serveClient: false, ...ping });
  io.on('connection', (socket) => {
    socket.on('join', (room: string) => void socket.join(room));
    socket.on('post', (room: string, n: number, ack: () => void) => {
      io.to(room).emit('message', n);
      ack();
    });
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const port = (http.address() as AddressInfo).port;
  const { proxy, proxyUrl, ledger, reconnects } = await inFront(port, options.clients);
  let recovered = 0;
  const receivers: IoClientSocket[] = [];
  const joined = new Set<number>();
  for (let c = 0; c < options.clients; c++) {
    const socket = ioClient(proxyUrl, { transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 500, forceNew: true });
    let first = true;
    socket.on('connect', () => {
      if (!first) {
        if (socket.recovered) recovered++;
        reconnects[c] = (reconnects[c] ?? 0) + 1;
      }
      first = false;
      // Unrecovered (or new), the app joins its room again; recovered, Socket.IO restored it.
      if (!socket.recovered) socket.emit('join', ROOM);
      joined.add(c);
    });
    socket.on('disconnect', () => joined.delete(c));
    socket.on('message', (n: number) => ledger.record(c, n));
    receivers.push(socket);
  }
  const sender = ioClient(`http://127.0.0.1:${port}`, { transports: ['websocket'], forceNew: true });
  await until(() => joined.size === options.clients && sender.connected, CATCH_UP_BOUND_MS);
  // A receiver's first join is in flight with its connect: the first message waits for all of them.
  await until(() => io.sockets.adapter.rooms.get(ROOM)?.size === options.clients, CATCH_UP_BOUND_MS);
  const sent = await runSchedule(options, proxy, mode, (n) => sender.timeout(5000).emitWithAck('post', ROOM, n), ledger, reconnects);
  const packetsHeld = (io.of('/').adapter as unknown as { packets?: unknown[] }).packets?.length;
  for (const socket of [...receivers, sender]) socket.disconnect();
  await proxy.close();
  await io.close();
  return { arm, clients: options.clients, drops: options.drops, sent, reconnects: sum(reconnects), recovered, ...ledger.count(sent), ...(packetsHeld === undefined ? {} : { packetsHeld }) };
}

/** This project's Socket.IO server and client: the contract's cursors, through the proxy. */
async function cursorsArm(arm: string, options: RecoveryOptions, mode: DropMode): Promise<ArmResult> {
  const server = await createChatServer('socketio', { port: 0 });
  const url = await server.listen();
  const { proxy, proxyUrl, ledger, reconnects } = await inFront(Number(new URL(url).port), options.clients);
  let expired = 0;
  const receivers: ChatClient[] = [];
  for (let c = 0; c < options.clients; c++) {
    const client = await createClient('socketio', {
      url: proxyUrl,
      engine: 'websocket',
      onMessages: (_room, messages) => {
        for (const m of messages) ledger.record(c, Number(m.body));
      },
      onEvent: (event) => {
        if (event.type === 'reconnected') reconnects[c] = (reconnects[c] ?? 0) + 1;
        if (event.type === 'cursor-expired') expired++;
      },
    });
    await client.connect();
    await client.subscribe(ROOM);
    receivers.push(client);
  }
  const sender = await createClient('socketio', { url, engine: 'websocket' });
  await sender.connect();
  const sent = await runSchedule(options, proxy, mode, async (n) => void (await sender.send(ROOM, { id: `m${n}`, from: 'sender', body: String(n) })), ledger, reconnects);
  await Promise.all([...receivers, sender].map((c) => c.close()));
  await proxy.close();
  await server.close();
  return { arm, clients: options.clients, drops: options.drops, sent, reconnects: sum(reconnects), recovered: sum(reconnects) - expired, ...ledger.count(sent) };
}

/** Socket.IO's default `maxDisconnectionDuration`: two minutes. */
const SOCKET_IO_MAX_DISCONNECTION_MS = 2 * 60_000;

/** The arms, by name, in the order a run measures them. */
export const ARMS = {
  'csr-reset': (options: RecoveryOptions) => socketIoArm('csr-reset', options, 'reset', SOCKET_IO_MAX_DISCONNECTION_MS),
  'csr-silent': (options: RecoveryOptions) => socketIoArm('csr-silent', options, 'silent', SOCKET_IO_MAX_DISCONNECTION_MS),
  // Silent again, with engine.io's ping (25 s + 20 s by default) short enough that the server
  // sees the drop within the outage: the session is kept only from then on.
  'csr-silent-fast-ping': (options: RecoveryOptions) => socketIoArm('csr-silent-fast-ping', options, 'silent', SOCKET_IO_MAX_DISCONNECTION_MS, Math.max(1, Math.floor(options.outageMs / 4))),
  'csr-expired': (options: RecoveryOptions) => socketIoArm('csr-expired', options, 'reset', Math.max(1, Math.floor(options.outageMs / 2))),
  'cursors-reset': (options: RecoveryOptions) => cursorsArm('cursors-reset', options, 'reset'),
  'cursors-silent': (options: RecoveryOptions) => cursorsArm('cursors-silent', options, 'silent'),
} as const satisfies Readonly<Record<string, (options: RecoveryOptions) => Promise<ArmResult>>>;

function positive(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`error: --${name} must be a positive integer, got "${String(value)}"`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      clients: { type: 'string', default: '20' },
      drops: { type: 'string', default: '5' },
      rate: { type: 'string', default: '20' },
      'outage-ms': { type: 'string', default: '1000' },
      'every-ms': { type: 'string', default: '1000' },
    },
  });
  const options: RecoveryOptions = {
    clients: positive('clients', values.clients),
    drops: positive('drops', values.drops),
    rate: positive('rate', values.rate),
    outageMs: positive('outage-ms', values['outage-ms']),
    everyMs: positive('every-ms', values['every-ms']),
  };
  let lost = false;
  const arms = Object.entries(ARMS);
  for (const [k, [name, measure]] of arms.entries()) {
    console.error(`» [${k + 1}/${arms.length}] ${name}: ${options.clients} receivers, ${options.drops} drops, each followed by ${options.outageMs} ms refused and ${options.everyMs} ms once all are back, ${options.rate} messages a second`);
    const arm = await measure(options);
    console.log(JSON.stringify(arm));
    if (arm.arm.startsWith('cursors') && (arm.missed > 0 || arm.duplicated > 0)) lost = true;
  }
  process.exit(lost ? 1 : 0);
}

if (import.meta.filename === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(`error: ${(error as Error).message}`);
    process.exit(1);
  });
}
