/**
 * The chat transports of the contract, each declared once: its name (what `GET /healthz` answers
 * and what every command line takes), how people call it, whether it speaks the HTTP routes, and
 * the knob a client of it turns. Pure data: servers, bench and report all read it. A new transport
 * is an entry here, its server in servers/transports.ts and its client in bench/transports.ts.
 */

/** The knob of a transport's client: the ms between two polls, or the `wait` a poll asks for. */
export type TransportKnob = 'pollIntervalMs' | 'waitMs';

export interface TransportInfo {
  /** The transport in prose: "short polling". */
  readonly label: string;
  /**
   * It is a polling transport: its clients receive by polling `GET /rooms/:room/messages`. (The
   * `sse` server serves that route too, but its clients receive on a stream.)
   */
  readonly http: boolean;
  /** What a client of it may set, if anything. */
  readonly knob?: TransportKnob;
  /** Its server is fastify's, which speaks HTTP/2 beside HTTP/1.1 (`--http2`). */
  readonly http2: boolean;
  /**
   * Its server serves the contract's HTTP routes (`POST` and `GET /rooms/:room/messages`), as every
   * server does but WebSocket's, which speaks frames on `/ws` only.
   */
  readonly routes: boolean;
  /**
   * How its clients receive: by `poll`s or `held-poll`s of `GET /rooms/:room/messages`, on an
   * event `stream` (`GET /rooms/:room/events`, version 2), in frames on a `socket`, on a WebRTC
   * `data-channel`, or in Socket.IO `events` (version 3).
   */
  readonly receives: 'poll' | 'held-poll' | 'stream' | 'socket' | 'data-channel' | 'events';
  /**
   * What it holds open that the idle timeout must outlast, by the server option that times it: a
   * held poll (`maxWaitMs`), or a stream kept alive by its heartbeat (`heartbeatMs`).
   */
  readonly idleGuard?: 'maxWaitMs' | 'heartbeatMs';
}

/**
 * A short-polling client's poll interval when none is given, in ms. (Long polling's `wait` has
 * its default on the server: `defaultWaitMs` in limits.ts.)
 */
export const DEFAULT_POLL_INTERVAL_MS = 1000;

/** The transports this project compares, in the order runs and reports list them. */
export const TRANSPORT_INFO = {
  'short-polling': { label: 'short polling', http: true, knob: 'pollIntervalMs', http2: true, routes: true, receives: 'poll' },
  'long-polling': { label: 'long polling', http: true, knob: 'waitMs', http2: true, idleGuard: 'maxWaitMs', routes: true, receives: 'held-poll' },
  websocket: { label: 'WebSocket', http: false, http2: false, routes: false, receives: 'socket' },
  sse: { label: 'SSE', http: false, http2: true, idleGuard: 'heartbeatMs', routes: true, receives: 'stream' },
  webrtc: { label: 'WebRTC', http: false, http2: false, routes: true, receives: 'data-channel' },
  socketio: { label: 'Socket.IO', http: false, http2: false, routes: false, receives: 'events' },
} as const satisfies Readonly<Record<string, TransportInfo>>;

export type Transport = keyof typeof TRANSPORT_INFO;

/**
 * How a Socket.IO client connects: engine.io's `websocket` or `polling` (HTTP long polling) only,
 * or `upgrade`, polling first and then WebSocket, as Socket.IO does by default.
 */
export const SOCKETIO_ENGINES = ['upgrade', 'websocket', 'polling'] as const;
export type SocketIoEngine = (typeof SOCKETIO_ENGINES)[number];
/** The engine.io transports a Socket.IO client of each way asks for (socket.io-client's `transports`), and whether it upgrades. */
export const SOCKETIO_ENGINE_OPTIONS: Readonly<Record<SocketIoEngine, { readonly transports: readonly string[]; readonly upgrade: boolean }>> = {
  websocket: { transports: ['websocket'], upgrade: false },
  polling: { transports: ['polling'], upgrade: false },
  upgrade: { transports: ['polling', 'websocket'], upgrade: true },
};
export const TRANSPORTS = Object.keys(TRANSPORT_INFO) as readonly Transport[];

/** The transports served by fastify, which can speak HTTP/2 (`--http2`); an SSE stream over HTTP/2 sends no `Connection` header. */
export const HTTP2_TRANSPORTS: readonly Transport[] = TRANSPORTS.filter((t) => TRANSPORT_INFO[t].http2);

/** The transports served by the HTTP routes (the polling ones). */
export type HttpTransport = { [T in Transport]: (typeof TRANSPORT_INFO)[T]['http'] extends true ? T : never }[Transport];
