import { Agent, request as httpRequest, type ClientRequest } from 'node:http';
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
 * JSON over HTTP/1.1 with a keep-alive agent (or a new connection per request), counting requests,
 * connections and bytes on the wire. Error answers reject with a `ClientError`.
 */
export class HttpClient {
  readonly counters: ClientCounters = emptyCounters();
  private readonly meter = new SocketMeter(this.counters);
  private agent: Agent;
  private host: string;
  private port: number;
  private readonly keepAlive: boolean;
  /** Agents of instances moved away from, destroyed on close. */
  private readonly retired: Agent[] = [];
  private readonly headers: Record<string, string>;

  constructor(baseUrl: string, token: string | undefined, keepAlive: boolean) {
    const url = new URL(baseUrl);
    this.host = url.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(url.port || 80);
    this.keepAlive = keepAlive;
    this.agent = new Agent({ keepAlive, maxSockets: Infinity, scheduling: 'lifo' });
    this.headers = token ? { authorization: `Bearer ${token}` } : {};
  }

  /**
   * Sends the next requests to another instance (`baseUrl`), on new connections; the counters go
   * on. Requests in flight to the old one finish or fail there.
   */
  moveTo(baseUrl: string): void {
    const url = new URL(baseUrl);
    this.host = url.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(url.port || 80);
    // The old agent's requests in flight end where they are; its idle connections go now.
    const old = this.agent;
    for (const sockets of Object.values(old.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
    this.retired.push(old);
    this.agent = new Agent({ keepAlive: this.keepAlive, maxSockets: Infinity, scheduling: 'lifo' });
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
    for (const agent of this.retired) agent.destroy();
    this.agent.destroy();
  }

  private send<T>(method: string, path: string, body: string | undefined, timeoutMs?: number): PendingRequest<T> {
    let req: ClientRequest | undefined;
    this.counters.requests++;
    const done = new Promise<HttpAnswer<T>>((resolve, reject) => {
      const headers: Record<string, string | number> = { ...this.headers };
      if (body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(body);
      }
      req = httpRequest({ host: this.host, port: this.port, method, path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => reject(new ClientError(error.message, 'NETWORK')));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          let value: unknown;
          try {
            value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
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
        });
      });
      req.on('socket', (socket) => this.meter.track(socket));
      req.on('error', (error) => reject(new ClientError(`${method} ${path}: ${error.message}`, 'NETWORK')));
      if (timeoutMs !== undefined) {
        req.setTimeout(timeoutMs, () => req?.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      }
      req.end(body);
    });
    return { done, abort: () => req?.destroy(new Error('aborted')) };
  }
}
