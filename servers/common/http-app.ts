import { constants as http2Constants, type ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  ChatError,
  HEALTH_PATH,
  MESSAGES_ROUTE,
  ROOM_ID_PATTERN,
  checkCursorParam,
  checkLimit,
  checkPost,
  checkRoomId,
  type HealthAnswer,
  type PollAnswer,
  type PostAnswer,
  type ServerOptions,
  type Transport,
} from '../contract/index.ts';
import { fastifyServerOptions } from './fastify-server.ts';
import { createClientErrorAnswer } from './http-reply.ts';
import type { Room } from './room-log.ts';
import { settle, type Backplane, type Now } from '../backplane/index.ts';
import { hostCheck } from './host-check.ts';
import { crossOrigin } from './cors.ts';
import { WaitingBudget, type Consumer } from './waiting-budget.ts';
import { bearerToken, tokenMatches } from './token.ts';

/** A parsed `GET /rooms/:room/messages`: the room, and where its client stands. */
export interface PollRequest {
  readonly room: Room;
  /** The seq the cursor stands for; `undefined` without a cursor ("from now on"). */
  readonly after: number | undefined;
  readonly limit: number;
  readonly query: Readonly<Record<string, unknown>>;
}

/** Answers a GET, now or later; the short- and long-polling servers differ only here. */
export type PollHandler = (poll: PollRequest, request: FastifyRequest, reply: FastifyReply) => PollAnswer | FastifyReply;

export interface PollingAppOptions {
  /** The name `/healthz` answers: a polling transport, `sse`, or one that serves these routes beside its own channel (`webrtc`). */
  readonly transport: Transport;
  readonly options: ServerOptions;
  readonly backplane: Backplane;
  readonly poll: PollHandler;
  /** Runs first when the server closes, before connections are waited for (answers held polls). */
  readonly onClose?: () => void;
  /** Kept up to date with what waits for clients that do not read. */
  readonly backlog: BacklogTotals;
  /** The server-wide budget of `backlog.waitingBytes` (`newWaitingBudget`), kept by cutting the slowest clients. */
  readonly budget: WaitingBudget;
  /** Routes the caller adds to the app, named in the 404 answer: `GET /rooms/:room/events`. */
  readonly moreRoutes?: readonly string[];
  /**
   * What a post's answer waits for once its message is stored, when anything: the SSE server's
   * events of the room, so that, as with long polling's held polls and WebSocket's fan-out, the
   * members are written before the author's answer.
   */
  readonly beforeAnswer?: (roomId: string) => Promise<void> | undefined;
}

/** The answer to a poll that has messages or should not wait. */
export function answerNow(poll: PollRequest): PollAnswer {
  const { room, after, limit } = poll;
  if (after === undefined) return { messages: [], cursor: room.headCursor() };
  const messages = room.after(after, limit);
  return { messages, cursor: messages.length > 0 ? room.cursorAt(after + messages.length) : room.cursorAt(after) };
}

/**
 * Most requests parked on one connection; beyond it the connection is closed. The connection stops
 * being read as soon as a request is parked, so only the requests of the chunk being parsed can
 * pile up: one read is at most 64 KiB, and an HTTP/1.1 request at least 18 bytes, so at most 3,641
 * requests. A client, pipelining or not, that reads its answers is never closed by this bound.
 */
export const MAX_PARKED_REQUESTS = 4096;

/**
 * Largest answer sent as a string (counted twice while it waits, see `boundBacklog`): Node's
 * high-water mark for a socket, far below what the kernel takes at once on any connection.
 */
export const STRING_ANSWER_MAX_BYTES = 16 * 1024;

/** What waits for one connection: bytes of answers not yet handed to the kernel, parked requests. */
interface Backlog {
  bytes: number;
  parked: { readonly request: FastifyRequest; readonly done: () => void }[];
  /** Requests let through and not answered yet (a held poll counts until it is answered). */
  unanswered: number;
  /** Reading was stopped because requests are parked. */
  holding: boolean;
  /** What the server's budget sees of the connection. */
  consumer?: Consumer;
}

