import { connect as connectHttp2, constants as h2, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { Pool, buildConnector, type Dispatcher } from 'undici';
import { HEALTH_PATH, type ErrorAnswer } from '../contract/index.ts';
import { SocketMeter } from './socket-meter.ts';
import { ClientError, emptyCounters, type ClientCounters, type ClientOptions } from './types.ts';

export interface HttpAnswer<T> {
  readonly status: number;
  readonly body: T;
}

/** A request in flight, which can be aborted. */
export interface PendingRequest<T> {
  readonly done: Promise<HttpAnswer<T>>;
  abort(): void;
}

/** What an HTTP client speaks beyond plain HTTP/1.1: TLS (for an https:// URL) and HTTP/2. */
export type HttpClientTls = Pick<ClientOptions, 'ca' | 'resumeTls' | 'http2'>;

/**
 * How long an idle connection is kept when the server gives no `Keep-Alive: timeout` hint. The
 * servers give one (their idle timeout), which undici follows; a long-polling member posts once in
 * tens of seconds, and its post connection must outlive that, as a `node:http` keep-alive agent's did.
 */
const IDLE_KEEP_MS = 60_000;

/**
 * JSON over HTTP/1.1 for one simulated user, on undici: a `Pool` of its own (a connection per
 * request in flight, one request per connection at a time, kept alive, or a new connection per
 * request), so that a user holds the connections a browser would: a held long poll and a post
 * connection beside it. Over TLS for an https:// URL (undici's connector, trusting `ca`, resuming
 * sessions unless `resumeTls` is false), or over one HTTP/2 connection (`http2`, node:http2).
 * Requests, connections and bytes are counted on the sockets themselves (the pool's `connect` is
 * undici's own connector, watched; over TLS the meter reads the TCP socket under the TLS one, so
 * TLS records and handshakes count). Error answers reject with a
 * `ClientError`. `bench:http-clients` measured this at 1.2× cheaper per request in the generator
 * than `node:http` with a keep-alive Agent per user.
 */
export class HttpClient {
  readonly counters: ClientCounters = emptyCounters();
  private readonly meter = new SocketMeter(this.counters);
  private pool: Pool;
  /** Pools of instances moved away from, destroyed on close. */
  private readonly retired: Pool[] = [];
  private readonly connect: buildConnector.connector;
  private readonly localAddress: string | undefined;
  private readonly headers: Record<string, string>;
  private readonly postHeaders: Record<string, string>;
  private url: URL;
  private session: ClientHttp2Session | undefined;

  /**
   * @param tls TLS and HTTP/2 (`ca`, `resumeTls`, `http2`), and `localAddress`: the source address of
   * every connection (`127.x.y.z`), so that the clients of one generator use their own ephemeral ports.
   */
  constructor(
    baseUrl: string,
    token: string | undefined,
    private readonly keepAlive: boolean,
    private readonly tls: HttpClientTls & Pick<ClientOptions, 'localAddress'> = {},
  ) {
    this.url = new URL(baseUrl);
    const secure = this.url.protocol === 'https:';
    if (tls.http2 && !secure) throw new ClientError(`HTTP/2 is spoken over TLS only: ${baseUrl} is not an https:// URL`, 'BAD_OPTION');
    if (tls.http2 && !keepAlive) throw new ClientError('HTTP/2 keeps its one connection: keepAlive false does not apply to it', 'BAD_OPTION');
    // One connector per user: its TLS session cache is this user's, as a browser's would be.
    const connector = buildConnector({ ...(tls.ca === undefined ? {} : { ca: tls.ca }), ...(tls.resumeTls === false ? { maxCachedSessions: 0 } : {}) });
    this.connect = (options, callback) => {
      // Over TLS the meter reads the TCP socket under the TLS one (records and handshakes count).
      const wire = options.protocol === 'https:' ? this.wire(options.hostname, Number(options.port || 443)) : undefined;
      connector(wire ? { ...options, httpSocket: wire } : options, (error, socket) => {
        if (socket && !wire) this.meter.track(socket as Socket);
        // undici's callback takes (error, null) or (null, socket).
        if (error) callback(error, null);
        else callback(null, socket as Socket);
      });
    };
    this.localAddress = tls.localAddress;
    this.pool = this.poolFor(baseUrl);
    this.headers = token ? { authorization: `Bearer ${token}` } : {};
    this.postHeaders = { ...this.headers, 'content-type': 'application/json' };
  }

  /**
   * Sends the next requests to another instance (`baseUrl`), on new connections; the counters go
   * on. Requests in flight to the old one finish or fail there; its idle connections close.
   */
  moveTo(baseUrl: string): void {
    const old = this.pool;
    this.retired.push(old);
    void old.close().catch(() => undefined);
    this.pool = this.poolFor(baseUrl);
    this.url = new URL(baseUrl);
    // HTTP/2: the next request opens a session to the new instance.
    this.session?.close();
    this.session = undefined;
  }

  private poolFor(baseUrl: string): Pool {
    return new Pool(new URL(baseUrl).origin, {
      pipelining: 1,
      keepAliveTimeout: IDLE_KEEP_MS,
      connect: this.connect,
      ...(this.localAddress ? { localAddress: this.localAddress } : {}),
    });
  }

  /**
   * Opens `connections` keep-alive connections ahead of need, with that many `GET /healthz` at once
   * (any answer will do: a 503 of a server whose backplane is down still opened one), so that a
   * member's first post in the measured window finds its connection open, as it would in a chat
   * that had been running: the servers keep an idle connection 72 s, longer than a member waits
   * between posts. Nothing to open without keep-alive, and one session over HTTP/2. Rejects with a
   * NETWORK `ClientError` when the server cannot be reached.
   */
  async warm(connections: number): Promise<void> {
    if (!this.keepAlive) return;
    const count = this.tls.http2 ? 1 : connections;
    await Promise.all(
      Array.from({ length: count }, () =>
        this.get(HEALTH_PATH).done.catch((error: unknown) => {
          if (error instanceof ClientError && error.code === 'NETWORK') throw error;
        }),
      ),
    );
    // undici frees a connection a turn of the event loop after its answer (client-h1.js,
    // onMessageComplete): a request sent sooner, the subscribe's first poll, would open a third.
    await new Promise((resolve) => setImmediate(resolve));
  }

  get<T>(path: string, timeoutMs?: number): PendingRequest<T> {
    return this.send<T>('GET', path, undefined, timeoutMs);
  }

  post<T>(path: string, body: unknown): PendingRequest<T> {
    return this.send<T>('POST', path, JSON.stringify(body));
  }

  /** Brings the byte counters up to date and returns them. */
  measure(): ClientCounters {
    this.meter.update();
    return this.counters;
  }

  close(): void {
    for (const pool of this.retired) pool.destroy().catch(() => undefined);
    this.pool.destroy().catch(() => undefined);
    this.session?.destroy();
  }

  /**
   * HTTP/2 only: opens a `GET` on the client's one HTTP/2 connection (the one its posts use) and
   * hands back the stream, whose answer the caller reads as it comes (an SSE stream); the caller
   * counts it. Throws when the session refuses a new stream (it is being torn down).
   */
  openStream(path: string, headers: Readonly<Record<string, string>>): ClientHttp2Stream {
    if (!this.tls.http2) throw new ClientError('openStream needs an HTTP/2 client (http2: true)', 'BAD_OPTION');
    return this.http2().request({ ...headers, ':method': 'GET', ':path': path }, { endStream: true });
  }

  /** A TCP connection to the server, metered: TLS runs on top of it. */
  private wire(hostname: string, port: number): Socket {
    const socket = connectTcp({ host: hostname.replace(/^\[|\]$/g, ''), port, ...(this.localAddress ? { localAddress: this.localAddress } : {}) });
    this.meter.track(socket);
    return socket;
  }

  /** The HTTP/2 session, opened (again) when there is none or it is closing. */
  private http2(): ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const ca = this.tls.ca;
    const url = this.url;
    const session = connectHttp2(url.origin, {
      createConnection: () => connectTls({ socket: this.wire(url.hostname, Number(url.port || 443)), ALPNProtocols: ['h2'], ...(ca === undefined ? {} : { ca }) }),
    });
    // A session that fails fails its streams, which say so; the session's own error is not thrown.
    session.on('error', () => undefined);
    session.once('close', () => {
      if (this.session === session) this.session = undefined;
    });
    return (this.session = session);
  }

  private send<T>(method: 'GET' | 'POST', path: string, body: string | undefined, timeoutMs?: number): PendingRequest<T> {
    this.counters.requests++;
    if (this.tls.http2) {
      const headers: Record<string, string | number> = { ...(body === undefined ? this.headers : this.postHeaders) };
      if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
      return this.sendHttp2<T>(method, path, headers, body, timeoutMs);
    }
    let controller: Dispatcher.DispatchController | undefined;
    let aborted = false;
    const done = new Promise<HttpAnswer<T>>((resolve, reject) => {
      let status = 0;
      const chunks: Buffer[] = [];
      const options: Dispatcher.DispatchOptions = {
        method,
        path,
        headers: body === undefined ? this.headers : this.postHeaders,
        ...(body === undefined ? {} : { body }),
        ...(this.keepAlive ? {} : { reset: true }),
        // A held poll answers with its headers: past its wait and a margin, the server is gone.
        ...(timeoutMs === undefined ? {} : { headersTimeout: timeoutMs }),
      };
      this.pool.dispatch(options, {
        onRequestStart: (c) => {
          controller = c;
          if (aborted) c.abort(new Error('aborted'));
        },
        onResponseStart: (_c, statusCode) => {
          status = statusCode;
        },
        onResponseData: (_c, chunk: Buffer) => {
          chunks.push(chunk);
        },
        onResponseEnd: () => {
          settleAnswer<T>(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks), status, `${method} ${path}`, resolve, reject);
        },
        onResponseError: (_c, error: Error) => reject(new ClientError(`${method} ${path}: ${error.message}`, 'NETWORK')),
      });
    });
    return {
      done,
      abort: () => {
        aborted = true;
        controller?.abort(new Error('aborted'));
      },
    };
  }

  private sendHttp2<T>(method: string, path: string, headers: Record<string, string | number>, body: string | undefined, timeoutMs?: number): PendingRequest<T> {
    let stream: ClientHttp2Stream | undefined;
    const what = `${method} ${path}`;
    const done = new Promise<HttpAnswer<T>>((resolve, reject) => {
      try {
        stream = this.http2().request({ ...headers, ':method': method, ':path': path }, { endStream: body === undefined });
      } catch (error) {
        reject(new ClientError(`${what}: ${(error as Error).message}`, 'NETWORK'));
        return;
      }
      const opened = stream;
      opened.once('response', (answer) => readAnswer<T>(opened, Number(answer[':status'] ?? 0), what, resolve, reject));
      opened.on('error', (error) => reject(new ClientError(`${what}: ${error.message}`, 'NETWORK')));
      // A stream reset or closed before its answer (a session that went away) has no 'error'.
      opened.once('close', () => reject(new ClientError(`${what}: the stream closed before its answer (code ${opened.rstCode})`, 'NETWORK')));
      if (timeoutMs !== undefined) opened.setTimeout(timeoutMs, () => opened.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      if (body !== undefined) opened.end(body);
    });
    return { done, abort: () => stream?.close(h2.NGHTTP2_CANCEL) };
  }
}

/** Reads a JSON answer: resolves a 2xx, rejects an error answer with its contract code. */
function readAnswer<T>(
  res: ClientHttp2Stream,
  status: number,
  what: string,
  resolve: (answer: HttpAnswer<T>) => void,
  reject: (error: ClientError) => void,
): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('error', (error: Error) => reject(new ClientError(error.message, 'NETWORK')));
  res.on('end', () => settleAnswer<T>(Buffer.concat(chunks), status, what, resolve, reject));
}

/** Settles a JSON answer: resolves a 2xx, rejects an error answer with its contract code. */
function settleAnswer<T>(raw: Buffer, status: number, what: string, resolve: (answer: HttpAnswer<T>) => void, reject: (error: ClientError) => void): void {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    reject(new ClientError(`${what}: answer ${status} is not JSON`, 'BAD_ANSWER', status));
    return;
  }
  if (status >= 200 && status < 300) {
    resolve({ status, body: value as T });
    return;
  }
  const error = (value as Partial<ErrorAnswer>).error;
  reject(new ClientError(error?.message ?? `HTTP ${status}`, error?.code ?? 'HTTP_ERROR', status, error?.cursor));
}
