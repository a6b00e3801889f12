import { once } from 'node:events';
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import type { ChatMessage, PostRequest } from '../../servers/contract/index.ts';
import { RAW_WS_PREFIX } from './raw-ws-server.ts';
import { SocketMeter } from '../../servers/clients/socket-meter.ts';
import { ClientError, emptyCounters, type ClientCounters, type ClientOptions, type SendResult } from '../../servers/clients/types.ts';

/**
 * The client of the raw `ws` baseline: one socket per room, the body sent as the frame. There is
 * no seq and no ack: messages are handed on with `seq` 0, and a send resolves once written.
 */
export class RawWsClient {
  readonly transport = 'raw-ws' as const;
  private readonly counters_ = emptyCounters();
  private readonly meter = new SocketMeter(this.counters_);
  private readonly sockets = new Map<string, WebSocket>();

  constructor(private readonly options: ClientOptions) {}

  get counters(): Readonly<ClientCounters> {
    this.meter.update();
    return this.counters_;
  }

  async connect(): Promise<void> {
    // One socket per room, opened by subscribe.
  }

  async subscribe(room: string): Promise<string> {
    const url = new URL(RAW_WS_PREFIX + room, this.options.url);
    url.protocol = 'ws:';
    const { localAddress } = this.options;
    const ws = new WebSocket(url, { perMessageDeflate: false, ...(localAddress ? { localAddress } : {}) });
    this.counters_.requests++;
    ws.on('upgrade', (response) => this.meter.track(response.socket as Socket));
    ws.on('message', (data) => {
      const message: ChatMessage = { room, seq: 0, id: '', from: '', body: String(data), ts: 0 };
      this.options.onMessages?.(room, [message]);
    });
    ws.on('error', () => undefined);
    ws.on('close', (code, reason) => {
      if (this.sockets.get(room) !== ws) return;
      this.counters_.errors++;
      this.options.onEvent?.({ type: 'disconnected', code, reason: reason.toString() });
    });
    this.sockets.set(room, ws);
    const [outcome] = await Promise.race([once(ws, 'open').then(() => ['open']), once(ws, 'close').then(() => ['close'])]);
    if (outcome !== 'open') throw new ClientError(`could not join ${url.toString()}`, 'NETWORK');
    return '';
  }

  unsubscribe(room: string): void {
    const ws = this.sockets.get(room);
    this.sockets.delete(room);
    ws?.close(1000);
  }

  send(room: string, post: PostRequest): Promise<SendResult> {
    const ws = this.sockets.get(room);
    if (ws?.readyState !== WebSocket.OPEN) return Promise.reject(new ClientError(`not joined to ${room}`, 'NETWORK'));
    ws.send(post.body);
    return Promise.resolve({ seq: 0, cursor: '' });
  }

  cursor(): string | undefined {
    return undefined;
  }

  async close(): Promise<void> {
    const sockets = [...this.sockets.values()];
    this.sockets.clear();
    await Promise.all(
      sockets.map(async (ws) => {
        if (ws.readyState === WebSocket.CLOSED) return;
        const closed = once(ws, 'close');
        ws.close(1000);
        await closed;
      }),
    );
  }
}
