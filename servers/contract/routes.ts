/** Routes of the chat contract. */

/** `GET` on every server: liveness and which transport answers. */
export const HEALTH_PATH = '/healthz';
/** The WebSocket endpoint (`GET` with `Upgrade: websocket`). */
export const WS_PATH = '/ws';
/** The Socket.IO (engine.io) endpoint: its polling requests and its WebSocket handshake (version 3). */
export const SOCKETIO_PATH = '/socket.io/';
/**
 * The Socket.IO events of the contract (version 3): a client frame's `type` is the event's name and
 * the frame its payload; a server frame goes as the event of its type, but `error`, which is
 * `chat_error` (Socket.IO's own error events are the framework's, not the chat's).
 */
export const SOCKETIO_EVENTS = { subscribe: 'subscribe', unsubscribe: 'unsubscribe', send: 'send', messages: 'messages', ack: 'ack', error: 'chat_error' } as const;
/** WebRTC signalling: `POST` an offer (gathering complete), get the answer. */
export const RTC_OFFER_PATH = '/rtc/offer';
/** The WebRTC data channel labels a server accepts: `chat` (ordered, reliable) and `chat-lossy` (unordered, no retransmits). */
export const RTC_CHANNELS = { reliable: 'chat', lossy: 'chat-lossy' } as const;
export type RtcChannel = keyof typeof RTC_CHANNELS;
/** `POST` to store, `GET` to read after a cursor (polling servers). Fastify route syntax. */
export const MESSAGES_ROUTE = '/rooms/:room/messages';

/** `GET` (sse): one room's Server-Sent Events stream. Fastify route syntax. */
export const EVENTS_ROUTE = '/rooms/:room/events';

/** The path of one room's event stream, with the room id escaped for a URL. */
export function eventsPath(room: string): string {
  return `/rooms/${encodeURIComponent(room)}/events`;
}

/**
 * The SSE event that ends a stream or answers a refused one, with the contract's error: not
 * `error`, which a browser also fires for its own connection errors.
 */
export const SSE_ERROR_EVENT = 'chat_error';
/**
 * The errors of an SSE stream that pass, answered as a stream (`200 text/event-stream`, `retry:`,
 * the error event) so that a browser's `EventSource` comes back: any other answer ends it for good.
 */
export const SSE_PASSING_ERRORS = ['TOO_MANY_STREAMS', 'TOO_MANY_ROOMS', 'SERVER_BUSY', 'BACKPLANE_UNAVAILABLE', 'SHUTTING_DOWN', 'CURSOR_EXPIRED'] as const;
/** The `retry:` of a refused stream, in ms: when a browser comes back (its own default is about 3 s). */
export const SSE_REFUSED_RETRY_MS = 3000;

/** The header a reconnecting `EventSource` sends with the id of the last event it received. */
export const LAST_EVENT_ID_HEADER = 'last-event-id';

/** The path of one room's messages, with the room id escaped for a URL. */
export function messagesPath(room: string): string {
  return `/rooms/${encodeURIComponent(room)}/messages`;
}

/** Query parameters of `GET /rooms/:room/messages`. */
export const QUERY = { cursor: 'cursor', limit: 'limit', wait: 'wait' } as const;
/** WebSocket URL query parameter that carries the shared token. */
export const WS_TOKEN_PARAM = 'token';
