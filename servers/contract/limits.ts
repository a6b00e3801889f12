import { HTTP2_TRANSPORTS, TRANSPORTS, TRANSPORT_INFO, type Transport, type TransportInfo } from './transports.ts';
import { inWords, resolveOptions, type OptionTable, type OptionValues } from '../common/command-line/option-table.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Socket.IO's own Redis adapters: `@socket.io/redis-adapter` (pub/sub) and `@socket.io/redis-streams-adapter`. */
export const SOCKETIO_REDIS_ADAPTERS = ['redis', 'redis-streams'] as const;
export type SocketIoRedisAdapter = (typeof SOCKETIO_REDIS_ADAPTERS)[number];
/** Option socketioAdapter: one of Socket.IO's own Redis adapters, or none (the backplane's mirrors deliver). */
export const SOCKETIO_ADAPTERS = ['none', ...SOCKETIO_REDIS_ADAPTERS] as const;

/**
 * Every server option with its default. The contract's limits are here, so that servers, clients
 * and tests read them from one place; `npm run server -- --help` prints this table.
 */
export const SERVER_OPTIONS = {
  transport: { kind: 'string', default: 'websocket', choices: TRANSPORTS, doc: 'which server to start' },
  host: { kind: 'string', default: '127.0.0.1', doc: 'address to listen on' },
  port: { kind: 'int', default: 0, min: 0, max: 65535, doc: 'port to listen on; 0 picks a free one' },
  historySize: { kind: 'int', default: 10_000, min: 1, max: 10_000_000, doc: 'messages kept per room; older cursors expire' },
  maxBodyBytes: { kind: 'int', default: 4096, min: 1, max: MiB, doc: 'largest message body, in UTF-8 bytes' },
  maxPayloadBytes: { kind: 'int', default: 64 * KiB, min: 1 * KiB, max: 16 * MiB, doc: 'largest HTTP request body or WebSocket frame, in bytes' },
  pageSize: { kind: 'int', default: 100, min: 1, max: 100_000, doc: 'messages per GET when `limit` is not given' },
  maxPageSize: { kind: 'int', default: 1000, min: 1, max: 100_000, doc: 'largest `limit` a GET may ask for; also the largest WebSocket replay frame' },
  defaultWaitMs: { kind: 'int', default: 25_000, min: 0, max: 3_600_000, doc: 'long polling: how long a GET is held when `wait` is not given' },
  maxWaitMs: { kind: 'int', default: 60_000, min: 0, max: 3_600_000, doc: 'long polling: largest `wait` a GET may ask for' },
  maxBufferedBytes: {
    kind: 'int',
    default: 1 * MiB,
    min: 1,
    max: 1024 * MiB,
    doc: 'bytes waiting for one client: a WebSocket client beyond it is closed with 4008, an SSE stream beyond it is ended; an HTTP connection beyond it has its next requests parked until it drains; a replay waits for the buffer to drain',
  },
  maxWaitingBytes: {
    kind: 'int',
    default: 256 * MiB,
    min: 1,
    max: 64 * 1024 * MiB,
    doc: 'bytes waiting for clients that have not read them, over all connections (HTTP answers, SSE events counted once however many streams share them, WebSocket frames, Socket.IO packets): past it, the client with the most waiting is cut first, until the rest fit; only when none is left to cut does a GET of messages or events get 503 SERVER_BUSY',
  },
  maxHeldPolls: { kind: 'int', default: 50_000, min: 1, max: 10_000_000, doc: 'long polling: polls held at once over all connections; beyond it a poll that would be held gets 503 TOO_MANY_HELD_POLLS' },
  maxStreams: { kind: 'int', default: 50_000, min: 1, max: 10_000_000, doc: 'SSE: event streams open at once over all connections; beyond it a new stream gets a stream that says TOO_MANY_STREAMS and ends (a browser comes back after its retry)' },
  maxStoredBytes: {
    kind: 'int',
    default: 1024 * MiB,
    min: 1 * KiB,
    max: 1024 * 1024 * MiB,
    doc: 'bytes of stored messages over all rooms (body, id and from in UTF-8, plus 300 per message); beyond it the oldest messages server-wide are dropped, and cursors into them expire',
  },
  maxRooms: { kind: 'int', default: 100_000, min: 1, max: 100_000_000, doc: 'rooms kept at once (with messages or listeners); a new room beyond it is refused with TOO_MANY_ROOMS' },
  maxSubscriptions: { kind: 'int', default: 1000, min: 1, max: 1_000_000, doc: 'WebSocket: rooms one connection may subscribe to; beyond it, TOO_MANY_SUBSCRIPTIONS' },
  maxPeers: { kind: 'int', default: 500, min: 1, max: 100_000, doc: 'WebRTC: peer connections at once (each a UDP socket, DTLS and SCTP in JavaScript); beyond it an offer gets 503 BUSY' },
  heartbeatMs: { kind: 'int', default: 30_000, min: 10, max: 3_600_000, doc: 'WebSocket: ping interval; a client that has not answered the last ping is dropped. SSE: interval of the `: ping` comment on every stream; must be shorter than idle-timeout-ms by max(1000 ms, 10%)' },
  allowedOrigins: {
    kind: 'list',
    default: [],
    doc: "Origins of the pages that may use the server: a WebSocket handshake from another is refused, and every HTTP route answers CORS (preflights, Access-Control-Allow-Origin, Vary: Origin) to these and 403 FORBIDDEN to others; empty: any WebSocket handshake, no CORS (requests without Origin are always allowed)",
  },
  allowedHosts: {
    kind: 'list',
    default: [],
    doc: 'Host names answered beside loopback ones (localhost, 127.x.x.x, [::1]) when listening on loopback, against DNS rebinding; a leading dot allows subdomains (.example.com); listening elsewhere, only these when given; other hosts get 403 FORBIDDEN',
  },
  token: { kind: 'string', default: '', shownDefault: '(none)', doc: 'shared token required on every request (Authorization: Bearer, or ?token= on /ws)' },
  headersTimeoutMs: { kind: 'int', default: 10_000, min: 1, max: 3_600_000, doc: 'a request whose headers take longer is cut off' },
  requestTimeoutMs: { kind: 'int', default: 10_000, min: 1, max: 3_600_000, doc: 'a request that takes longer to arrive whole is cut off' },
  idleTimeoutMs: { kind: 'int', default: 75_000, min: 1, max: 3_600_000, doc: 'an HTTP connection silent this long is closed; long polling: must exceed max-wait-ms by max(1000 ms, 10%)' },
  keepAliveTimeoutMs: { kind: 'int', default: 72_000, min: 1, max: 3_600_000, doc: 'an idle keep-alive connection is closed after this long' },
  backplane: {
    kind: 'string',
    default: 'memory',
    doc: 'where rooms live: memory (this process only) or redis://HOST:PORT (every instance started with the same URL serves the same rooms; use the same --history-size on each)',
  },
  socketioAdapter: {
    kind: 'string',
    default: 'none',
    choices: SOCKETIO_ADAPTERS,
    doc: "Socket.IO on --backplane redis: how a message reaches the other instances' sockets. none: each instance delivers from its mirror of the room (the backplane's channel, in seq order, gaps filled from Redis); redis or redis-streams: the instance that stored it broadcasts it to the room through Socket.IO's own Redis adapter (@socket.io/redis-adapter on pub/sub, @socket.io/redis-streams-adapter on a stream), as Socket.IO applications do",
  },
  shutdownGraceMs: { kind: 'int', default: 2000, min: 0, max: 600_000, doc: 'on shutdown, how long clients get to finish (close handshakes, answers in flight) before every connection is cut' },
  tls: {
    kind: 'boolean',
    default: false,
    doc: 'serve https:// and wss:// with a self-signed certificate for 127.0.0.1 and localhost made at start (printed, and sent to a harness, so clients can trust it); --cert and --key give your own',
  },
  cert: { kind: 'string', default: '', shownDefault: '(made at start)', doc: 'with --tls: a PEM certificate (chain) file to serve instead of a self-signed one; needs --key' },
  key: { kind: 'string', default: '', shownDefault: '(made at start)', doc: 'with --tls: the PEM private key file of --cert' },
  http2: { kind: 'boolean', default: false, doc: 'short and long polling and SSE: serve HTTP/2 (HTTP/1.1 clients still served, by ALPN); needs --tls' },
} as const satisfies OptionTable;

