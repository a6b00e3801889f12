/**
 * Clients beside the measured members, for the soak (`Workload.bystanders`): they join the same
 * rooms but are not receivers of the ledger, so what they cost the server shows in its memory and
 * its slots, not in the delivery figures.
 *
 * - A **non-reader** subscribes and never reads again: its socket is paused once the request is
 *   out (the SSE stream, the held poll) or once the first frame came (WebSocket). The server's
 *   answers pile up in the kernel's buffers and then in the server, until its per-client cap or
 *   its waiting budget cuts the client (the server counts its cuts). That is a stream's (SSE,
 *   WebSocket) non-reader; a polling one holds a single answer (its held poll, answered, or a read
 *   of the room) and exercises the server's slots rather than its budget. A paused socket cannot see
 *   its cut (the FIN waits behind the unread bytes), so after `stallMs` on average the non-reader
 *   drops its connection and subscribes again, stalled afresh, as a frozen tab reloaded does:
 *   the load stays for the whole window.
 * - A **leaver** subscribes, reads what comes for a while (`stayMs` on average, drawn from the
 *   seed), then leaves abruptly: the socket destroyed (a TCP FIN at once, no goodbye), and
 *   subscribes again on a new connection. Each leave is a slot the server must give back.
 *
 * The requests are written by hand on plain sockets, so that nothing buffers or reads for them:
 * the contract's paths (servers/contract/README.md), one request per connection.
 */
import { once } from 'node:events';
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { WebSocket } from 'ws';
import type { BenchTransport, Workload } from '../model/results.ts';
import { BENCH_REGISTRY, type BenchEntry } from '../transports.ts';
import { webSocketUrl } from '../../servers/websocket/client.ts';
import type { BystanderCounts } from './ipc.ts';

export type BystanderSpec = NonNullable<Workload['bystanders']>;

export interface BystanderOptions {
  readonly url: string;
  readonly transport: BenchTransport;
  readonly rooms: readonly string[];
  readonly spec: BystanderSpec;
  readonly random: () => number;
  readonly token?: string;
  readonly ca?: string;
  /** Long polling: the `wait` of a held poll. */
  readonly waitMs?: number;
  /** Short polling: ms between a leaver's polls. */
  readonly pollIntervalMs?: number;
  /** Source addresses to spread the connections over (loopback only). */
  readonly sourceAddresses?: readonly string[];
}

/** How long a bystander waits before coming back after a failure or a cut. */
const RETRY_MS = 250;
/** The longest a connect, or a WebSocket's handshake and first answer, may take before it counts as failed. */
const JOIN_TIMEOUT_MS = 10_000;

/** Resolves `'timeout'` after `ms` (the timer does not keep the process alive). */
function timeout(ms: number): Promise<'timeout'> {
  return new Promise((resolve) => setTimeout(() => resolve('timeout'), ms).unref());
}

/** How a bystander joins a room of a transport (`BenchEntry.bystanders`). */
type JoinKind = NonNullable<BenchEntry<BenchTransport>['bystanders']>;

/** The read of `room` from `cursor` (absent: the head), as the transport's clients ask for it. */
function readPath(kind: JoinKind, room: string, cursor: string | undefined, waitMs: number): string {
  const path = `/rooms/${encodeURIComponent(room)}`;
  if (kind === 'stream') return `${path}/events`;
  if (cursor === undefined) return `${path}/messages`;
  const held = kind === 'held-poll' ? `&wait=${waitMs}` : '';
  return `${path}/messages?cursor=${encodeURIComponent(cursor)}${held}`;
}

export class Bystanders {
  private readonly sockets = new Set<Socket>();
  private readonly webSockets = new Set<WebSocket>();
  private readonly requests = new Set<ReturnType<typeof httpRequest>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private next = 0;
  private readonly counts = { nonReaderJoins: 0, nonReaderReturns: 0, leaves: 0, failures: 0 };

  /** How they join a room of this transport. */
  private readonly kind: JoinKind;

  constructor(private readonly options: BystanderOptions) {
    const kind = (BENCH_REGISTRY[options.transport] as BenchEntry<BenchTransport>).bystanders;
    if (!kind) {
      const spoken = Object.entries(BENCH_REGISTRY).flatMap(([t, e]) => ((e as BenchEntry<BenchTransport>).bystanders ? [t] : []));
      throw new Error(`bystanders are not made for ${options.transport}: they speak ${spoken.join(', ')}`);
    }
    this.kind = kind;
  }

  /** Subscribes every non-reader and leaver; resolves once each has made its first attempt. */
  async start(): Promise<void> {
    const { rooms, spec } = this.options;
    const first: Promise<void>[] = [];
    for (const room of rooms) {
      for (let i = 0; i < spec.nonReaders; i++) first.push(this.nonReader(room));
      for (let i = 0; i < spec.leavers; i++) first.push(this.leaver(room));
    }
    await Promise.all(first);
  }

