import type { Socket } from 'node:net';
import { Pool, buildConnector, type Dispatcher } from 'undici';
import type { ErrorAnswer } from '../../servers/contract/index.ts';
import { SocketMeter } from './socket-meter.ts';
import { ClientError, emptyCounters, type ClientCounters } from './types.ts';

export interface HttpAnswer<T> {
  readonly status: number;
  readonly body: T;
}

/** A request in flight, which can be aborted. */
export interface PendingRequest<T> {
  readonly done: Promise<HttpAnswer<T>>;
  abort(): void;
}

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
 * connection beside it. Requests, connections and bytes are counted on the sockets themselves
 * (the pool's `connect` is undici's own connector, watched). Error answers reject with a
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

  /**
   * @param localAddress the source address of every connection (`127.x.y.z`), so that the clients
   * of one generator use their own ephemeral ports.
   */
  constructor(baseUrl: string, token: string | undefined, private readonly keepAlive: boolean, localAddress?: string) {
    const connector = buildConnector({});
    this.connect = (options, callback) =>
      connector(options, (error, socket) => {
        if (socket) this.meter.track(socket as Socket);
        // undici's callback takes (error, null) or (null, socket).
        if (error) callback(error, null);
        else callback(null, socket as Socket);
      });
    this.localAddress = localAddress;
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
  }

  private poolFor(baseUrl: string): Pool {
    return new Pool(new URL(baseUrl).origin, {
      pipelining: 1,
      keepAliveTimeout: IDLE_KEEP_MS,
      connect: this.connect,
      ...(this.localAddress ? { localAddress: this.localAddress } : {}),
    });
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
  }

  private send<T>(method: 'GET' | 'POST', path: string, body: string | undefined, timeoutMs?: number): PendingRequest<T> {
    this.counters.requests++;
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
          let value: unknown;
          try {
            value = JSON.parse((chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)).toString('utf8'));
          } catch {
            reject(new ClientError(`${method} ${path}: answer ${status} is not JSON`, 'BAD_ANSWER', status));
            return;
          }
          if (status >= 200 && status < 300) {
            resolve({ status, body: value as T });
            return;
          }
          const error = (value as Partial<ErrorAnswer>).error;
          reject(new ClientError(error?.message ?? `HTTP ${status}`, error?.code ?? 'HTTP_ERROR', status, error?.cursor));
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
}
