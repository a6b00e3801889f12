import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { ClientHttp2Stream } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { connect as connectTcp } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { SSE_ERROR_EVENT, eventsPath, type ChatMessage, type ErrorAnswer } from '../contract/index.ts';
import { HttpChatClient } from '../clients/http-chat-client.ts';
import { HttpClient } from '../clients/http-client.ts';
import { SocketMeter } from '../clients/socket-meter.ts';
import { ClientError, emptyCounters, type ChatClient, type ClientCounters, type ClientOptions } from '../clients/types.ts';

/** Longest pause between two attempts to open a stream again. */
const MAX_BACKOFF_MS = 2000;
/**
 * The most characters the parser holds for one event before it gives up on the stream: far above
 * the largest event a server of the contract sends (a replay event of 64 KiB, or one message).
 */
const MAX_EVENT_CHARS = 16 * 1024 * 1024;

/** The data of a `messages` event. */
interface MessagesData {
  readonly room: string;
  readonly messages: readonly ChatMessage[];
  readonly cursor: string;
}

/** The data of an `error` event, which ends a stream. */
interface ErrorData {
  readonly code: string;
  readonly message?: string;
  readonly cursor?: string;
}

/** A stream's request: an HTTP/1.1 request on a connection of its own, or a stream on the client's HTTP/2 connection. */
interface StreamRequest {
  destroy(error?: Error): void;
}

/** What a stream's answer is read from: the HTTP/1.1 response, or the HTTP/2 stream itself. */
type StreamBody = IncomingMessage | ClientHttp2Stream;

interface Waiter {
  resolve(cursor: string): void;
  reject(error: Error): void;
}

/** One room's stream, across the connections it takes (it reconnects after an end). */
interface RoomStream {
  readonly room: string;
  /** The cursor of the first request, kept in its URL on every reconnection, as `EventSource` does. */
  readonly start: string | undefined;
  /** The last cursor received: sent as `Last-Event-ID` when the stream is opened again. */
  cursor: string | undefined;
  active: boolean;
  request: StreamRequest | undefined;
  retry: NodeJS.Timeout | undefined;
  failures: number;
  /** The client's `InstanceList.moves` when the stream was last opened: a failure moves it once. */
  moves: number;
  /** Set until the first event of the first connection. */
  waiter: Waiter | undefined;
}

/**
 * A Server-Sent Events client: one stream per room (`GET /rooms/:room/events`, each on a
 * connection of its own), posts with the HTTP `POST` on a keep-alive agent; over HTTP/2 (`http2`)
 * the streams and the posts share the client's one connection, each a stream. The stream is parsed
 * by `eventsource-parser`. When a stream ends (the server shut down, or cut it as a slow
 * consumer) or fails, it is opened again with `Last-Event-ID`, the last cursor received, so
 * nothing is lost; `CURSOR_EXPIRED` then restarts from the cursor the server gives, counted.
 */
export class SseChatClient extends HttpChatClient<RoomStream> implements ChatClient {
  readonly transport = 'sse' as const;
  /** What the streams' connections count; the posts' are the HTTP client's. */
  private readonly streamCounters = emptyCounters();
  private readonly meter = new SocketMeter(this.streamCounters);
  private readonly secure: boolean;

  constructor(options: ClientOptions) {
    super(
      options,
      new HttpClient(options.url, options.token, options.keepAlive ?? true, {
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
        ...(options.ca === undefined ? {} : { ca: options.ca }),
        ...(options.resumeTls === undefined ? {} : { resumeTls: options.resumeTls }),
        ...(options.http2 === undefined ? {} : { http2: options.http2 }),
      }),
    );
    this.secure = new URL(options.url).protocol === 'https:';
  }

  get counters(): Readonly<ClientCounters> {
    this.meter.update();
    const posts = this.http.measure();
    const sum = emptyCounters();
    for (const key of Object.keys(sum) as (keyof ClientCounters)[]) sum[key] = posts[key] + this.streamCounters[key];
    return sum;
  }