  /** What they did so far. */
  result(): BystanderCounts {
    return { ...this.counts };
  }

  /** Closes every bystander, and none comes back. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    for (const socket of this.sockets) socket.destroy();
    for (const ws of this.webSockets) ws.terminate();
    for (const request of this.requests) request.destroy();
  }

  private later(ms: number, then: () => void): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) then();
    }, ms);
    this.timers.add(timer);
  }

  private localAddress(): string | undefined {
    const sources = this.options.sourceAddresses ?? [];
    return sources.length > 0 ? sources[this.next++ % sources.length] : undefined;
  }

  /** A stay of `stayMs` on average: uniform over half to one and a half of it. */
  private stay(): number {
    return this.options.spec.stayMs * (0.5 + this.options.random());
  }

  /** A non-reader's stall, `stallMs` on average, drawn alike. */
  private stall(): number {
    return this.options.spec.stallMs * (0.5 + this.options.random());
  }

  private async nonReader(room: string): Promise<void> {
    if (this.stopped) return;
    const back = (): void => this.later(RETRY_MS, () => void this.nonReader(room));
    if (this.kind === 'socket') {
      const ws = await this.webSocket(room, true);
      if (!ws) return back();
      return this.stalled(room, () => {
        ws.terminate();
        this.webSockets.delete(ws);
      });
    }
    // A held poll from the head: held until the room's next message, which it then never reads.
    const cursor = this.kind === 'held-poll' ? await this.head(room) : undefined;
    if (this.kind === 'held-poll' && cursor === undefined) return back();
    const socket = await this.request(room, cursor);
    if (!socket) return back();
    // Never read: what the server sends stays in the kernel's buffers, then in the server.
    socket.pause();
    this.stalled(room, () => {
      socket.destroy();
      this.sockets.delete(socket);
    });
  }

  /** A non-reader joined: after its stall it drops its connection and joins again, stalled afresh. */
  private stalled(room: string, drop: () => void): void {
    this.counts.nonReaderJoins++;
    this.later(this.stall(), () => {
      drop();
      this.counts.nonReaderReturns++;
      void this.nonReader(room);
    });
  }

  private async leaver(room: string): Promise<void> {
    if (this.stopped) return;
    const again = (ms: number): void => this.later(ms, () => void this.leaver(room));
    if (this.kind === 'socket') {
      const ws = await this.webSocket(room, false);
      if (!ws) return again(RETRY_MS);
      this.later(this.stay(), () => {
        this.counts.leaves++;
        ws.terminate();
        this.webSockets.delete(ws);
        again(0);
      });
      return;
    }
    // Its loop runs on its own: start() waits for each bystander's first join, not a whole stay.
    if (this.kind !== 'stream') {
      void this.pollingLeaver(room);
      return;
    }
    const socket = await this.request(room, undefined);
    if (!socket) return again(RETRY_MS);
    // Reads (and drops) what comes, then leaves mid-stay, whatever the server was doing.
    socket.resume();
    this.later(this.stay(), () => {
      this.counts.leaves++;
      socket.destroy();
      this.sockets.delete(socket);
      again(0);
    });
  }

