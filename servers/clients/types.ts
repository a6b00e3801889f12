import type { ChatMessage, PostRequest, RtcChannel, SocketIoEngine, Transport } from '../contract/index.ts';

/** What a client counts on the wire: the raw material of "what each delivered message costs". */
export interface ClientCounters {
  /** HTTP requests sent, WebSocket handshakes included. */
  requests: number;
  /** Polls answered with no message. */
  emptyPolls: number;
  /** TCP connections opened. */
  connections: number;
  /** Bytes written to and read from the client's sockets, headers and frames included. */
  bytesWritten: number;
  bytesRead: number;
  /** Times the client came back after losing its connection or its poll. */
  reconnects: number;
  /** `CURSOR_EXPIRED` answers met while receiving (messages were skipped, explicitly). */
  cursorExpired: number;
  /** Failed polls, dropped sockets and other errors the client recovered from. */
  errors: number;
}

/** Something that happened to a client while it received, which it recovered from. */
export type ClientEvent =
  | { readonly type: 'cursor-expired'; readonly room: string; readonly cursor: string }
  | { readonly type: 'poll-failed'; readonly room: string; readonly error: Error }
  | { readonly type: 'disconnected'; readonly code: number; readonly reason: string }
  | { readonly type: 'reconnected' }
  /** The client's instance could not be reached: it moved to another (`fallbackUrls`). */
  | { readonly type: 'moved'; readonly url: string }
  | { readonly type: 'error'; readonly error: Error };

export interface ClientOptions {
  /** Base URL of the server, `http://127.0.0.1:PORT` (or `https://` with TLS). */
  readonly url: string;
  /**
   * Other instances of the same transport on one backplane: when `url` (or the instance in use)
   * cannot be reached, the client moves to the next and resumes with its cursors.
   */
  readonly fallbackUrls?: readonly string[];
  /** Shared token, when the server requires one. */
  readonly token?: string;
  /** Called with each batch of messages of a room, in seq order. */
  readonly onMessages?: (room: string, messages: readonly ChatMessage[]) => void;
  /** Called for each event the client recovered from. */
  readonly onEvent?: (event: ClientEvent) => void;
  /** Short polling: ms between the starts of two polls of a room. Default 1000. */
  readonly pollIntervalMs?: number;
  /** Short polling: ms before the first poll after subscribing (a random phase). Default 0. */
  readonly pollPhaseMs?: number;
  /** Long polling: the `wait` asked for. Default 25000. */
  readonly waitMs?: number;
  /** Polling: the `limit` asked for. Default: the server's. */
  readonly limit?: number;
  /** WebSocket: come back with the last cursors after an unexpected close. Default true. */
  readonly reconnect?: boolean;
  /** `true` (default): HTTP clients keep connections alive; `false`: a new connection per request. */
  readonly keepAlive?: boolean;
  /**
   * WebRTC: the data channel the rooms are received on: `reliable` (default, `chat`) or `lossy`
   * (`chat-lossy`: unordered, no retransmits; sends still go on `chat`).
   */
  readonly channel?: RtcChannel;
  /** WebRTC on `lossy`: fetch the seqs a gap left out over HTTP. Default false: count what arrives. */
  readonly fetchGaps?: boolean;
  /**
   * The source address of every connection the client opens (`127.1.0.1`), so that the clients of
   * one load generator use ephemeral ports of their own. Default: the system's choice.
   */
  readonly localAddress?: string;
  /** A certificate (PEM) to trust for an https:// URL, beside the system's: a server's self-signed one. */
  readonly ca?: string;
  /** Over TLS: new connections resume the last TLS session (default, as browsers do); `false`: a full handshake each. */
  readonly resumeTls?: boolean;
  /** Polling over TLS: every request on one HTTP/2 connection. */
  readonly http2?: boolean;
  /**
   * Socket.IO: the engine.io transport, `websocket` only, `polling` (HTTP long polling) only, or
   * `upgrade` (the default: polling first, then an upgrade to WebSocket, as Socket.IO does).
   */
  readonly engine?: SocketIoEngine;
}

export interface SendResult {
  readonly seq: number;
  readonly cursor: string;
}

/** One chat client of any transport. */
export interface ChatClient {
  readonly transport: Transport;
  /** Opens the connection where the transport has one (WebSocket); resolves when usable. */
  connect(): Promise<void>;
  /**
   * Starts receiving a room: the messages after `cursor` (none without one), then live ones.
   * Resolves with the cursor of the first answer, once receiving has started; rejects with a
   * `ClientError` (`CURSOR_EXPIRED`, with `cursor`) for a cursor the server will not resume.
   */
  subscribe(room: string, cursor?: string): Promise<string>;
  /** Stops receiving a room. */
  unsubscribe(room: string): void;
  /** Posts a message; resolves once the server stored it (or found the original of a retry). */
  send(room: string, post: PostRequest): Promise<SendResult>;
  /** The last cursor received for a room. */
  cursor(room: string): string | undefined;
  readonly counters: Readonly<ClientCounters>;
  /** Stops everything and closes the connections. */
  close(): Promise<void>;
}

/** An error answer of the server, or a failure to reach it. */
export class ClientError extends Error {
  override readonly name = 'ClientError';
  constructor(
    message: string,
    /** The contract's error code, or `NETWORK` when no answer came. */
    readonly code: string,
    /** The HTTP status, when there was one. */
    readonly status?: number,
    /** With `CURSOR_EXPIRED`: where to restart. */
    readonly cursor?: string,
  ) {
    super(message);
  }
}

export function emptyCounters(): ClientCounters {
  return { requests: 0, emptyPolls: 0, connections: 0, bytesWritten: 0, bytesRead: 0, reconnects: 0, cursorExpired: 0, errors: 0 };
}
