/**
 * Servers broken on purpose, each in one small place, to test the conformance suite itself: a
 * suite that passes them is too weak. Each is one of the project's servers with its room log
 * changed, or behind a proxy that changes what passes (test/helpers/mutating-proxy.ts). Every
 * numbered promise of the contract and every error rule the suite checks has at least one here;
 * test/servers/conformance-broken.test.ts asserts the suite rejects each with the failure named.
 */
import { decodeCursor, type Transport } from '../../servers/contract/index.ts';
import { RoomLog } from '../../servers/index.ts';
import type { Room } from '../../servers/common/room-log.ts';
import { PROMISES } from '../../servers/contract/conformance/promises.ts';
import { mapJson, startMutatingProxy, type Mutation } from './mutating-proxy.ts';
import { startServer } from '../../servers/contract/conformance/servers.ts';

/** The broken servers keep this many messages per room, so that the expired-cursor checks are quick. */
export const BROKEN_HISTORY_SIZE = 200;

export interface BrokenServer {
  /** A short name, "reversed-pages". */
  readonly name: string;
  /** The bug, in words. */
  readonly bug: string;
  /** The transport the server claims. */
  readonly transport: Transport;
  /** The part of the suite (a promise, or the HTTP or WebSocket errors) that must report it. */
  readonly part: string;
  /** What the suite must say: matched against the detail of the part's `BROKEN:` line. */
  readonly says: RegExp;
  /** The token the server requires, when it requires one. */
  readonly token?: string;
  /** Starts it; resolves with its base URL. Closed after the test. */
  start(): Promise<string>;
}

/** Changes every room of a log as it is made: a fault reaches into the room, as a bug would. */
class PatchedLog extends RoomLog {
  private readonly patched = new WeakSet<Room>();

  constructor(private readonly patch: (room: Room, log: RoomLog) => void) {
    super({ historySize: BROKEN_HISTORY_SIZE });
  }

  override room(id: string): Room {
    const room = super.room(id);
    if (!this.patched.has(room)) {
      this.patched.add(room);
      this.patch(room, this);
    }
    return room;
  }
}

/** A room forgets every (from, id) it stored, so a retry is stored again. */
export class RetryForgettingLog extends RoomLog {
  override append(roomId: string, post: Parameters<RoomLog['append']>[1]): ReturnType<RoomLog['append']> {
    const result = super.append(roomId, post);
    // The index of (from, id) is private to the room: this fault reaches in, as a bug would.
    (this.room(roomId) as unknown as { bySender: Map<string, number> }).bySender.clear();
    return result;
  }
}

/** A cursor older than history resumes from the oldest kept message: a partial replay. */
export function partialReplayLog(): RoomLog {
  return new PatchedLog((room, log) => {
    const resolve = room.resolve.bind(room);
    room.resolve = (cursor: string): number => {
      const seq = decodeCursor(log.epoch, room.tag, cursor);
      if (seq !== undefined && seq < room.oldest - 1) return room.oldest - 1;
      return resolve(cursor);
    };
  });
}

/** Off by one at the edge of history: the cursor just before the oldest kept message is called expired. */
function edgeExpiringLog(): RoomLog {
  return new PatchedLog((room, log) => {
    const resolve = room.resolve.bind(room);
    room.resolve = (cursor: string): number => {
      const seq = decodeCursor(log.epoch, room.tag, cursor);
      // The cursor after seq oldest − 1 is taken for the one before it, which has expired.
      if (seq !== undefined && room.oldest > 1 && seq === room.oldest - 1) return resolve(room.cursorAt(seq - 1));
      return resolve(cursor);
    };
  });
}

/** A resumed subscription starts one message late: the first message after the cursor is skipped. */
function lateResumeLog(): RoomLog {
  return new PatchedLog((room) => {
    const resolve = room.resolve.bind(room);
    room.resolve = (cursor: string): number => Math.min(resolve(cursor) + 1, room.head);
  });
}

/** A server of the project with its room log replaced. */
function withLog(transport: Transport, log: () => RoomLog): () => Promise<string> {
  return async () => (await startServer(transport, { historySize: BROKEN_HISTORY_SIZE }, log())).url;
}

