import { once } from 'node:events';
import type { ClientRequestArgs } from 'node:http';
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { WebSocket } from 'ws';
import { WS_PATH, WS_TOKEN_PARAM, type ClientFrame, type ServerFrame } from '../contract/index.ts';
import { FrameChatClient } from '../clients/frame-chat-client.ts';
import { InstanceList } from '../clients/instances.ts';
import { SocketMeter } from '../clients/socket-meter.ts';
import { ClientError, type ChatClient, type ClientCounters, type ClientOptions } from '../clients/types.ts';

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
export class WebSocketChatClient extends FrameChatClient implements ChatClient {
  readonly transport = 'websocket' as const;
  private readonly meter = new SocketMeter(this.counters_);
  private ws: WebSocket | undefined;
  private readonly instances: InstanceList;

  constructor(options: ClientOptions) {
    super(options);
    this.instances = new InstanceList(options.url, options.fallbackUrls);
  }

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
    const { localAddress } = this.options;
    const secure = this.instances.current.startsWith('https:');
    const ws = new WebSocket(webSocketUrl(this.instances.current, this.options.token), { perMessageDeflate: false, ...(localAddress ? { localAddress } : {}), ...(secure ? this.tls() : {}) });
    this.counters_.requests++;
    // Over wss:// the TCP socket under the TLS one was metered when it was made.
    if (!secure) ws.on('upgrade', (response) => this.meter.track(response.socket as Socket));
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.frames.receive(JSON.parse((data as Buffer).toString('utf8')) as ServerFrame);
    });
    ws.on('close', (code, reason) => this.onClose(ws, code, reason.toString()));
    ws.on('error', () => undefined);
    this.ws = ws;
    // `once` rejects on an 'error' event (a refused or reset connection): that is a failure to connect too.
    const outcome = await Promise.race([once(ws, 'open').then(() => 'open'), once(ws, 'close').then(() => 'close')]).catch((error: Error) => error.message);
    if (outcome !== 'open') throw new ClientError(`could not connect to ${webSocketUrl(this.instances.current)}${outcome === 'close' ? '' : `: ${outcome}`}`, 'NETWORK');
    this.failures = 0;
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

  /** Writes a frame; false when the socket is not open. */
  protected override write(frame: ClientFrame): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  private onClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.ws) return;
    this.frames.failAll(new ClientError(`connection closed (${code} ${reason})`, 'NETWORK'));
    if (this.closed) return;
    this.lost(code, reason);
  }

  protected override async reconnect(): Promise<void> {
    if (this.closed) return;
    // A failed attempt closed the socket: onClose scheduled the next one.
    if (await this.connectAgain(this.instances)) this.reconnected();
  }
}

export function createWebSocketClient(options: ClientOptions): WebSocketChatClient {
  return new WebSocketChatClient(options);
}
