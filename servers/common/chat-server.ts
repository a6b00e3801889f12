import type { ServerOptions, Transport } from '../contract/index.ts';
import type { Backplane } from '../backplane/index.ts';
import type { RoomLog } from './room-log.ts';
import type { TlsMaterial } from './tls.ts';

/** What a server counts about itself; the tests and the harness read it. */
export interface ServerStats {
  readonly transport: Transport;
  readonly rooms: number;
  /** Room listeners: held polls, WebSocket rooms with subscribers, SSE rooms with streams. */
  readonly listeners: number;
  /** Long polls held right now. */
  readonly heldPolls: number;
  /** Held polls whose client went away before an answer. */
  readonly abortedPolls: number;
  /** Open TCP connections of any kind (HTTP keep-alive, held polls, WebSocket). */
  readonly connections: number;
  /** Open WebSocket connections. */
  readonly sockets: number;
  /** WebSocket room subscriptions over all connections. */
  readonly subscriptions: number;
  /** SSE event streams open right now. */
  readonly streams: number;
  /** WebSocket clients closed with 4008, and SSE streams ended, for having more than maxBufferedBytes waiting. */
  readonly slowConsumerCloses: number;
  /** WebSocket clients dropped for not answering a ping. */
  readonly heartbeatDrops: number;
  /** WebSocket clients with bytes waiting for them right now. */
  readonly bufferingSockets: number;
  /** The most bytes waiting for one WebSocket client right now. */
  readonly maxBufferedBytes: number;
  /** HTTP: bytes of answers not yet handed to the kernel, over all connections. */
  readonly waitingBytes: number;
  /** HTTP: requests parked until their connection drains. */
  readonly parkedRequests: number;
  /** HTTP: the most requests parked on one connection at once, since the server started. */
  readonly peakParkedRequests: number;
  /** HTTP: the most bytes of answers waiting at once, over all connections, since the server started. */
  readonly peakWaitingBytes: number;
  /** HTTP: GETs of messages answered `SERVER_BUSY`, since the server started. */
  readonly busyRefusals: number;
  /** Clients cut (connections, SSE streams, WebSockets) to keep `maxWaitingBytes`, the one with the most waiting first, since the server started. */
  readonly budgetCuts: number;
}

/** One chat server: built without listening, so tests can build, listen on port 0, and close. */
export interface ChatServer {
  readonly transport: Transport;
  readonly options: ServerOptions;
  /** The rooms this process holds (the backplane's log, read when used: a Redis epoch change replaces it). */
  readonly log: RoomLog;
  /** Where the rooms live (option backplane). */
  readonly backplane: Backplane;
  /** Listens on `options.host` and `options.port`; resolves to the base URL, `http://host:port`. */
  /** With `--tls`: the certificate it serves (clients pass `tls.cert` as their CA). */
  readonly tls?: TlsMaterial;
  /** Listens on `options.host` and `options.port`; resolves to the base URL, `http://host:port` (`https://` with TLS). */
  listen(): Promise<string>;
  /**
   * Stops: held polls are answered with `SHUTTING_DOWN`, sockets are closed with 1001, SSE streams
   * get an `error` event `SHUTTING_DOWN`, timers are cleared, the backplane lets go of Redis.
   * Resolves when every connection is gone.
   */
  close(): Promise<void>;
  stats(): ServerStats;
}

export const EMPTY_STATS = {
  heldPolls: 0,
  abortedPolls: 0,
  sockets: 0,
  streams: 0,
  subscriptions: 0,
  slowConsumerCloses: 0,
  heartbeatDrops: 0,
  bufferingSockets: 0,
  maxBufferedBytes: 0,
  waitingBytes: 0,
  parkedRequests: 0,
  peakParkedRequests: 0,
  peakWaitingBytes: 0,
  busyRefusals: 0,
  budgetCuts: 0,
} as const;

/** Counts the open TCP connections of a server; returns the reader. */
export function countConnections(server: import('node:net').Server): () => number {
  let open = 0;
  server.on('connection', (socket: import('node:net').Socket) => {
    open++;
    socket.once('close', () => open--);
  });
  return () => open;
}

/** `http://127.0.0.1:1234` (`https://` with TLS), with IPv6 hosts in brackets. */
export function baseUrl(host: string, port: number, tls = false): string {
  const scheme = tls ? 'https' : 'http';
  return host.includes(':') ? `${scheme}://[${host}]:${port}` : `${scheme}://${host}:${port}`;
}

/**
 * A chat server from what every server has alike (its transport, options, backplane and TLS
 * material) and what it does its own way. `log` is read from the backplane each time (a Redis
 * epoch change replaces it); `listen` waits for the backplane's first contact (made, or failed:
 * then /healthz says so) before it serves.
 */
export function chatServer(
  facts: { readonly transport: Transport; readonly options: ServerOptions; readonly backplane: Backplane; readonly tls: TlsMaterial | undefined },
  own: { listen(): Promise<string>; close(): Promise<void>; stats(): ServerStats },
): ChatServer {
  const { transport, options, backplane, tls } = facts;
  return {
    transport,
    options,
    backplane,
    get log() {
      return backplane.log;
    },
    ...(tls ? { tls } : {}),
    async listen() {
      await backplane.ready();
      return own.listen();
    },
    close: () => own.close(),
    stats: () => own.stats(),
  };
}
