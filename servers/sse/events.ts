/**
 * The text of the events an SSE stream carries (WHATWG HTML, "Server-sent events"). Every field is
 * one line: the data is JSON, which escapes CR and LF, and cursors hold neither.
 */
import type { ErrorCode } from '../contract/index.ts';

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

/** An `error` event that ends a stream: the code, what happened, and the cursor to come back with. */
export function errorEvent(code: ErrorCode, message: string, cursor: string): string {
  return `event: error\ndata: ${JSON.stringify({ code, message, cursor })}\n\n`;
}