export type ServerOptions = OptionValues<typeof SERVER_OPTIONS>;

/**
 * Resolves server options: defaults first, then each given option checked by name, then the rules
 * that tie options together.
 */
export function resolveServerOptions(given: Readonly<Partial<Record<string, unknown>>> = {}): ServerOptions {
  const o = resolveOptions(SERVER_OPTIONS, given);
  if (o.pageSize > o.maxPageSize) {
    throw new RangeError(`option pageSize (${o.pageSize}) must not exceed maxPageSize (${o.maxPageSize})`);
  }
  if (o.defaultWaitMs > o.maxWaitMs) {
    throw new RangeError(`option defaultWaitMs (${o.defaultWaitMs}) must not exceed maxWaitMs (${o.maxWaitMs})`);
  }
  const { idleGuard } = (TRANSPORT_INFO as Readonly<Record<Transport, TransportInfo>>)[o.transport as Transport];
  // Only a transport that holds a request open waits maxWaitMs.
  if (idleGuard === 'maxWaitMs' && o.idleTimeoutMs < minIdleTimeoutMs(o.maxWaitMs)) {
    throw new RangeError(
      `option maxWaitMs (${o.maxWaitMs}) must be shorter than idleTimeoutMs (${o.idleTimeoutMs}) by at least ` +
        `${idleMarginMs(o.maxWaitMs)} ms (the larger of ${IDLE_MARGIN_MIN_MS} ms and ${IDLE_MARGIN_FRACTION * 100}% of option maxWaitMs), ` +
        `or held polls would be cut off without an answer; raise option idleTimeoutMs to ${minIdleTimeoutMs(o.maxWaitMs)} or more`,
    );
  }
  // A stream is kept from the idle timeout only by its heartbeat.
  if (idleGuard === 'heartbeatMs' && o.idleTimeoutMs < minIdleTimeoutMs(o.heartbeatMs)) {
    throw new RangeError(
      `option heartbeatMs (${o.heartbeatMs}) must be shorter than idleTimeoutMs (${o.idleTimeoutMs}) by at least ${idleMarginMs(o.heartbeatMs)} ms, ` +
        `or quiet SSE streams would be cut off by the idle timeout; raise option idleTimeoutMs to ${minIdleTimeoutMs(o.heartbeatMs)} or more, or lower option heartbeatMs`,
    );
  }
  if (o.headersTimeoutMs > o.requestTimeoutMs) {
    throw new RangeError(`option headersTimeoutMs (${o.headersTimeoutMs}) must not exceed requestTimeoutMs (${o.requestTimeoutMs})`);
  }
  const backplane = parseBackplane(o.backplane);
  if (o.socketioAdapter !== 'none' && (o.transport !== 'socketio' || backplane.kind !== 'redis')) {
    throw new RangeError(
      `option socketioAdapter ${o.socketioAdapter} is Socket.IO's way between instances on Redis: it needs transport socketio and backplane redis://HOST:PORT, got transport ${o.transport} and backplane ${o.backplane}`,
    );
  }
  if (o.maxBodyBytes >= o.maxPayloadBytes) {
    throw new RangeError(`option maxBodyBytes (${o.maxBodyBytes}) must be smaller than maxPayloadBytes (${o.maxPayloadBytes})`);
  }
  if ((o.cert === '') !== (o.key === '')) {
    throw new RangeError(`option cert and option key go together: option ${o.cert === '' ? 'cert' : 'key'} is missing (give both files, or neither for a self-signed certificate)`);
  }
  if (o.cert !== '' && !o.tls) throw new RangeError('option cert and option key need option tls: they are the certificate it serves');
  if (o.http2 && !o.tls) throw new RangeError('option http2 needs option tls: HTTP/2 is served over TLS only (ALPN h2), as browsers speak it');
  if (o.http2 && !HTTP2_TRANSPORTS.includes(o.transport as Transport)) {
    throw new RangeError(`option http2 applies to ${inWords(HTTP2_TRANSPORTS)}, not ${o.transport}`);
  }
  return o;
}

