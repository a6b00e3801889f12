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
  connectionsCheckingIntervalMs,
  type HealthAnswer,
  type PollAnswer,
  type PostAnswer,
  type ServerOptions,
  type HttpTransport,
} from '../contract/index.ts';
import { createClientErrorAnswer } from './http-reply.ts';
import type { Room, RoomLog } from './room-log.ts';
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
  readonly transport: HttpTransport;
  readonly options: ServerOptions;
  readonly log: RoomLog;
  readonly poll: PollHandler;
  /** Runs first when the server closes, before connections are waited for (answers held polls). */
  readonly onClose?: () => void;
  /** Kept up to date with what waits for clients that do not read. */
  readonly backlog: BacklogTotals;
}

/** The answer to a poll that has messages or should not wait. */
export function answerNow(poll: PollRequest): PollAnswer {
  const { room, after, limit } = poll;
  if (after === undefined) return { messages: [], cursor: room.headCursor() };
  const messages = room.after(after, limit);
  return { messages, cursor: messages.length > 0 ? room.cursorAt(after + messages.length) : room.cursorAt(after) };
}

/** Requests of one connection parked while its answers wait; beyond this the connection is closed. */
export const MAX_PARKED_REQUESTS = 64;

/** What waits for one connection: bytes of answers not yet handed to the kernel, parked requests. */
interface Backlog {
  bytes: number;
  parked: (() => void)[];
  /** A parked request was resumed and has not answered yet. */
  resumed: boolean;
}

/** Over all connections of one server: what `boundBacklog` holds. */
export interface BacklogTotals {
  /** Bytes of answers not yet handed to the kernel. */
  waitingBytes: number;
  /** Requests parked until their connection drains. */
  parkedRequests: number;
}

/**
 * Bounds what a client that does not read its answers makes the server hold. Each answer counts
 * until its last byte is handed to the kernel. While more than `maxBufferedBytes` waits for a
 * connection, its next requests are parked before they are handled (no answer is made for them),
 * and resumed as it drains; more than `MAX_PARKED_REQUESTS` parked closes the connection. So a
 * connection holds at most `maxBufferedBytes` plus one answer, and a reading client only waits.
 * (Node stops reading a connection while an answer waits, but only after the requests of the
 * chunk it has read, which can be hundreds of pipelined requests.)
 */
function boundBacklog(app: FastifyInstance, maxBufferedBytes: number, totals: BacklogTotals): void {
  const backlogs = new WeakMap<Socket, Backlog>();
  const backlogOf = (socket: Socket): Backlog => {
    let backlog = backlogs.get(socket);
    if (!backlog) {
      const created: Backlog = { bytes: 0, parked: [], resumed: false };
      backlogs.set(socket, (backlog = created));
      socket.once('close', () => {
        totals.parkedRequests -= created.parked.length;
        created.parked = [];
      });
    }
    return backlog;
  };
  /** Resumes one parked request if the backlog has room; the next once its answer is counted. */
  const resume = (backlog: Backlog): void => {
    if (backlog.resumed || backlog.bytes > maxBufferedBytes) return;
    const next = backlog.parked.shift();
    if (!next) return;
    backlog.resumed = true;
    totals.parkedRequests--;
    next();
  };

  app.addHook('onRequest', (request, _reply, done) => {
    const socket = request.raw.socket;
    const backlog = backlogOf(socket);
    if (backlog.bytes <= maxBufferedBytes && backlog.parked.length === 0) {
      done();
      return;
    }
    if (backlog.parked.length >= MAX_PARKED_REQUESTS) {
      socket.destroy();
      return;
    }
    totals.parkedRequests++;
    backlog.parked.push(() => done());
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    const bytes = typeof payload === 'string' ? Buffer.byteLength(payload) : Buffer.isBuffer(payload) ? payload.length : 0;
    const backlog = backlogOf(request.raw.socket);
    backlog.bytes += bytes;
    totals.waitingBytes += bytes;
    backlog.resumed = false;
    // 'finish' comes once the answer's last byte is handed to the kernel; 'close' if it never is.
    let settled = false;
    const release = (): void => {
      if (settled) return;
      settled = true;
      backlog.bytes -= bytes;
      totals.waitingBytes -= bytes;
      resume(backlog);
    };
    reply.raw.once('finish', release).once('close', release);
    done(null, payload);
  });
}
/** Longest path parameter the router passes to a handler, which then checks it as a room id. */
const MAX_PARAM_CHARS = 1024;

function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';', 1)[0]?.trim().toLowerCase();
  return type === 'application/json';
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
 * Builds (does not listen) the fastify app both polling servers share: the POST route, the
 * health route, the token check, and contract errors for everything that goes wrong.
 */
export function buildPollingApp(config: PollingAppOptions): FastifyInstance {
  const { transport, options, log } = config;
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
    http: { connectionsCheckingInterval: connectionsCheckingIntervalMs(options) },
    // What the HTTP parser refuses and what the router refuses before any route runs get contract
    // errors too, instead of fastify's own bodies.
    clientErrorHandler: clientErrors.onClientError,
    frameworkErrors: (error, _request, reply) => {
      const chat = frameworkError(error);
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

  boundBacklog(app, options.maxBufferedBytes, config.backlog);

  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    config.onClose?.();
    done();
  });

  app.addHook('onRequest', (request, reply, done) => {
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
  });

  app.setErrorHandler((error, request, reply) => {
    const chat = toChatError(error);
    if (chat.code === 'INTERNAL_ERROR') request.log.error(error);
    void reply.code(chat.status).send(chat.toBody());
  });

  app.setNotFoundHandler((request, reply) => {
    const chat = new ChatError(
      'NOT_FOUND',
      `no route ${request.method} ${request.url.split('?', 1)[0] ?? ''}; routes are GET ${HEALTH_PATH}, POST and GET ${MESSAGES_ROUTE}`,
    );
    void reply.code(chat.status).send(chat.toBody());
  });

  app.get(HEALTH_PATH, (): HealthAnswer => ({ status: 'ok', transport }));

  app.post<{ Params: { room: string } }>(MESSAGES_ROUTE, (request, reply): PostAnswer => {
    if (!isJson(request.headers['content-type'])) {
      throw new ChatError('UNSUPPORTED_MEDIA_TYPE', 'a POST must have Content-Type: application/json');
    }
    const room = checkRoomId(request.params.room);
    const post = checkPost(request.body, options.maxBodyBytes);
    const result = log.append(room, post);
    void reply.code(result.stored ? 201 : 200);
    return { seq: result.message.seq, cursor: result.cursor };
  });

  app.get<{ Params: { room: string }; Querystring: Record<string, unknown> }>(MESSAGES_ROUTE, (request, reply) => {
    const roomId = checkRoomId(request.params.room);
    const cursor = checkCursorParam(request.query.cursor);
    const limit = checkLimit(request.query.limit, options.pageSize, options.maxPageSize);
    const room = log.peek(roomId);
    const after = cursor === undefined ? undefined : room.resolve(cursor);
    return config.poll({ room, after, limit, query: request.query }, request, reply);
  });

  return app;
}