  /**
   * A polling leaver: polls as the transport's clients do (held polls back to back; short polls
   * every interval) on one kept-alive connection, and at the end of its stay destroys it,
   * whatever the poll was doing (a long poll is then most often held; a short poll most often
   * between requests, its connection idle).
   */
  private async pollingLeaver(room: string): Promise<void> {
    const leaveAt = performance.now() + this.stay();
    const secure = new URL(this.options.url).protocol === 'https:';
    const agent = secure ? new HttpsAgent({ keepAlive: true, maxSockets: 1, ...(this.options.ca === undefined ? {} : { ca: this.options.ca }) }) : new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      await this.pollUntil(room, leaveAt, agent);
    } finally {
      agent.destroy();
    }
  }

  private async pollUntil(room: string, leaveAt: number, agent: Agent): Promise<void> {
    let cursor = await this.head(room, agent);
    while (!this.stopped && cursor !== undefined) {
      const left = leaveAt - performance.now();
      if (left <= 0) break;
      const answer = await this.get(readPath(this.kind, room, cursor, this.options.waitMs ?? 25_000), left, agent);
      if (answer === 'left') break;
      if (answer === undefined) {
        cursor = undefined;
        break;
      }
      cursor = (answer as { cursor?: string }).cursor ?? cursor;
      if (this.kind === 'poll') await new Promise((resolve) => setTimeout(resolve, Math.min(this.options.pollIntervalMs ?? 1000, Math.max(0, leaveAt - performance.now()))));
    }
    if (this.stopped) return;
    if (cursor === undefined) return this.later(RETRY_MS, () => void this.leaver(room));
    this.counts.leaves++;
    this.later(0, () => void this.leaver(room));
  }

  /** The room's head cursor (a read without a cursor answers at once), or undefined when it failed. */
  private async head(room: string, agent?: Agent): Promise<string | undefined> {
    const answer = await this.get(readPath(this.kind, room, undefined, 0), 10_000, agent);
    return answer === undefined || answer === 'left' ? undefined : (answer as { cursor?: string }).cursor;
  }

  /**
   * One GET, on `agent`'s kept-alive connection or else on one of its own: its JSON answer; `left`
   * when `leaveMs` passed first (the connection is then destroyed mid-request); undefined when it
   * failed (counted).
   */
  private get(path: string, leaveMs: number, agent?: Agent): Promise<unknown> {
    const { url, token, ca } = this.options;
    const target = new URL(path, url);
    const secure = target.protocol === 'https:';
    const localAddress = this.localAddress();
    return new Promise((resolve) => {
      let settled = false;
      const settle = (value: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.timers.delete(timer);
        if (value === undefined && !this.stopped) this.counts.failures++;
        resolve(value);
      };
      const request = (secure ? httpsRequest : httpRequest)(target, {
        agent: agent ?? false,
        headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        ...(localAddress ? { localAddress } : {}),
        ...(secure && ca !== undefined ? { ca } : {}),
      });
      const timer = setTimeout(() => {
        settle('left');
        request.destroy();
      }, leaveMs);
      this.timers.add(timer);
      request.on('error', () => settle(undefined));
      request.on('response', (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', () => settle(undefined));
        response.on('end', () => {
          try {
            settle(response.statusCode === 200 ? JSON.parse(Buffer.concat(chunks).toString()) : undefined);
          } catch {
            settle(undefined);
          }
        });
      });
      this.requests.add(request);
      request.on('close', () => {
        this.requests.delete(request);
        settle(undefined);
      });
      request.end();
    });
  }

  /** A connection with the subscribing request written, or undefined when it could not connect. */
  private async request(room: string, cursor: string | undefined): Promise<Socket | undefined> {
    const { url, token, ca, waitMs } = this.options;
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    const port = Number(target.port) || (secure ? 443 : 80);
    const localAddress = this.localAddress();
    const common = { host: target.hostname, port, ...(localAddress ? { localAddress } : {}) };
    const socket = secure ? connectTls({ ...common, ...(ca === undefined ? {} : { ca }), servername: target.hostname, ALPNProtocols: ['http/1.1'] }) : connectTcp(common);
    socket.on('error', () => undefined);
    this.sockets.add(socket);
    try {
      const [outcome] = await Promise.race([once(socket, secure ? 'secureConnect' : 'connect').then(() => ['up']), once(socket, 'close').then(() => ['closed']), timeout(JOIN_TIMEOUT_MS).then(() => ['timeout'])]);
      if (outcome !== 'up') throw new Error(String(outcome));
    } catch {
      this.sockets.delete(socket);
      socket.destroy();
      this.counts.failures++;
      return undefined;
    }
    const path = readPath(this.kind, room, cursor, waitMs ?? 25_000);
    const accept = this.kind === 'stream' ? 'text/event-stream' : 'application/json';
    socket.write(`GET ${path} HTTP/1.1\r\nHost: ${target.host}\r\nAccept: ${accept}\r\n${token ? `Authorization: Bearer ${token}\r\n` : ''}\r\n`);
    return socket;
  }

  /** A WebSocket subscribed to `room` (its first frame in), paused there when `stall`; undefined when it failed. */
  private async webSocket(room: string, stall: boolean): Promise<WebSocket | undefined> {
    const { url, token, ca } = this.options;
    const localAddress = this.localAddress();
    const ws = new WebSocket(webSocketUrl(url, token), { perMessageDeflate: false, ...(localAddress ? { localAddress } : {}), ...(ca === undefined ? {} : { ca }) });
    ws.on('error', () => undefined);
    this.webSockets.add(ws);
    const closed = once(ws, 'close').then(() => 'closed' as const);
    const subscribed = once(ws, 'open').then(async () => {
      ws.send(JSON.stringify({ type: 'subscribe', room }));
      await once(ws, 'message');
      return 'subscribed' as const;
    });
    const outcome = await Promise.race([subscribed, closed, timeout(JOIN_TIMEOUT_MS)]).catch(() => 'closed' as const);
    if (outcome !== 'subscribed') {
      this.webSockets.delete(ws);
      ws.terminate();
      this.counts.failures++;
      return undefined;
    }
    if (stall) (ws as unknown as { _socket: Socket })._socket.pause();
    return ws;
  }
}
