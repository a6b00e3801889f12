import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { ChatError } from './errors.ts';
import { MAX_CURSOR_CHARS, MAX_NAME_CHARS, ROOM_ID_PATTERN } from './limits.ts';
import type { ClientFrame, PostRequest, SendFrame, SubscribeFrame, UnsubscribeFrame } from './messages.ts';

/**
 * Input validation, once for every transport, so that the same bad input gets the same error
 * everywhere. JSON Schema (ajv) checks the shape; the byte limit of `body` is checked after it,
 * because JSON Schema counts characters, not UTF-8 bytes.
 */

const name = { type: 'string', minLength: 1, maxLength: MAX_NAME_CHARS } as const;
const room = { type: 'string', pattern: ROOM_ID_PATTERN.source } as const;
const cursor = { type: 'string', minLength: 1, maxLength: MAX_CURSOR_CHARS } as const;

/** JSON Schemas of what clients send, exported as documentation for other tools. */
export const SCHEMAS = {
  post: {
    type: 'object',
    required: ['id', 'from', 'body'],
    additionalProperties: false,
    properties: { id: name, from: name, body: { type: 'string' } },
  },
  subscribe: {
    type: 'object',
    required: ['type', 'room'],
    additionalProperties: false,
    properties: { type: { const: 'subscribe' }, room, cursor },
  },
  unsubscribe: {
    type: 'object',
    required: ['type', 'room'],
    additionalProperties: false,
    properties: { type: { const: 'unsubscribe' }, room },
  },
  send: {
    type: 'object',
    required: ['type', 'room', 'id', 'from', 'body'],
    additionalProperties: false,
    properties: { type: { const: 'send' }, room, id: name, from: name, body: { type: 'string' } },
  },
} as const;

/** What each field must be, in words, for error messages. */
const FIELD_RULES: Readonly<Record<string, string>> = {
  id: `a string of 1 to ${MAX_NAME_CHARS} characters`,
  from: `a string of 1 to ${MAX_NAME_CHARS} characters`,
  body: 'a string',
  room: `a room id matching ${ROOM_ID_PATTERN.source}`,
  cursor: `a cursor string (1 to ${MAX_CURSOR_CHARS} characters) that this server handed out`,
  type: 'one of "subscribe", "unsubscribe", "send"',
};

const ajv = new Ajv({ allErrors: false, strict: true });
const validators = {
  post: ajv.compile<PostRequest>(SCHEMAS.post),
  subscribe: ajv.compile<SubscribeFrame>(SCHEMAS.subscribe),
  unsubscribe: ajv.compile<UnsubscribeFrame>(SCHEMAS.unsubscribe),
  send: ajv.compile<SendFrame>(SCHEMAS.send),
} as const;

function describeError(error: ErrorObject | undefined, what: string, allowed: readonly string[]): string {
  if (!error) return `invalid ${what}`;
  if (error.keyword === 'additionalProperties') {
    const extra = String((error.params as { additionalProperty?: unknown }).additionalProperty);
    return `unknown field ${JSON.stringify(extra)} in ${what}; allowed fields: ${allowed.join(', ')}`;
  }
  if (error.keyword === 'required') {
    const missing = String((error.params as { missingProperty?: unknown }).missingProperty);
    return `missing field ${JSON.stringify(missing)} in ${what}; it must be ${FIELD_RULES[missing] ?? 'present'}`;
  }
  const field = error.instancePath.slice(1);
  if (field === '') return `${what} must be a JSON object with fields ${allowed.join(', ')}`;
  return `field ${JSON.stringify(field)} must be ${FIELD_RULES[field] ?? error.message ?? 'valid'}`;
}

function checkBodyBytes(body: string, maxBodyBytes: number): void {
  // A UTF-8 byte count is at most 3 per UTF-16 unit, so short bodies need no count.
  if (body.length * 3 <= maxBodyBytes) return;
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > maxBodyBytes) {
    throw new ChatError('PAYLOAD_TOO_LARGE', `field "body" is ${bytes} UTF-8 bytes; at most ${maxBodyBytes} are allowed`);
  }
}

/** A UTF-16 surrogate that is not half of a pair: `\p{Cs}` matches only those under the `u` flag. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Refuses a lone UTF-16 surrogate in `id`, `from` or `body`. JSON can carry one (`"\ud800"`), but
 * it is not Unicode text: UTF-8 cannot encode it, and the Redis backplane, which stores UTF-8,
 * turned it into U+FFFD, so that two senders differing only there collided as one retry. One rule
 * for every backplane and transport: such text is a bad request, never stored.
 */
function checkWellFormed(message: { readonly id: string; readonly from: string; readonly body: string }): void {
  for (const field of ['id', 'from', 'body'] as const) {
    const at = message[field].search(LONE_SURROGATE);
    if (at >= 0) {
      throw new ChatError('BAD_REQUEST', `field ${JSON.stringify(field)} has a lone UTF-16 surrogate at index ${at}; text must be well-formed Unicode (a surrogate only as half of a pair)`);
    }
  }
}