/** A server of the project behind a proxy that applies `mutation`. */
function behindProxy(transport: Transport, mutation: Mutation, options: Record<string, unknown> = {}): () => Promise<string> {
  return async () => {
    const { url } = await startServer(transport, { historySize: BROKEN_HISTORY_SIZE, ...options });
    return startMutatingProxy(url, mutation);
  };
}

/** The path without its query, and the query's parameters. */
function split(path: string): { pathname: string; query: URLSearchParams } {
  const url = new URL(path, 'http://x');
  return { pathname: url.pathname, query: url.searchParams };
}

const isMessagesGet = (method: string, path: string): boolean => method === 'GET' && /^\/rooms\/[^/]+\/messages$/.test(split(path).pathname);

/** Changes each message of every answer of a `GET` of messages. */
function eachMessage(change: (message: Record<string, unknown>) => Record<string, unknown>): Mutation {
  return {
    answer: (answer, request) =>
      isMessagesGet(request.method, request.path) && answer.status === 200
        ? { ...answer, body: mapJson(answer.body, (b) => ({ ...b, messages: (b.messages as Record<string, unknown>[]).map(change) })) }
        : answer,
  };
}

/** Rewrites a query parameter of `GET`s of messages. */
function rewriteQuery(name: string, change: (value: string) => string): Mutation {
  return {
    request: (request) => {
      if (!isMessagesGet(request.method, request.path)) return request;
      const { pathname, query } = split(request.path);
      const value = query.get(name);
      if (value === null) return request;
      query.set(name, change(value));
      return { ...request, path: `${pathname}?${query.toString()}` };
    },
  };
}

/** A number clamped into [min, max]; anything that is not a number becomes `fallback`. */
function clamp(value: string, min: number, max: number, fallback: number): string {
  const n = Math.trunc(Number(value));
  return String(Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : fallback);
}

const TOKEN = 'broken-token';