/** Over all connections of one server: what `boundBacklog` holds. */
export interface BacklogTotals {
  /** Bytes of answers not yet handed to the kernel. */
  waitingBytes: number;
  /** Requests parked until their connection drains. */
  parkedRequests: number;
  /** The most requests parked on one connection at once, since the server started. */
  peakParkedRequests: number;
  /** The most bytes of answers waiting at once, over all connections, since the server started. */
  peakWaitingBytes: number;
  /** GETs of messages answered `SERVER_BUSY`, since the server started. */
  busyRefusals: number;
  /** Clients cut to keep option maxWaitingBytes (the one with the most waiting first), since the server started. */
  budgetCuts: number;
}

/** Totals of a server that has held nothing yet. */
export function newBacklogTotals(): BacklogTotals {
  return { waitingBytes: 0, parkedRequests: 0, peakParkedRequests: 0, peakWaitingBytes: 0, busyRefusals: 0, budgetCuts: 0 };
}

/** The budget of option maxWaitingBytes over `totals.waitingBytes`. */
export function newWaitingBudget(totals: BacklogTotals, options: Pick<ServerOptions, 'maxWaitingBytes'>): WaitingBudget {
  return new WaitingBudget(options.maxWaitingBytes, () => totals.waitingBytes, undefined, () => totals.budgetCuts++);
}

/** Node's HTTP server state on a connection (Node 20, lib/_http_server.js). */
interface HttpSocket extends Socket {
  /** Node stops reading while it is set, and pauses the parser after the chunk being parsed. */
  _paused?: boolean;
  parser?: { pause(): void; resume(): void } | null;
}

/**
 * Stops reading a connection, the way Node does for its own back-pressure (parserOnIncoming):
 * `_paused` makes Node pause the parser once the chunk it is parsing is done, and keeps the socket
 * paused when Node itself would resume it.
 */
function stopReading(socket: HttpSocket): void {
  socket._paused = true;
  socket.pause();
}

/** Reads a connection again, as Node's socketOnDrain does; Node pauses it again if it must. */
function startReading(socket: HttpSocket): void {
  if (!socket._paused) return;
  socket._paused = false;
  socket.parser?.resume();
  socket.resume();
}

/** What `boundBacklog` does at each step of a request. */
interface BacklogSteps {
  /** onRequest: counts the request and returns true when its connection is ready for it; false: park it. */
  letThrough(request: FastifyRequest): boolean;
  /** onRequest: parks a request `letThrough` refused until its connection is ready, then `resume`s it (or cuts a connection past MAX_PARKED_REQUESTS). */
  park(request: FastifyRequest, resume: () => void): void;
  /** onSend: counts the answer until its last byte is handed to the kernel; returns what to send. */
  count(request: FastifyRequest, reply: FastifyReply, payload: unknown): unknown;
  /** onSend, once the answer is handed on: the connection may take its next request. */
  answered(request: FastifyRequest): void;
}

/**
 * Bounds what a client that does not read its answers, or pipelines requests behind a held poll,
 * makes the server hold. One request per connection is handled at a time: the next waits until the
 * previous one is answered (a held poll counts until it is) and until the answers waiting for the
 * connection are at most `maxBufferedBytes`. Each answer counts until its last byte is handed to the
 * kernel. A request that must wait is parked before it is handled (nothing is stored or answered for
 * it), and the connection stops being read, so the kernel holds the rest and the client is slowed
 * by TCP back-pressure; parked requests resume in order, and reading resumes when none is left.
 * So a connection holds at most `maxBufferedBytes` plus one answer, one request in hand and the
 * requests of one read; a pipelining client that reads its answers only waits. (Node itself stops
 * reading a connection only when answers wait, never behind a held poll.)
 *
 * Returns the steps the app's own hooks take (one onRequest and one onSend hook for the whole app:
 * each hook fastify runs costs every request).
 */
