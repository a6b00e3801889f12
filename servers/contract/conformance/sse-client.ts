/**
 * An SSE client written for the tests, independent of the bench's: plain `node:http`, and the
 * stream parsed by the rules of WHATWG HTML, "Server-sent events" (9.2.6, interpreting an event
 * stream), with no library. It records every event and comment as it comes, and can stop reading.
 */
import { once } from 'node:events';
import { request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { expect, vi } from 'vitest';
import { WAIT_BOUND_MS } from './servers.ts';

/** One dispatched event, as an `EventSource` would see it. */
export interface SseEvent {
  /** The event type: the `event` field, `message` without one. */
  readonly type: string;
  readonly data: string;
  /** The last event id when the event was dispatched (it carries over events without an `id`). */
  readonly lastEventId: string;
}

/**
 * The WHATWG event-stream parser: feed it decoded text in any pieces; it calls `onEvent` and
 * `onComment`. Lines end in CRLF, LF or CR; a leading BOM is dropped; a field's value loses one
 * leading space; `id` containing NUL is ignored; an event with no data is not dispatched.
 */
export class EventStreamParser {
  private buffer = '';
  private started = false;
  /** The last chunk ended in CR: an LF that starts the next chunk belongs to that line end. */
  private afterCr = false;
  private data = '';
  private type = '';
  private lastEventId = '';

  constructor(
    private readonly onEvent: (event: SseEvent) => void,
    private readonly onComment: (comment: string) => void = () => undefined,
  ) {}

  feed(text: string): void {
    let chunk = text;
    if (!this.started && chunk.length > 0) {
      this.started = true;
      if (chunk.startsWith('\uFEFF')) chunk = chunk.slice(1);
    }
    if (this.afterCr && chunk.startsWith('\n')) chunk = chunk.slice(1);
    this.afterCr = false;
    this.buffer += chunk;
    for (;;) {
      const end = this.buffer.search(/[\r\n]/);
      if (end < 0) return;
      const line = this.buffer.slice(0, end);
      let next = end + 1;
      if (this.buffer[end] === '\r') {
        if (end + 1 === this.buffer.length) this.afterCr = true;
        else if (this.buffer[end + 1] === '\n') next = end + 2;
      }
      this.buffer = this.buffer.slice(next);
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return this.onComment(line.slice(1).replace(/^ /, ''));
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    switch (field) {
      case 'event':
        this.type = value;
        return;
      case 'data':
        this.data += `${value}\n`;
        return;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        return;
      default:
        // `retry` and unknown fields do not change what is dispatched.
        return;
    }
  }

  private dispatch(): void {
    if (this.data === '') {
      this.type = '';
      return;
    }
    const event: SseEvent = { type: this.type === '' ? 'message' : this.type, data: this.data.slice(0, -1), lastEventId: this.lastEventId };
    this.data = '';
    this.type = '';
    this.onEvent(event);
  }
}

/** An answer to `GET …/events`: a stream when it is 200, else the body. */
export interface SseConnection {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The body of an answer that is not a stream. */
  readonly body: string;
  /** Events and comments in order of arrival. */
  readonly events: SseEvent[];
  readonly comments: string[];
  /** The raw text received, for format checks. */
  text: string;
  /** The stream ended (the server closed it) or failed. */
  ended: boolean;
  readonly socket: Socket;
  readonly res: IncomingMessage;
  /** Waits for an event after index `from` that matches `match`. */
  next(match?: (event: SseEvent) => boolean, from?: number): Promise<SseEvent>;
  /** Waits for the stream to end. */
  end(): Promise<void>;
  close(): void;
}

/** `JSON.parse` of an event's data. */
export function dataOf(event: SseEvent): Record<string, unknown> {
  return JSON.parse(event.data) as Record<string, unknown>;
}

/**
 * Opens `GET path` with `Accept: text/event-stream` on a connection of its own; resolves once the
 * answer's head has come (and, for an answer that is not a stream, its whole body).
 */
export async function openSse(url: string, path: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  const { hostname, port } = new URL(url);
  const req = request({ host: hostname, port: Number(port), path, headers: { accept: 'text/event-stream', ...headers }, agent: false });
  req.on('error', () => undefined);
  req.end();
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const connection: SseConnection = {
    status: res.statusCode ?? 0,
    headers: res.headers,
    body: '',
    events,
    comments,
    text: '',
    ended: false,
    socket: res.socket,
    res,
    async next(match = () => true, from = 0) {
      let found: SseEvent | undefined;
      await vi.waitFor(
        () => {
          found = events.slice(from).find(match);
          expect(found, `no matching event within ${WAIT_BOUND_MS} ms; got ${events.length} events${connection.ended ? ' and the stream ended' : ''}`).toBeDefined();
        },
        { timeout: WAIT_BOUND_MS, interval: 5 },
      );
      return found as SseEvent;
    },
    async end() {
      // Not `once`: it rejects on the 'error' that a stream cut before its end emits.
      if (!connection.ended) await new Promise((resolve) => res.once('close', resolve));
    },
    close() {
      req.destroy();
    },
  };
  res.on('error', () => undefined);
  res.once('close', () => (connection.ended = true));
  if (connection.status !== 200) {
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    return { ...connection, body: Buffer.concat(chunks).toString('utf8'), ended: true };
  }
  const decoder = new StringDecoder('utf8');
  const parser = new EventStreamParser(
    (event) => events.push(event),
    (comment) => comments.push(comment),
  );
  res.on('data', (chunk: Buffer) => {
    const text = decoder.write(chunk);
    connection.text += text;
    parser.feed(text);
  });
  return connection;
}