  async connect(): Promise<void> {
    // Each stream opens its own connection; the posts' one is opened now (HTTP/2: the one session).
    await this.http.warm(1);
  }

  subscribe(room: string, cursor?: string): Promise<string> {
    this.unsubscribe(room);
    return new Promise<string>((resolve, reject) => {
      const state: RoomStream = { room, start: cursor, cursor, active: true, request: undefined, retry: undefined, failures: 0, moves: 0, waiter: { resolve, reject } };
      this.rooms.set(room, state);
      this.open(state);
    });
  }

  override unsubscribe(room: string): void {
    const state = this.rooms.get(room);
    if (!state) return;
    this.rooms.delete(room);
    state.active = false;
    clearTimeout(state.retry);
    state.request?.destroy();
    state.waiter?.reject(new ClientError(`subscription to ${room} replaced`, 'REPLACED'));
  }

  /** Opens the room's stream: from its first cursor, or from the last one received (`Last-Event-ID`). */
  private open(state: RoomStream): void {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    if (state.cursor !== undefined && state.waiter === undefined) headers['last-event-id'] = state.cursor;
    const path = state.start === undefined ? eventsPath(state.room) : `${eventsPath(state.room)}?cursor=${encodeURIComponent(state.start)}`;
    this.streamCounters.requests++;
    state.moves = this.instances.moves;
    if (this.options.http2 === true) {
      this.openHttp2(state, path, headers);
      return;
    }
    const { localAddress, ca } = this.options;
    const url = new URL(this.instances.current);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port || (this.secure ? 443 : 80));
    // Over TLS, a connection of its own whose TCP socket is metered (TLS records and handshakes count).
    const req = this.secure
      ? httpsRequest({
          host,
          port,
          path,
          headers,
          createConnection: () => {
            const wire = connectTcp({ host, port, ...(localAddress ? { localAddress } : {}) });
            this.meter.track(wire);
            return connectTls({ socket: wire, ...(ca === undefined ? {} : { ca }) });
          },
        })
      : httpRequest({ host, port, path, headers, agent: false, ...(localAddress ? { localAddress } : {}) });
    state.request = req;
    if (!this.secure) req.on('socket', (socket) => this.meter.track(socket));
    req.on('response', (res) => this.answered(state, req, res, res.statusCode ?? 0));
    req.on('error', (error) => this.ended(state, req, new ClientError(`GET ${path}: ${error.message}`, 'NETWORK')));
    req.end();
  }

  /**
   * Opens the stream on the HTTP client's HTTP/2 connection, which its posts share (opened by
   * whichever comes first, opened again after a GOAWAY or a failure, at the instance it was moved to).
   */
  private openHttp2(state: RoomStream, path: string, headers: Record<string, string>): void {
    let stream: ClientHttp2Stream;
    try {
      stream = this.http.openStream(path, headers);
    } catch (error) {
      const none: StreamRequest = { destroy: () => undefined };
      state.request = none;
      this.ended(state, none, new ClientError(`GET ${path}: ${(error as Error).message}`, 'NETWORK'));
      return;
    }
    state.request = stream;
    let answered = false;
    stream.once('response', (answer) => {
      answered = true;
      this.answered(state, stream, stream, Number(answer[':status'] ?? 0));
    });
    stream.on('error', (error) => this.ended(state, stream, new ClientError(`GET ${path}: ${error.message}`, 'NETWORK')));
    // A stream reset, or cut with its session, before its answer may close with no 'error'.
    stream.once('close', () => {
      if (!answered) this.ended(state, stream, new ClientError(`GET ${path}: the stream closed before its answer (code ${stream.rstCode})`, 'NETWORK'));
    });
  }

  /** The stream's answer came: a stream (200) or the contract's JSON error. */
  private answered(state: RoomStream, req: StreamRequest, res: StreamBody, status: number): void {
    if (status === 200) this.read(state, req, res);
    else this.refused(state, req, res, status);
  }

  private read(state: RoomStream, req: StreamRequest, res: StreamBody): void {
    if (state.waiter === undefined) {
      this.streamCounters.reconnects++;
      this.options.onEvent?.({ type: 'reconnected' });
    }
    state.failures = 0;
    let ending: ErrorData | undefined;
    const parser = createParser({
      maxBufferSize: MAX_EVENT_CHARS,
      onEvent: (event: EventSourceMessage) => {
        if (req !== state.request || !state.active) return;
        if (event.event === 'messages') {
          const data = JSON.parse(event.data) as MessagesData;
          state.cursor = data.cursor;
          if (data.messages.length > 0) this.options.onMessages?.(state.room, data.messages);
          const waiter = state.waiter;
          state.waiter = undefined;
          waiter?.resolve(data.cursor);
        } else if (event.event === SSE_ERROR_EVENT || event.event === 'error') {
          // `error` is what servers of the contract before 2026-12-07 named it.
          ending = JSON.parse(event.data) as ErrorData;
        }
      },
      onError: (error) => req.destroy(error),
    });
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => parser.feed(chunk));
    res.on('error', () => undefined);
    res.once('close', () => {
      // A stream's cursor expired: go on from the fresh one; a subscription's own cursor was
      // refused (a stream that says why and ends): the subscription fails with it, as with a 410.
      if (ending?.code === 'CURSOR_EXPIRED' && ending.cursor !== undefined && state.waiter === undefined) {
        this.expired(state, ending.cursor);
        return;
      }
      const why = ending ? new ClientError(ending.message ?? `the stream of ${state.room} ended (${ending.code})`, ending.code, undefined, ending.cursor) : undefined;
      this.ended(state, req, why ?? new ClientError(`the stream of ${state.room} ended`, 'NETWORK'));
    });
  }

  /** An answer other than a stream: the contract's JSON error. */
  private refused(state: RoomStream, req: StreamRequest, res: StreamBody, status: number): void {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('error', () => undefined);
    res.once('end', () => {
      let error: ErrorAnswer['error'] | undefined;
      try {
        error = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Partial<ErrorAnswer>).error;
      } catch {
        error = undefined;
      }
      const failure = new ClientError(error?.message ?? `HTTP ${status}`, error?.code ?? 'HTTP_ERROR', status, error?.cursor);
      if (state.waiter === undefined && failure.code === 'CURSOR_EXPIRED' && failure.cursor !== undefined) {
        this.expired(state, failure.cursor);
        return;
      }
      this.ended(state, req, failure);
    });
    // Cut before the end of its answer: no answer at all (a no-op once 'end' settled it).
    res.once('close', () => this.ended(state, req, new ClientError(`the answer to the stream of ${state.room} was cut (HTTP ${status})`, 'NETWORK')));
  }

  /** A resumption met an expired cursor: go on from the head the server gave, counted. */
  private expired(state: RoomStream, cursor: string): void {
    if (!state.active) return;
    this.streamCounters.cursorExpired++;
    this.options.onEvent?.({ type: 'cursor-expired', room: state.room, cursor });
    state.cursor = cursor;
    state.request = undefined;
    this.open(state);
  }

  /**
   * The stream's connection is over: before its first event, the subscription fails; after it, the
   * stream is opened again after a backoff.
   */
  private ended(state: RoomStream, req: StreamRequest, error: ClientError): void {
    if (req !== state.request) return;
    state.request = undefined;
    const waiter = state.waiter;
    if (waiter) {
      state.waiter = undefined;
      this.rooms.delete(state.room);
      state.active = false;
      waiter.reject(error);
      return;
    }
    if (!state.active || this.closed) return;
    this.unreachable(error, state.moves);
    this.streamCounters.errors++;
    this.options.onEvent?.({ type: 'disconnected', code: error.status ?? 0, reason: error.message });
    if (this.options.reconnect === false) return;
    state.failures++;
    state.retry = setTimeout(() => this.open(state), Math.min(MAX_BACKOFF_MS, 25 * 2 ** state.failures));
  }
}

export function createSseClient(options: ClientOptions): SseChatClient {
  return new SseChatClient(options);
}
