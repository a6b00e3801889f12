import { once } from 'node:events';
import type { ClientRequestArgs } from 'node:http';
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { WebSocket } from 'ws';
import { WS_PATH, WS_TOKEN_PARAM, type ClientFrame, type PostRequest, type ServerFrame } from '../../servers/contract/index.ts';
import { SocketMeter } from './socket-meter.ts';
import { ClientError, emptyCounters, type ChatClient, type ClientCounters, type ClientOptions, type SendResult } from './types.ts';

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

/** Longest pause between two reconnection attempts. */
const MAX_BACKOFF_MS = 2000;

/** The WebSocket URL of a server's base URL. */
export function webSocketUrl(baseUrl: string, token?: string): string {
  const url = new URL(WS_PATH, baseUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (token) url.searchParams.set(WS_TOKEN_PARAM, token);
  return url.toString();
}

/**
 * A WebSocket client: one connection, any number of rooms. After an unexpected close (a dropped
 * connection, 4008 for a slow consumer, 1001 for a server going away) it reconnects and
 * subscribes again with the last cursor of each room, so it loses nothing.
 */
export class WebSocketChatClient implements ChatClient {
  readonly transport = 'websocket' as const;
  private readonly counters_ = emptyCounters();
  private readonly meter = new SocketMeter(this.counters_);
  private readonly cursors = new Map<string, string>();
  private readonly subscribing = new Map<string, Waiter<string>>();
  private readonly sending = new Map<string, Waiter<SendResult>>();
  private ws: WebSocket | undefined;
  private closed = false;
  private failures = 0;
  private retry: NodeJS.Timeout | undefined;

  constructor(private readonly options: ClientOptions) {}

  get counters(): Readonly<ClientCounters> {
    this.meter.update();
    return this.counters_;
  }

  /**
   * Over wss://: the certificate to trust, and a metered TCP socket under the TLS one, so that the
   * bytes counted are those on the wire (TLS records and the handshake), not the plaintext.
   */
  private tls(): Pick<ClientRequestArgs, 'createConnection'> & { ca?: string } {
    const { ca } = this.options;
    const createConnection = (options: TlsConnectionOptions): Socket => {
      const tcp = connectTcp(Number(options.port), String(options.host));
      this.meter.track(tcp);
      return connectTls({ ...options, socket: tcp });
    };
    return { ...(ca === undefined ? {} : { ca }), createConnection: createConnection as ClientRequestArgs['createConnection'] };
  }

  async connect(): Promise<void> {
    const secure = this.options.url.startsWith('https:');
    const ws = new WebSocket(webSocketUrl(this.options.url, this.options.token), { perMessageDeflate: false, ...(secure ? this.tls() : {}) });
    this.counters_.requests++;
    // Over wss:// the TCP socket under the TLS one was metered when it was made.
    if (!secure) ws.on('upgrade', (response) => this.meter.track(response.socket as Socket));
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.onFrame(JSON.parse((data as Buffer).toString('utf8')) as ServerFrame);
    });
    ws.on('close', (code, reason) => this.onClose(ws, code, reason.toString()));
    ws.on('error', () => undefined);
    this.ws = ws;
    const [outcome] = await Promise.race([once(ws, 'open').then(() => ['open']), once(ws, 'close').then(() => ['close'])]);
    if (outcome !== 'open') throw new ClientError(`could not connect to ${webSocketUrl(this.options.url)}`, 'NETWORK');
    this.failures = 0;
  }

  subscribe(room: string, cursor?: string): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      this.subscribing.get(room)?.reject(new ClientError(`subscription to ${room} replaced`, 'REPLACED'));
      this.subscribing.set(room, { resolve, reject });
      this.write(cursor === undefined ? { type: 'subscribe', room } : { type: 'subscribe', room, cursor });
    });
  }

  unsubscribe(room: string): void {
    this.cursors.delete(room);
    this.write({ type: 'unsubscribe', room });
  }

  send(room: string, post: PostRequest): Promise<SendResult> {
    return new Promise<SendResult>((resolve, reject) => {
      this.sending.set(post.id, { resolve, reject });
      this.write({ type: 'send', room, id: post.id, from: post.from, body: post.body });
    });
  }

  cursor(room: string): string | undefined {
    return this.cursors.get(room);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    const done = once(ws, 'close');
    ws.close(1000);
    await done;
  }

  private write(frame: ClientFrame): void {
    if (this.ws?.readyState !== WebSocket.OPEN) {
      const error = new ClientError('the WebSocket is not open', 'NETWORK');
      if (frame.type === 'send') this.settle(this.sending, frame.id)?.reject(error);
      else if (frame.type === 'subscribe') this.settle(this.subscribing, frame.room)?.reject(error);
      return;
    }
    this.ws.send(JSON.stringify(frame));
  }

  private settle<T>(waiters: Map<string, Waiter<T>>, key: string | undefined): Waiter<T> | undefined {
    if (key === undefined) return undefined;
    const waiter = waiters.get(key);
    waiters.delete(key);
    return waiter;
  }

  private onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'messages': {
        // A room unsubscribed meanwhile may still have frames in flight; they are not wanted.
        if (!this.cursors.has(frame.room) && !this.subscribing.has(frame.room)) return;
        this.cursors.set(frame.room, frame.cursor);
        if (frame.messages.length > 0) this.options.onMessages?.(frame.room, frame.messages);
        this.settle(this.subscribing, frame.room)?.resolve(frame.cursor);
        return;
      }
      case 'ack':
        this.settle(this.sending, frame.id)?.resolve({ seq: frame.seq, cursor: frame.cursor });
        return;
      case 'error': {
        const error = new ClientError(frame.message, frame.code, undefined, frame.cursor);
        const waiter = this.settle(this.sending, frame.ref) ?? this.settle(this.subscribing, frame.ref);
        if (waiter) {
          waiter.reject(error);
          return;
        }
        this.counters_.errors++;
        if (frame.code === 'CURSOR_EXPIRED' && frame.ref !== undefined && frame.cursor !== undefined) {
          // A resubscription after a reconnect met an expired cursor: go on from the head, counted.
          this.counters_.cursorExpired++;
          this.options.onEvent?.({ type: 'cursor-expired', room: frame.ref, cursor: frame.cursor });
          this.cursors.set(frame.ref, frame.cursor);
          this.write({ type: 'subscribe', room: frame.ref, cursor: frame.cursor });
          return;
        }
        this.options.onEvent?.({ type: 'error', error });
        return;
      }
    }
  }

  private onClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.ws) return;
    const error = new ClientError(`connection closed (${code} ${reason})`, 'NETWORK');
    for (const waiters of [this.sending, this.subscribing] as Map<string, Waiter<unknown>>[]) {
      for (const waiter of waiters.values()) waiter.reject(error);
      waiters.clear();
    }
    if (this.closed) return;
    this.counters_.errors++;
    this.options.onEvent?.({ type: 'disconnected', code, reason });
    if (this.options.reconnect === false) return;
    this.failures++;
    this.retry = setTimeout(() => void this.reconnect(), Math.min(MAX_BACKOFF_MS, 25 * 2 ** this.failures));
  }

  private async reconnect(): Promise<void> {
    if (this.closed) return;
    try {
      await this.connect();
    } catch {
      return; // onClose scheduled the next attempt.
    }
    this.counters_.reconnects++;
    this.options.onEvent?.({ type: 'reconnected' });
    for (const [room, cursor] of this.cursors) {
      this.write({ type: 'subscribe', room, cursor });
    }
  }
}

export function createWebSocketClient(options: ClientOptions): WebSocketChatClient {
  return new WebSocketChatClient(options);
}