/** Checks a parsed POST body; throws `BAD_REQUEST` or `PAYLOAD_TOO_LARGE`. */
export function checkPost(value: unknown, maxBodyBytes: number): PostRequest {
  if (!validators.post(value)) {
    throw new ChatError('BAD_REQUEST', describeError(validators.post.errors?.[0], 'the message', ['id', 'from', 'body']));
  }
  checkWellFormed(value);
  checkBodyBytes(value.body, maxBodyBytes);
  return value;
}

/** Checks a room id taken from a URL. */
export function checkRoomId(value: unknown): string {
  if (typeof value !== 'string' || !ROOM_ID_PATTERN.test(value)) {
    throw new ChatError('BAD_REQUEST', `room id ${JSON.stringify(value)} is not valid; it must be ${FIELD_RULES.room}`);
  }
  return value;
}

const FRAME_FIELDS: Readonly<Record<ClientFrame['type'], readonly string[]>> = {
  subscribe: ['type', 'room', 'cursor'],
  unsubscribe: ['type', 'room'],
  send: ['type', 'room', 'id', 'from', 'body'],
};

/** A frame that could not be accepted, with what to echo as `ref`. */
export class FrameError extends ChatError {
  readonly ref: string | undefined;
  constructor(error: ChatError, ref: string | undefined) {
    super(error.code, error.message, error.cursor);
    this.ref = ref;
  }
}

function refOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as { id?: unknown; room?: unknown; type?: unknown };
  if (v.type === 'send' && typeof v.id === 'string') return v.id;
  if (typeof v.room === 'string') return v.room;
  if (typeof v.id === 'string') return v.id;
  return undefined;
}

/** Parses and checks a WebSocket text frame; throws a `FrameError`. */
export function parseClientFrame(text: string, maxBodyBytes: number): ClientFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new FrameError(new ChatError('BAD_REQUEST', 'the frame is not valid JSON; frames are JSON text such as {"type":"subscribe","room":"lobby"}'), undefined);
  }
  return checkClientFrame(value, maxBodyBytes);
}

/**
 * A client frame already parsed (a Socket.IO event's payload, which its parser read): checked as
 * `parseClientFrame` checks one, with the same errors.
 */
export function checkClientFrame(value: unknown, maxBodyBytes: number): ClientFrame {
  const ref = refOf(value);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FrameError(new ChatError('BAD_REQUEST', 'a frame must be a JSON object with a "type" field'), ref);
  }
  const type = (value as { type?: unknown }).type;
  if (type !== 'subscribe' && type !== 'unsubscribe' && type !== 'send') {
    throw new FrameError(
      new ChatError('BAD_REQUEST', `unknown frame type ${JSON.stringify(type) ?? 'undefined'}; it must be ${FIELD_RULES.type}`),
      ref,
    );
  }
  const validate: ValidateFunction<ClientFrame> = validators[type];
  if (!validate(value)) {
    throw new FrameError(new ChatError('BAD_REQUEST', describeError(validate.errors?.[0], `a "${type}" frame`, FRAME_FIELDS[type])), ref);
  }
  if (value.type === 'send') {
    try {
      checkWellFormed(value);
      checkBodyBytes(value.body, maxBodyBytes);
    } catch (error) {
      throw new FrameError(error as ChatError, ref);
    }
  }
  return value;
}

function single(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new ChatError('BAD_REQUEST', `query parameter "${name}" must be given once`);
  }
  return value;
}

function integerParam(name: string, value: unknown, min: number, max: number): number | undefined {
  const text = single(name, value);
  if (text === undefined) return undefined;
  const n = /^\d{1,10}$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) {
    throw new ChatError('BAD_REQUEST', `query parameter "${name}" must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return n;
}

/** `limit`: the default when absent, else an integer from 1 to `maxPageSize`. */
export function checkLimit(value: unknown, pageSize: number, maxPageSize: number): number {
  return integerParam('limit', value, 1, maxPageSize) ?? pageSize;
}

/** `wait` (long polling): the default when absent, else an integer of ms from 0 to `maxWaitMs`. */
export function checkWait(value: unknown, defaultWaitMs: number, maxWaitMs: number): number {
  return integerParam('wait', value, 0, maxWaitMs) ?? defaultWaitMs;
}

/**
 * `cursor`: absent means "from now on". A cursor that is not a single string of sane length is a
 * bad request; any other string is for the room log to accept or call expired.
 */
export function checkCursorParam(value: unknown): string | undefined {
  const text = single('cursor', value);
  if (text === undefined) return undefined;
  if (text.length === 0 || text.length > MAX_CURSOR_CHARS) {
    throw new ChatError('BAD_REQUEST', `query parameter "cursor" must be ${FIELD_RULES.cursor}`);
  }
  return text;
}

/**
 * The `Last-Event-ID` header of an SSE request (a reconnecting `EventSource`): absent or empty means
 * none was given (a browser sends none before its first event id); otherwise a cursor of sane
 * length, as the `cursor` parameter.
 */
export function checkLastEventId(value: string | string[] | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || value.length > MAX_CURSOR_CHARS) {
    throw new ChatError('BAD_REQUEST', `header Last-Event-ID must be ${FIELD_RULES.cursor}, given once`);
  }
  return value;
}