function boundBacklog(maxBufferedBytes: number, totals: BacklogTotals, budget: WaitingBudget): BacklogSteps {
  const backlogs = new WeakMap<Socket, Backlog>();
  /** Requests counted in `unanswered`, so that each is uncounted once. */
  const counted = new WeakSet<object>();
  const backlogOf = (socket: Socket): Backlog => {
    let backlog = backlogs.get(socket);
    if (!backlog) {
      const created: Backlog = { bytes: 0, parked: [], unanswered: 0, holding: false };
      backlogs.set(socket, (backlog = created));
      // The connection's requests end with it: answers never handed to the kernel, parked requests,
      // and a request in hand that will never be answered (an aborted held poll). At once when the
      // budget cuts it, so that the budget sees what the cut freed before it cuts another; when it
      // closes, again, finding nothing the second time.
      const release = (): void => {
        budget.delete(consumer);
        totals.parkedRequests -= created.parked.length;
        created.parked = [];
        totals.waitingBytes -= created.bytes;
        created.bytes = 0;
        created.unanswered = 0;
      };
      // Its answers count in the server's budget: past it, the connection with the most waiting is cut.
      const consumer: Consumer = {
        waiting: () => created.bytes,
        cut: () => {
          socket.destroy();
          release();
        },
      };
      created.consumer = consumer;
      budget.add(consumer);
      socket.once('close', release);
      // Node resumes reading when its own answers drain; while requests are parked, stop again.
      socket.on('resume', () => {
        if (created.holding) stopReading(socket);
      });
    }
    return backlog;
  };
  const ready = (backlog: Backlog): boolean => backlog.unanswered === 0 && backlog.bytes <= maxBufferedBytes;
  /** Counts a request let through until it is answered. */
  const admit = (backlog: Backlog, request: FastifyRequest): void => {
    backlog.unanswered++;
    counted.add(request);
  };
  /**
   * Resumes the next parked request when the connection is ready, on the next tick (a chain of
   * pipelined requests answered at once must not nest); reads again when none is left.
   */
  const next = (socket: Socket, backlog: Backlog): void => {
    if (!ready(backlog)) return;
    const parked = backlog.parked.shift();
    if (parked) {
      totals.parkedRequests--;
      admit(backlog, parked.request);
      process.nextTick(parked.done);
      return;
    }
    if (backlog.holding) {
      backlog.holding = false;
      startReading(socket);
    }
  };

  return {
    letThrough(request) {
      const backlog = backlogOf(request.raw.socket);
      if (!ready(backlog) || backlog.parked.length > 0) return false;
      admit(backlog, request);
      return true;
    },
    park(request, resume) {
      const socket = request.raw.socket;
      const backlog = backlogOf(socket);
      if (backlog.parked.length >= MAX_PARKED_REQUESTS) {
        socket.destroy();
        return;
      }
      totals.parkedRequests++;
      backlog.parked.push({ request, done: resume });
      totals.peakParkedRequests = Math.max(totals.peakParkedRequests, backlog.parked.length);
      if (!backlog.holding) {
        backlog.holding = true;
        stopReading(socket);
      }
    },
    count(request, reply, payload) {
      const socket = request.raw.socket;
      let body = payload;
      let bytes = Buffer.isBuffer(payload) ? payload.length : 0;
      if (typeof payload === 'string') {
        // A string handed to a socket that cannot take it now is kept twice: the string on the heap
        // until the write completes, and its encoded copy in the write request (bench:waiting-memory,
        // long polling: RSS grew 2.05 bytes per byte counted). A small answer to a connection that
        // nothing waits for is written at once, and held only if the kernel does not take it all:
        // it goes as the string, counted twice. Any other is sent as bytes, written from their own
        // memory and counted once. (Bytes cost about 5 µs a request more than a string:
        // docs/findings.md.)
        const length = Buffer.byteLength(payload);
        if (length <= STRING_ANSWER_MAX_BYTES && socket.writableLength === 0 && request.raw.httpVersionMajor === 1) bytes = 2 * length;
        else {
          const buffer = Buffer.from(payload);
          body = buffer;
          bytes = buffer.length;
        }
      }
      const backlog = backlogOf(socket);
      backlog.bytes += bytes;
      totals.waitingBytes += bytes;
      totals.peakWaitingBytes = Math.max(totals.peakWaitingBytes, totals.waitingBytes);
      if (totals.waitingBytes > budget.maxBytes) budget.enforce(backlog.consumer);
      // 'finish' comes once the answer's last byte is handed to the kernel; if the connection was
      // destroyed first, its release above counted every byte it held. One listener an answer: this
      // runs for every request, and it is most of what bounding costs per request.
      reply.raw.once('finish', () => {
        if (socket.destroyed) return;
        backlog.bytes -= bytes;
        totals.waitingBytes -= bytes;
        next(socket, backlog);
      });
      return body;
    },
    answered(request) {
      const socket = request.raw.socket;
      if (!counted.delete(request) || socket.destroyed) return;
      const backlog = backlogOf(socket);
      backlog.unanswered--;
      next(socket, backlog);
    },
  };
}

