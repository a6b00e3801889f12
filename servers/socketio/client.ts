import { Agent as HttpAgent, type ClientRequest } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { connect as connectTcp, type Socket as NetSocket } from 'node:net';
import { connect as connectTls, type ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { io, type Socket } from 'socket.io-client';
import { SOCKETIO_ENGINE_OPTIONS, SOCKETIO_EVENTS, SOCKETIO_PATH, type ClientFrame, type ServerFrame } from '../contract/index.ts';
import { FrameChatClient } from '../clients/frame-chat-client.ts';
import { InstanceList } from '../clients/instances.ts';
import { SocketMeter } from '../clients/socket-meter.ts';
import { ClientError, type ChatClient, type ClientCounters, type ClientOptions } from '../clients/types.ts';

/**
 * The agent of every request a Socket.IO client makes (its polls, its posts, its WebSocket
 * handshake): connections kept alive and opened from the client's source address, each counted
 * with its bytes, each request counted. Over TLS the TCP socket under the TLS one is counted, so
 * that the bytes are those on the wire (records and handshakes), not the plaintext.
 */
function meteredAgent(options: ClientOptions, meter: SocketMeter, counters: ClientCounters): HttpAgent {
  const base = { keepAlive: true, ...(options.localAddress ? { localAddress: options.localAddress } : {}), ...(options.ca === undefined ? {} : { ca: options.ca }) };
  const Base = options.url.startsWith('https:') ? HttpsAgent : HttpAgent;
  const agent = new Base(base) as HttpAgent & { createConnection: (...args: unknown[]) => NetSocket; addRequest: (request: ClientRequest, ...rest: unknown[]) => void };
  const create = agent.createConnection.bind(agent);
  agent.createConnection = (...args: unknown[]) => {
    if (Base === HttpsAgent) {
      const tls = args[0] as TlsConnectionOptions & { port: number; host: string };
      const tcp = connectTcp({ port: Number(tls.port), host: String(tls.host), ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
      meter.track(tcp);
      return connectTls({ ...tls, socket: tcp });
    }
    const socket = create(...args);
    meter.track(socket);
    return socket;
  };
  const add = agent.addRequest.bind(agent);
  agent.addRequest = (request: ClientRequest, ...rest: unknown[]) => {
    counters.requests++;
    add(request, ...rest);
  };
  return agent;
}

/**
 * A Socket.IO client (`socket.io-client`): one connection, any number of rooms, the contract's
 * frames as events (servers/contract/README.md, "Socket.IO"), a post answered by its
 * acknowledgement. Socket.IO's own reconnection is off: after an unexpected disconnect this
 * client reconnects itself and subscribes again with the last cursor of each room, as the
 * WebSocket client does, so it loses nothing.
 */
export class SocketIoChatClient extends FrameChatClient implements ChatClient {
  readonly transport = 'socketio' as const;
  private readonly meter = new SocketMeter(this.counters_);
  private readonly agent: HttpAgent;
  private readonly instances: InstanceList;
  private socket: Socket | undefined;

  constructor(options: ClientOptions) {
    super(options);
    this.instances = new InstanceList(options.url, options.fallbackUrls);
    this.agent = meteredAgent(options, this.meter, this.counters_);
  }

  get counters(): Readonly<ClientCounters> {
    this.meter.update();
    return this.counters_;
  }

  async connect(): Promise<void> {
    const { token, ca } = this.options;
    const engine = SOCKETIO_ENGINE_OPTIONS[this.options.engine ?? 'upgrade'];
    const socket = io(this.instances.current, {
      path: SOCKETIO_PATH,
      forceNew: true,
      reconnection: false,
      autoConnect: false,
      transports: [...engine.transports],
      upgrade: engine.upgrade,
      // engine.io-client passes the agent to its polling requests and to ws; its types say string.
      agent: this.agent as unknown as string,
      // No compression offered: the server accepts none (socketIoSettings), as every server here.
      perMessageDeflate: { threshold: Number.MAX_SAFE_INTEGER },
      extraHeaders: token ? { authorization: `Bearer ${token}` } : {},
      ...(ca === undefined ? {} : { ca }),
    });
    socket.on(SOCKETIO_EVENTS.messages, (frame: ServerFrame) => this.frames.receive(frame));
    socket.on(SOCKETIO_EVENTS.ack, (frame: ServerFrame) => this.frames.receive(frame));
    socket.on(SOCKETIO_EVENTS.error, (frame: ServerFrame) => this.frames.receive({ ...frame, type: 'error' } as ServerFrame));
    socket.on('disconnect', (reason) => this.onClose(socket, reason));
    this.socket = socket;
    const opened = new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', (error: Error) => reject(error));
    });
    socket.connect();
    try {
      await opened;
    } catch (error) {
      socket.close();
      throw new ClientError(`could not connect to ${this.instances.current}${SOCKETIO_PATH}: ${(error as Error).message}`, 'NETWORK');
    }
    this.failures = 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    this.socket?.disconnect();
    this.agent.destroy();
  }

  /** Emits a frame as the event of its type; a `send` asks for an acknowledgement, its answer. */
  protected override write(frame: ClientFrame): boolean {
    const socket = this.socket;
    if (!socket?.connected) return false;
    const { type, ...payload } = frame;
    if (type === 'send') socket.emit(type, payload, (answer: ServerFrame) => this.frames.receive(answer));
    else socket.emit(type, payload);
    return true;
  }

  private onClose(socket: Socket, reason: string): void {
    if (socket !== this.socket) return;
    this.frames.failAll(new ClientError(`disconnected (${reason})`, 'NETWORK'));
    if (this.closed) return;
    this.lost(0, reason);
  }

  protected override async reconnect(): Promise<void> {
    if (this.closed) return;
    // A socket that never connected says no disconnect: the next attempt is scheduled here.
    if (await this.connectAgain(this.instances)) this.reconnected();
    else if (!this.closed) this.retryLater();
  }
}

export function createSocketIoClient(options: ClientOptions): SocketIoChatClient {
  return new SocketIoChatClient(options);
}
