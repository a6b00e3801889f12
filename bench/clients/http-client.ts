import { Agent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { connect as connectHttp2, constants as h2, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { ErrorAnswer } from '../../servers/contract/index.ts';
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
 * JSON over HTTP/1.1 with a keep-alive agent (or a new connection per request), over TLS for an
 * https:// URL, or over one HTTP/2 connection (`http2`), counting requests, connections and bytes
 * on the wire (TLS records and handshakes included: the meter reads the TCP socket under the TLS
 * one). Error answers reject with a `ClientError`.
 */
export class HttpClient {
  readonly counters: ClientCounters = emptyCounters();
  private readonly meter = new SocketMeter(this.counters);
  private readonly agent: Agent;
  private readonly url: URL;
  private readonly host: string;
  private readonly port: number;
  private readonly secure: boolean;
  private readonly headers: Record<string, string>;
  private session: ClientHttp2Session | undefined;

  constructor(
    baseUrl: string,
    token: string | undefined,
    keepAlive: boolean,
    private readonly tls: HttpClientTls = {},
  ) {
    this.url = new URL(baseUrl);
    this.secure = this.url.protocol === 'https:';
    if (tls.http2 && !this.secure) throw new ClientError(`HTTP/2 is spoken over TLS only: ${baseUrl} is not an https:// URL`, 'BAD_OPTION');
    if (tls.http2 && !keepAlive) throw new ClientError('HTTP/2 keeps its one connection: keepAlive false does not apply to it', 'BAD_OPTION');
    this.host = this.url.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(this.url.port || (this.secure ? 443 : 80));
    this.agent = this.secure ? this.httpsAgent(keepAlive) : new Agent({ keepAlive, maxSockets: Infinity, scheduling: 'lifo' });
    this.headers = token ? { authorization: `Bearer ${token}` } : {};
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
    this.agent.destroy();
    this.session?.destroy();
  }

  /**
   * An https agent whose connections are metered on their TCP socket. Node's agent resumes TLS
   * sessions on new connections (TLS 1.3 tickets), as browsers do; `resumeTls: false` makes every
   * new connection pay a full handshake.
   */
  private httpsAgent(keepAlive: boolean): Agent {
    const agent = new HttpsAgent({ keepAlive, maxSockets: Infinity, scheduling: 'lifo', ...(this.tls.ca === undefined ? {} : { ca: this.tls.ca }), ...(this.tls.resumeTls === false ? { maxCachedSessions: 0 } : {}) });
    // Node's own createConnection (it caches and resumes sessions), on a metered TCP socket.
    const createConnection = agent.createConnection.bind(agent) as (options: object, callback?: unknown) => Socket;
    agent.createConnection = ((options: object, callback?: unknown) => createConnection({ ...options, socket: this.wire() }, callback)) as typeof agent.createConnection;
    return agent;
  }

  /** A TCP connection to the server, metered: TLS runs on top of it. */
  private wire(): Socket {
    const socket = connectTcp(this.port, this.host);
    this.meter.track(socket);
    return socket;
  }

  /** The HTTP/2 session, opened (again) when there is none or it is closing. */
  private http2(): ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const ca = this.tls.ca;
    const session = connectHttp2(this.url.origin, {
      createConnection: () => connectTls({ socket: this.wire(), ALPNProtocols: ['h2'], ...(ca === undefined ? {} : { ca }) }),
    });
    // A session that fails fails its streams, which say so; the session's own error is not thrown.
    session.on('error', () => undefined);
    session.once('close', () => {
      if (this.session === session) this.session = undefined;
    });
    return (this.session = session);
  }

  private send<T>(method: string, path: string, body: string | undefined, timeoutMs?: number): PendingRequest<T> {
    this.counters.requests++;
    const headers: Record<string, string | number> = { ...this.headers };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    if (this.tls.http2) return this.sendHttp2<T>(method, path, headers, body, timeoutMs);
    let req: ClientRequest | undefined;
    const done = new Promise<HttpAnswer<T>>((resolve, reject) => {
      const request = this.secure ? httpsRequest : httpRequest;
      req = request({ host: this.host, port: this.port, method, path, headers, agent: this.agent }, (res) => {
        readAnswer<T>(res, res.statusCode ?? 0, `${method} ${path}`, resolve, reject);
      });
      // Plain HTTP: the socket is the wire; over TLS it was metered when the agent made it.
      if (!this.secure) req.on('socket', (socket) => this.meter.track(socket));
      req.on('error', (error) => reject(new ClientError(`${method} ${path}: ${error.message}`, 'NETWORK')));
      if (timeoutMs !== undefined) {
        req.setTimeout(timeoutMs, () => req?.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      }
      req.end(body);
    });
    return { done, abort: () => req?.destroy(new Error('aborted')) };
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
  res: IncomingMessage | ClientHttp2Stream,
  status: number,
  what: string,
  resolve: (answer: HttpAnswer<T>) => void,
  reject: (error: ClientError) => void,
): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('error', (error: Error) => reject(new ClientError(error.message, 'NETWORK')));
  res.on('end', () => {
    let value: unknown;
    try {
      value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
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
  });
}