/**
 * While more bytes wait, over all clients, than the budget (`maxWaitingBytes`) allows even after
 * cutting the slowest clients, the `SERVER_BUSY` error for a GET of messages or events (with
 * `cursor`, where the client stands, for a held poll), counted; `undefined` otherwise, which is
 * nearly always: a client that reads is refused only when nothing else can be cut.
 */
export function busyRefusal(budget: WaitingBudget, totals: BacklogTotals, cursor?: string): ChatError | undefined {
  if (budget.enforce()) return undefined;
  totals.busyRefusals++;
  return new ChatError(
    'SERVER_BUSY',
    `more than ${budget.maxBytes} bytes of answers (option maxWaitingBytes) wait for clients, and none can be cut to free them; nothing is lost, poll again with the same cursor`,
    cursor,
  );
}

/**
 * The client of this reply went away: its connection closed (HTTP/1.1), or its stream did (HTTP/2,
 * whose compat response has no `closed` of its own).
 */
export function clientGone(res: FastifyReply['raw']): boolean {
  return res.closed || (res as { stream?: { destroyed: boolean } }).stream?.destroyed === true;
}

/**
 * `settle` for a request that holds a slot once it is handled (a held poll, an SSE stream): when
 * the value comes later (the Redis backplane loading a room), the client may leave before it
 * does, and its close, already past, would never release what `next` takes. Then `next` does not
 * run and nothing is held; the reply is left unanswered, its connection or stream being gone.
 * Every route that waits between accepting a client and registering its cleanup goes through here.
 */
export function settleForClient<T, R>(reply: FastifyReply, value: Now<T>, next: (value: T) => R): Now<R | FastifyReply> {
  if (!(value instanceof Promise)) return next(value);
  return value.then((ready) => (clientGone(reply.raw) ? reply : next(ready)));
}

/**
 * Most bytes of a refused request body (413) that are read and thrown away after the answer, so
 * that a client still sending it (Node's `fetch` sends the whole body before it reads) gets its
 * 413 instead of a reset. The largest `--max-payload-bytes` allowed; past it, the connection is cut.
 */
export const REFUSED_BODY_DRAIN_BYTES = 16 * 1024 * 1024;
/** How long a refused body may take to arrive whole after its 413 before the connection is cut, ms. */
export const REFUSED_BODY_DRAIN_MS = 5000;

/**
 * A 413 was answered before the body arrived whole. fastify then asks for `Connection: close`,
 * and Node closes the socket while the client still sends: the kernel answers the rest with a
 * reset, and a client that writes its whole body before reading (Node's `fetch`) sees EPIPE or
 * ECONNRESET, not its 413. Instead the connection is kept and the rest of the body read and
 * dropped, at most `REFUSED_BODY_DRAIN_BYTES` within `REFUSED_BODY_DRAIN_MS`; past either, the
 * connection (HTTP/2: the stream) is cut. Over HTTP/2 the drain matters as much: data a stream
 * leaves unread is never given back to the connection's flow-control window, so after one refused
 * body of 64 KiB or more no stream of that connection could send a body again.
 */
function drainRefusedBody(request: FastifyRequest, reply: FastifyReply): void {
  const req = request.raw;
  reply.removeHeader('connection');
  const stream = (reply.raw as { stream?: ServerHttp2Stream }).stream;
  const timer = setTimeout(() => cut(), REFUSED_BODY_DRAIN_MS);
  timer.unref();
  let bytes = 0;
  const onData = (chunk: Buffer): void => {
    bytes += chunk.length;
    if (bytes > REFUSED_BODY_DRAIN_BYTES) cut();
  };
  const stop = (): void => {
    clearTimeout(timer);
    req.removeListener('data', onData);
  };
  const cut = (): void => {
    stop();
    if (stream) stream.close(http2Constants.NGHTTP2_CANCEL);
    else req.socket.destroy();
  };
  const drain = (): void => {
    if (req.complete) return stop();
    req.on('data', onData);
    req.resume();
  };
  req.once('end', stop);
  req.once('close', stop);
  // HTTP/1.1: after the answer, since Node's own drain (IncomingMessage#_dump, on 'finish') removes
  // 'data' listeners. HTTP/2: now (its compat response finishes only when the stream closes).
  if (stream) drain();
  else reply.raw.once('finish', drain);
}

