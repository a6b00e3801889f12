/**
 * The text of the events an SSE stream carries (WHATWG HTML, "Server-sent events"). Every field is
 * one line: the data is JSON, which escapes CR and LF, and cursors hold neither.
 */
import { SSE_ERROR_EVENT, type ErrorCode } from '../contract/index.ts';

/** The comment every stream gets each `heartbeatMs`, so that proxies do not close a quiet one. */
export const PING = ': ping\n\n';

/**
 * A `messages` event: `id` is the cursor after its last message, and the data is the WebSocket
 * `messages` frame without `type`. `messages` are the messages already serialized as JSON, so that
 * one serialization serves every stream of a room.
 */
export function messagesEvent(room: string, messages: readonly string[], cursor: string): string {
  const quoted = JSON.stringify(cursor);
  return `event: messages\nid: ${cursor}\ndata: {"room":${JSON.stringify(room)},"messages":[${messages.join(',')}],"cursor":${quoted}}\n\n`;
}

/**
 * The event that ends a stream, or answers a refused one: the code, what happened, and the
 * cursor to come back with, also as its `id`, so that a browser's `EventSource` comes back with it
 * as `Last-Event-ID` (after an expired cursor, the fresh one). Not `error`: a browser fires its
 * own `error` for connection errors, on the same listener.
 */
export function errorEvent(code: ErrorCode, message: string, cursor: string | undefined): string {
  const id = cursor === undefined ? '' : `id: ${cursor}\n`;
  return `event: ${SSE_ERROR_EVENT}\n${id}data: ${JSON.stringify({ code, message, ...(cursor === undefined ? {} : { cursor }) })}\n\n`;
}

/**
 * The whole answer to a stream refused for a while (a limit, a busy server, the backplane down,
 * shutting down, an expired cursor): `200 text/event-stream` with `retry:` and the error event, then
 * the end. A browser's `EventSource` gives up for good on any other answer, and cannot read a JSON
 * body; with this it reads the code and comes back after `retryMs`.
 */
export function refusedStream(code: ErrorCode, message: string, cursor: string | undefined, retryMs: number): string {
  return `retry: ${retryMs}\n${errorEvent(code, message, cursor)}`;
}