/** Where a server's rooms live (option backplane): this process, or a Redis server. */
export type BackplaneSpec = { readonly kind: 'memory' } | { readonly kind: 'redis'; readonly host: string; readonly port: number; readonly url: string };

/** The Debian package that provides `redis-server`, named where one is needed and missing. */
export const REDIS_PACKAGE = 'redis-server';

/**
 * Parses option backplane: `memory`, or `redis://HOST:PORT` (no user, password, path or query).
 * Throws a RangeError that names the option and says what is allowed.
 */
export function parseBackplane(value: string): BackplaneSpec {
  if (value === 'memory') return { kind: 'memory' };
  const allowed = 'memory or redis://HOST:PORT (a running Redis, e.g. redis://127.0.0.1:6379)';
  if (value === 'redis') {
    throw new RangeError(
      `option backplane must be ${allowed}, got "redis": a server needs the URL of a running Redis; ` +
        `the harness's --backplane redis starts one itself from Debian's ${REDIS_PACKAGE} package (apt-get install ${REDIS_PACKAGE})`,
    );
  }
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  const port = url?.port === '' ? NaN : Number(url?.port);
  if (!url || url.protocol !== 'redis:' || url.hostname === '' || !(port >= 1 && port <= 65535) || url.username !== '' || url.password !== '' || (url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') {
    throw new RangeError(`option backplane must be ${allowed}, got ${JSON.stringify(value)}`);
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { kind: 'redis', host, port, url: `redis://${url.host}` };
}


/**
 * The idle timeout must leave a held poll a margin: the hold's timer and the connection's idle
 * timer are separate timers, and a busy event loop runs the hold's answer late. 1 ms of margin
 * (3001 vs 3000 ms) cut 2 and 167 of 200 holds off unanswered in two runs; 10 to 100 ms always
 * held. The rule keeps at least 1 s, and 10% of longer holds.
 */
export const IDLE_MARGIN_MIN_MS = 1000;
/** The margin's share of `maxWaitMs` when that is larger than `IDLE_MARGIN_MIN_MS`. */
export const IDLE_MARGIN_FRACTION = 0.1;

/** The margin the idle timeout must keep over a hold of `maxWaitMs`. */
export function idleMarginMs(maxWaitMs: number): number {
  return Math.max(IDLE_MARGIN_MIN_MS, Math.ceil(maxWaitMs * IDLE_MARGIN_FRACTION));
}

/** The shortest `idleTimeoutMs` that a server with this `maxWaitMs` accepts. */
export function minIdleTimeoutMs(maxWaitMs: number): number {
  return maxWaitMs + idleMarginMs(maxWaitMs);
}

/**
 * How often Node checks requests against their headers and request timeouts. Node's default (30 s)
 * would let a stalled request live up to 30 s past its timeout; a quarter of the headers timeout
 * keeps the overshoot small at the cost of one pass over the connections per interval.
 */
export function connectionsCheckingIntervalMs(options: Pick<ServerOptions, 'headersTimeoutMs'>): number {
  return Math.min(5000, Math.max(50, Math.floor(options.headersTimeoutMs / 4)));
}

/** Room ids: the contract's pattern. */
export const ROOM_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** Longest `id` and `from`, in characters (Unicode code points). */
export const MAX_NAME_CHARS = 64;
/** Longest cursor string a server accepts before calling it malformed rather than expired. */
export const MAX_CURSOR_CHARS = 128;