/** Longest path parameter the router passes to a handler, which then checks it as a room id. */
const MAX_PARAM_CHARS = 1024;

function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';', 1)[0]?.trim().toLowerCase();
  return type === 'application/json';
}

/**
 * Answers an error of a route as the contract says: its status and JSON body, any error fastify or
 * a handler raised mapped to a contract error first.
 */
export function answerError(transport: string, error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const chat = toChatError(error);
  // The app has no logger (it would cost every request): a bug is written to stderr, always.
  if (chat.code === 'INTERNAL_ERROR') console.error(`${transport}: ${request.method} ${request.url.split('?', 1)[0] ?? ''} answered 500 INTERNAL_ERROR:`, error);
  void reply.code(chat.status).send(chat.toBody());
}

/** Maps any error fastify or a handler raised to a contract error. */
function toChatError(error: unknown): ChatError {
  if (error instanceof ChatError) return error;
  const e = error as { statusCode?: unknown; message?: unknown };
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  const message = typeof e.message === 'string' ? e.message : 'unexpected error';
  switch (status) {
    case 413:
      return new ChatError('PAYLOAD_TOO_LARGE', `request body is over the limit; ${message}`);
    case 415:
      return new ChatError('UNSUPPORTED_MEDIA_TYPE', 'a POST must have Content-Type: application/json');
    case 404:
      return new ChatError('NOT_FOUND', message);
    case 503:
      return new ChatError('SHUTTING_DOWN', 'the server is shutting down');
    default:
      if (status >= 400 && status < 500) return new ChatError('BAD_REQUEST', message);
      return new ChatError('INTERNAL_ERROR', 'internal error; this is a bug in the server');
  }
}

/** The contract error for what fastify's router refuses before a route runs. */
function frameworkError(error: { code?: string; message: string }): ChatError {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return new ChatError('BAD_REQUEST', 'the path is not valid percent-encoding; escape each room id with encodeURIComponent');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new ChatError('BAD_REQUEST', `a path parameter is over ${MAX_PARAM_CHARS} characters; a room id matches ${ROOM_ID_PATTERN.source}`);
    default:
      return toChatError(error);
  }
}

/**
 * Builds (does not listen) the fastify app the polling servers and the SSE server share: the POST
 * route, the GET route, the health route, the token check, and contract errors for everything that
 * goes wrong. The SSE server adds its events route to it.
 */