/** The catalogue. `says` quotes the suite's own failure messages (servers/contract/conformance/suite.ts). */
export const BROKEN_SERVERS: readonly BrokenServer[] = [
  {
    name: 'reversed-pages',
    bug: 'every page of messages is sent newest first',
    transport: 'long-polling',
    part: PROMISES.order,
    says: /messages should arrive in seq order without gaps or repeats/,
    start: behindProxy('long-polling', {
      answer: (answer, request) =>
        isMessagesGet(request.method, request.path) && answer.status === 200
          ? { ...answer, body: mapJson(answer.body, (b) => ({ ...b, messages: [...(b.messages as unknown[])].reverse() })) }
          : answer,
    }),
  },
  {
    name: 'late-resume',
    bug: 'a subscription resumed with a cursor skips the first message after it',
    transport: 'websocket',
    part: PROMISES.noLoss,
    says: /after resuming from the cursor after seq 3, seqs 4\.\.30 should arrive once each, in order/,
    start: withLog('websocket', lateResumeLog),
  },
  {
    name: 'partial-replay',
    bug: 'a cursor older than history resumes from the oldest kept message',
    transport: 'long-polling',
    part: PROMISES.noSilentGap,
    says: new RegExp(`a cursor from before ${BROKEN_HISTORY_SIZE + 5} posts \\(history ${BROKEN_HISTORY_SIZE}\\) was resumed instead of answered with CURSOR_EXPIRED: a partial replay of seqs 6\\.\\.`),
    start: withLog('long-polling', partialReplayLog),
  },
  {
    name: 'edge-expiring',
    bug: 'the cursor just before the oldest kept message is treated as the one before it',
    transport: 'short-polling',
    part: PROMISES.noSilentGap,
    says: /the cursor after seq 5, with seqs 6\.\.\d+ kept, is valid, but got CURSOR_EXPIRED/,
    start: withLog('short-polling', edgeExpiringLog),
  },
  {
    name: 'cursor-beside-error',
    bug: "CURSOR_EXPIRED carries its fresh cursor beside \"error\" instead of as error.cursor",
    transport: 'short-polling',
    part: PROMISES.httpErrors,
    says: /CURSOR_EXPIRED should carry the fresh cursor as error\.cursor \(inside "error"\), the server answered 410/,
    start: behindProxy('short-polling', {
      answer: (answer) =>
        answer.status === 410
          ? {
              ...answer,
              body: mapJson(answer.body, (b) => {
                const { cursor, ...error } = b.error as Record<string, unknown>;
                return { error, cursor };
              }),
            }
          : answer,
    }),
  },
  {
    name: 'latin1-bodies',
    bug: 'bodies are stored as Latin-1: every other character becomes "?"',
    transport: 'short-polling',
    part: PROMISES.stored,
    says: /the delivered message, as posted: field "body" should be "ünïcödé ✓ 🎉 line\\nbreak \\"quoted\\"", the server sent/,
    start: behindProxy('short-polling', {
      request: (request) =>
        request.method === 'POST' ? { ...request, body: mapJson(request.body, (b) => ({ ...b, body: typeof b.body === 'string' ? b.body.replace(/[\u0100-\u{10FFFF}]/gu, '?') : b.body })) } : request,
    }),
  },
  {
    name: 'ts-in-seconds',
    bug: 'ts is Unix time in seconds',
    transport: 'long-polling',
    part: PROMISES.stored,
    says: /ts should be Unix time in ms when stored, between \d+ and \d+, was \d{10}\b/,
    start: behindProxy('long-polling', eachMessage((m) => ({ ...m, ts: Math.floor((m.ts as number) / 1000) }))),
  },
  {
    name: 'ts-fraction',
    bug: 'ts is a fraction of a millisecond (a high-resolution clock)',
    transport: 'short-polling',
    part: PROMISES.stored,
    says: /ts should be an integer \(Unix time in ms\), was \d+\.25/,
    start: behindProxy('short-polling', eachMessage((m) => ({ ...m, ts: (m.ts as number) + 0.25 }))),
  },
  {
    name: 'retry-stored-again',
    bug: 'a room forgets every (from, id) it stored, so a retry is stored again',
    transport: 'websocket',
    part: PROMISES.retries,
    says: /^a retry with the same from\/id stored a second message \(seq 2\)/,
    start: withLog('websocket', () => new RetryForgettingLog({ historySize: BROKEN_HISTORY_SIZE })),
  },
  {
    name: 'retry-head-cursor',
    bug: "a retry is acknowledged with the room's head cursor instead of the cursor just after the original",
    transport: 'long-polling',
    part: PROMISES.retries,
    says: /resuming from the retry's cursor should give seq 2 \(posted after the original\), gave seq 3 \(after\): the cursor was the head's/,
    start: behindProxy('long-polling', {
      answer: async (answer, request, upstream) => {
        if (request.method !== 'POST' || answer.status !== 200) return answer;
        const head = await upstream(split(request.path).pathname);
        const cursor = (JSON.parse(head.body) as { cursor: string }).cursor;
        return { ...answer, body: mapJson(answer.body, (b) => ({ ...b, cursor })) };
      },
    }),
  },
  {
    name: 'author-left-out',
    bug: 'a new message is sent to every member but the connection that posted it',
    transport: 'websocket',
    part: PROMISES.everyone,
    says: /the author should receive its own messages own1\.\.own3 before seq 4 from another client; it received \[\[4,"marker"\]\]/,
    start: behindProxy('websocket', {
      serverFrame: (text, session) => {
        const frame = JSON.parse(text) as { type?: string; messages?: { from: string; id: string }[] };
        if (frame.type !== 'messages' || frame.messages === undefined || frame.messages.length === 0) return text;
        const others = frame.messages.filter((m) => !session.sent.has(`${m.from}\u0000${m.id}`));
        return others.length === 0 ? undefined : JSON.stringify({ ...frame, messages: others });
      },
    }),
  },
  {
    name: 'clamped-limit',
    bug: 'a limit out of range is clamped into 1..1000 instead of refused',
    transport: 'short-polling',
    part: PROMISES.httpErrors,
    says: /GET \?limit=0 should be answered 400 BAD_REQUEST, was 200/,
    start: behindProxy('short-polling', rewriteQuery('limit', (v) => clamp(v, 1, 1000, 100))),
  },
  {
    name: 'clamped-wait',
    bug: 'a wait out of range is clamped into 0..60000 instead of refused',
    transport: 'long-polling',
    part: PROMISES.httpErrors,
    says: /GET \?wait=-1 should be answered 400 BAD_REQUEST, was 200/,
    start: behindProxy('long-polling', rewriteQuery('wait', (v) => clamp(v, 0, 60_000, 0))),
  },
  {
    name: 'text-plain-json',
    bug: 'JSON answers are sent as text/plain',
    transport: 'short-polling',
    part: PROMISES.httpRoutes,
    says: /GET \/healthz: Content-Type should be application\/json, the server answered 200 \(text\/plain; charset=utf-8\)/,
    start: behindProxy('short-polling', { answer: (answer) => ({ ...answer, contentType: 'text/plain; charset=utf-8' }) }),
  },
  {
    name: 'any-content-type',
    bug: 'a POST of any Content-Type is read as JSON',
    transport: 'short-polling',
    part: PROMISES.httpErrors,
    says: /a POST with Content-Type text\/plain should be answered 415 UNSUPPORTED_MEDIA_TYPE, was 201/,
    start: behindProxy('short-polling', { request: (request) => (request.method === 'POST' ? { ...request, headers: { ...request.headers, 'content-type': 'application/json' } } : request) }),
  },
  {
    name: 'framework-404',
    bug: "unknown routes get the web framework's own 404 body, not the contract's",
    transport: 'long-polling',
    part: PROMISES.httpErrors,
    says: /GET \/ should carry \{ error: \{ code: "NOT_FOUND" \} \}, was 404/,
    start: behindProxy('long-polling', {
      answer: (answer, request) =>
        answer.status === 404 ? { ...answer, body: JSON.stringify({ message: `Route ${request.method}:${request.path} not found`, error: 'Not Found', statusCode: 404 }) } : answer,
    }),
  },
  {
    name: 'open-healthz',
    bug: 'GET /healthz is answered without the token',
    transport: 'short-polling',
    token: TOKEN,
    part: PROMISES.httpErrors,
    says: /GET \/healthz with \{\} should be answered 401 UNAUTHORIZED, was 200/,
    start: behindProxy(
      'short-polling',
      { request: (request) => (split(request.path).pathname === '/healthz' ? { ...request, headers: { ...request.headers, authorization: `Bearer ${TOKEN}` } } : request) },
      { token: TOKEN },
    ),
  },
  {
    name: 'too-large-as-400',
    bug: 'a body over maxBodyBytes gets 400 BAD_REQUEST instead of 413 PAYLOAD_TOO_LARGE',
    transport: 'long-polling',
    part: PROMISES.httpErrors,
    says: /a body of \d+ bytes should be answered 413 PAYLOAD_TOO_LARGE, was 400/,
    start: behindProxy('long-polling', {
      answer: (answer) =>
        answer.status === 413 ? { ...answer, status: 400, body: mapJson(answer.body, (b) => ({ error: { ...(b.error as object), code: 'BAD_REQUEST' } })) } : answer,
    }),
  },
  {
    name: 'anonymous-default',
    bug: 'a post without "from" is stored as from "anonymous" instead of refused',
    transport: 'short-polling',
    part: PROMISES.httpErrors,
    says: /POST \{"id":"a","body":"x"\} should be answered 400 BAD_REQUEST, was 201/,
    start: behindProxy('short-polling', {
      request: (request) => (request.method === 'POST' ? { ...request, body: mapJson(request.body, (b) => ('from' in b || !('id' in b) ? b : { ...b, from: 'anonymous' })) } : request),
    }),
  },
  {
    name: 'wordless-errors',
    bug: 'errors carry their code but no message',
    transport: 'long-polling',
    part: PROMISES.httpErrors,
    says: /error\.message should say what was wrong, was 400/,
    start: behindProxy('long-polling', {
      answer: (answer) => (answer.status >= 400 ? { ...answer, body: mapJson(answer.body, (b) => ({ error: { ...(b.error as object), message: '' } })) } : answer),
    }),
  },
  {
    name: 'closes-on-bad-frame',
    bug: 'a frame that is not JSON closes the socket instead of getting an error frame',
    transport: 'websocket',
    part: PROMISES.wsErrors,
    says: /the server closed the socket \(1003 proxy: frame refused\) before the frame came/,
    start: behindProxy('websocket', {
      clientFrame: (text) => {
        try {
          JSON.parse(text);
          return text;
        } catch {
          return 'close';
        }
      },
    }),
  },
];
