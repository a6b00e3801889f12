/**
 * The one catalogue of error codes of the chat contract, with their HTTP status and WebSocket
 * close code. servers/contract/README.md documents the same table; test/servers/errors.test.ts keeps
 * them equal.
 */
export const ERRORS = {
  BAD_REQUEST: { status: 400, close: undefined, when: 'malformed JSON, a missing or wrong field, a bad room id, a bad limit, wait or cursor parameter, an unknown frame type' },
  UNAUTHORIZED: { status: 401, close: undefined, when: 'a token is required and missing or wrong' },
  FORBIDDEN: { status: 403, close: undefined, when: 'a WebSocket handshake from an Origin outside the allow-list; a request whose Host is not allowed (loopback names and allowedHosts on a loopback server)' },
  NOT_FOUND: { status: 404, close: undefined, when: 'an unknown route' },
  REQUEST_TIMEOUT: { status: 408, close: undefined, when: 'a request whose headers or body did not arrive within headersTimeoutMs or requestTimeoutMs' },
  CURSOR_EXPIRED: { status: 410, close: undefined, when: 'the cursor is older than history, from another epoch, or not a cursor this server made' },
  PAYLOAD_TOO_LARGE: { status: 413, close: 1009, when: 'a body or frame over the limit' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, close: undefined, when: 'a POST that is not application/json' },
  TOO_MANY_ROOMS: { status: 503, close: undefined, when: 'a new room while the server keeps maxRooms rooms already' },
  TOO_MANY_SUBSCRIPTIONS: { status: undefined, close: undefined, when: 'a WebSocket subscribe beyond maxSubscriptions rooms on one connection' },
  BUSY: { status: 503, close: undefined, when: 'a WebRTC offer while the server has maxPeers peer connections already' },
  TOO_MANY_HELD_POLLS: { status: 503, close: undefined, when: 'a long poll that would be held while the server holds maxHeldPolls already' },
  TOO_MANY_STREAMS: { status: 503, close: undefined, when: 'an SSE stream opened while the server holds maxStreams streams already' },
  SERVER_BUSY: { status: 503, close: undefined, when: 'a GET of messages while more than maxWaitingBytes of answers wait for clients that do not read' },
  HEADERS_TOO_LARGE: { status: 431, close: undefined, when: "a request line and headers over Node's limit (16 KiB)" },
  BACKPLANE_UNAVAILABLE: { status: 503, close: undefined, when: 'a post (or a read the server cannot answer from what it holds) while the Redis backplane cannot be reached; nothing was acknowledged, retrying with the same id is safe' },
  BACKPLANE_FULL: { status: 503, close: undefined, when: 'a post while the Redis backplane is out of memory (maxmemory reached); nothing was acknowledged, retrying with the same id once memory is freed stores once' },
  SHUTTING_DOWN: { status: 503, close: 1001, when: 'the server is stopping' },
  SLOW_CONSUMER: { status: undefined, close: 4008, when: 'a WebSocket client or SSE stream with more than maxBufferedBytes waiting for it' },
  INTERNAL_ERROR: { status: 500, close: 1011, when: 'a bug in the server: never expected, reported if it happens' },
} as const satisfies Record<string, { status: number | undefined; close: number | undefined; when: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** An error the contract names: a stable `code`, its HTTP status, and a message for humans. */
export class ChatError extends Error {
  readonly code: ErrorCode;
  /** With `CURSOR_EXPIRED`: the cursor at the room's head to restart from. */
  readonly cursor: string | undefined;

  constructor(code: ErrorCode, message: string, cursor?: string) {
    super(message);
    this.name = 'ChatError';
    this.code = code;
    this.cursor = cursor;
  }

  /** The HTTP status of this error (500 for a code that has none, which is a bug). */
  get status(): number {
    return ERRORS[this.code].status ?? 500;
  }

  /** The contract's HTTP error body. */
  toBody(): { error: { code: ErrorCode; message: string; cursor?: string } } {
    return this.cursor === undefined
      ? { error: { code: this.code, message: this.message } }
      : { error: { code: this.code, message: this.message, cursor: this.cursor } };
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERRORS, value);
}