export function buildPollingApp(config: PollingAppOptions): FastifyInstance {
  const { transport, options, backplane } = config;
  const clientErrors = createClientErrorAnswer();
  const app = Fastify({
    logger: false,
    bodyLimit: options.maxPayloadBytes,
    connectionTimeout: options.idleTimeoutMs,
    keepAliveTimeout: options.keepAliveTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    // Room ids are checked by the handler so that a long one is a 400 that says why, not a 404.
    routerOptions: { maxParamLength: MAX_PARAM_CHARS },
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    ...fastifyServerOptions(options),
    // What the HTTP parser refuses and what the router refuses before any route runs get contract
    // errors too, instead of fastify's own bodies.
    clientErrorHandler: clientErrors.onClientError,
    frameworkErrors: (error, _request, reply) => {
      const chat = frameworkError(error);
      if (chat.code === 'INTERNAL_ERROR') console.error(`${transport}: a request answered 500 INTERNAL_ERROR:`, error);
      void (reply as FastifyReply).code(chat.status).send(chat.toBody());
    },
  });
  app.server.on('request', clientErrors.onRequest);
  app.server.headersTimeout = options.headersTimeoutMs;
  // One JSON parser for every transport: plain JSON.parse, as the WebSocket server uses. A
  // "__proto__" key becomes an own property that validation refuses as an unknown field.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    try {
      done(null, JSON.parse(text as string));
    } catch (error) {
      done(new ChatError('BAD_REQUEST', `the body is not valid JSON (${(error as Error).message}); send a JSON object {"id","from","body"}`), undefined);
    }
  });

  const backlog = boundBacklog(options.maxBufferedBytes, config.backlog, config.budget);
  app.addHook('onSend', (request, reply, payload, done) => {
    const body = backlog.count(request, reply, payload);
    if (reply.statusCode === 413 && !request.raw.complete) drainRefusedBody(request, reply);
    done(null, body);
    backlog.answered(request);
  });

  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    config.onClose?.();
    done();
  });

  const checkHost = hostCheck(options);
  /** The checks of every request the backlog lets through, in order: host, origin, closing, token. */
  const check = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void => {
    const wrongHost = checkHost?.(request.headers.host ?? (request.headers[':authority'] as string | undefined));
    if (wrongHost) {
      done(wrongHost);
      return;
    }
    // Before the token: a browser's preflight carries none.
    const cors = crossOrigin(options.allowedOrigins, request.headers.origin, request.method);
    if (cors && 'refuse' in cors) {
      done(cors.refuse);
      return;
    }
    if (cors) {
      void reply.headers(cors.headers);
      if (cors.preflight) {
        void reply.code(204).send();
        return;
      }
    }
    if (closing) {
      reply.header('connection', 'close');
      done(new ChatError('SHUTTING_DOWN', 'the server is shutting down; retry on another server with your cursor'));
      return;
    }
    if (options.token !== '' && !tokenMatches(options.token, bearerToken(request.headers.authorization))) {
      done(new ChatError('UNAUTHORIZED', 'this server requires a token: send Authorization: Bearer <token>'));
      return;
    }
    done();
  };
  // One hook: the backlog's bound first (a parked request is not checked until it is let through).
  app.addHook('onRequest', (request, reply, done) => {
    if (backlog.letThrough(request)) check(request, reply, done);
    else backlog.park(request, () => check(request, reply, done));
  });

  app.setErrorHandler((error, request, reply) => answerError(transport, error, request, reply));

  app.setNotFoundHandler((request, reply) => {
    const chat = new ChatError(
      'NOT_FOUND',
      `no route ${request.method} ${request.url.split('?', 1)[0] ?? ''}; routes are ${[`GET ${HEALTH_PATH}`, `POST and GET ${MESSAGES_ROUTE}`, ...(config.moreRoutes ?? [])].join(', ')}`,
    );
    void reply.code(chat.status).send(chat.toBody());
  });

  app.get(HEALTH_PATH, (): HealthAnswer => {
    const down = backplane.unavailable();
    if (down) throw down;
    return { status: 'ok', transport };
  });

  app.post<{ Params: { room: string } }>(MESSAGES_ROUTE, (request, reply) => {
    if (!isJson(request.headers['content-type'])) {
      throw new ChatError('UNSUPPORTED_MEDIA_TYPE', 'a POST must have Content-Type: application/json');
    }
    const room = checkRoomId(request.params.room);
    const post = checkPost(request.body, options.maxBodyBytes);
    return settle(backplane.append(room, post), (result): PostAnswer | Promise<PostAnswer> => {
      void reply.code(result.stored ? 201 : 200);
      const answer: PostAnswer = { seq: result.message.seq, cursor: result.cursor };
      const written = config.beforeAnswer?.(room);
      return written ? written.then(() => answer) : answer;
    });
  });

  app.get<{ Params: { room: string }; Querystring: Record<string, unknown> }>(MESSAGES_ROUTE, (request, reply) => {
    const busy = busyRefusal(config.budget, config.backlog);
    if (busy) throw busy;
    const roomId = checkRoomId(request.params.room);
    const cursor = checkCursorParam(request.query.cursor);
    const limit = checkLimit(request.query.limit, options.pageSize, options.maxPageSize);
    return settleForClient(reply, backplane.load(roomId, cursor), (room) => {
      const after = cursor === undefined ? undefined : room.resolve(cursor);
      return config.poll({ room, after, limit, query: request.query }, request, reply);
    });
  });

  return app;
}
