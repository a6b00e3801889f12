import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** What went through a relay: HTTP requests, bytes each way on the wire (headers and frames included) and connections. */
export interface MeterCounts {
  /** HTTP requests its clients sent, CORS preflights and WebSocket handshakes included; 0 in front of TLS, which it cannot read. */
  readonly requests: number;
  /** Bytes its clients sent. */
  readonly sent: number;
  /** Bytes its clients received. */
  readonly received: number;
  /** TCP connections its clients opened. */
  readonly connections: number;
}

const REQUEST_LINE = /(?:^|\n)(?:GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS) \S+ HTTP\/1\.[01]\r\n/g;

/** The HTTP/1.x request lines in what a client wrote: a browser writes a request's head in one piece. */
export function countRequestLines(text: string): number {
  return text.match(REQUEST_LINE)?.length ?? 0;
}

/**
 * A TCP relay in front of one chat server that counts what the browser clients behind it spend on
 * the wire: the demo page's, and the bench's browser members'. A browser shows a page neither its
 * request headers nor a WebSocket's frame bytes; the relay sees every byte, so "bytes per message"
 * are what a network would carry. It listens on 127.0.0.1 and relays to the server's address: the
 * server's Host check lets loopback names through on any port. It costs each message a hop through
 * this process each way.
 *
 * In front of a TLS server (`https:`) it relays the encrypted bytes as they are, so the browser
 * negotiates TLS and HTTP/2 (ALPN) with the server itself: bytes and connections are counted, and
 * requests are not ({@link MeterProxy.readsRequests}: its user counts them where it can see them).
 */
export class MeterProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private requests = 0;
  private sent = 0;
  private received = 0;
  private connections = 0;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
    /** The server speaks plain HTTP, so the relay reads its requests; false in front of TLS. */
    readonly readsRequests: boolean,
  ) {
    this.server = createServer((inbound) => this.relay(inbound));
  }

  /** A relay to the server of `url` (http: or https:), listening on a free port of 127.0.0.1; resolves once it listens. */
  static async start(url: string): Promise<MeterProxy> {
    const { hostname, port, protocol } = new URL(url);
    if (protocol !== 'http:' && protocol !== 'https:') throw new Error(`a relay speaks to http:// and https:// servers; ${url} is neither`);
    const plain = protocol === 'http:';
    const proxy = new MeterProxy(hostname.replace(/^\[|\]$/g, ''), Number(port) || (plain ? 80 : 443), plain);
    proxy.server.listen(0, '127.0.0.1');
    await once(proxy.server, 'listening');
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The relay's own origin, `http://127.0.0.1:PORT` (`https://` in front of TLS). */
  get origin(): string {
    return `${this.readsRequests ? 'http' : 'https'}://127.0.0.1:${this.port}`;
  }

  counts(): MeterCounts {
    return { requests: this.requests, sent: this.sent, received: this.received, connections: this.connections };
  }

  private relay(inbound: Socket): void {
    this.connections++;
    const outbound = createConnection({ host: this.targetHost, port: this.targetPort });
    for (const socket of [inbound, outbound]) {
      this.sockets.add(socket);
      socket.setNoDelay(true);
      socket.once('close', () => this.sockets.delete(socket));
      // Either side's end or error ends both: the page sees the server's close as its own.
      socket.on('error', () => {
        inbound.destroy();
        outbound.destroy();
      });
    }
    // Requests are counted from their request lines until the connection is upgraded: after that
    // it carries WebSocket frames. A request line cannot hide in a body here: the bodies of the
    // contract and of engine.io's polling are JSON and text packets, which carry no raw line break.
    let upgraded = false;
    inbound.on('data', (chunk: Buffer) => {
      this.sent += chunk.length;
      if (!upgraded && this.readsRequests) this.requests += countRequestLines(chunk.toString('latin1'));
    });
    outbound.on('data', (chunk: Buffer) => {
      this.received += chunk.length;
      if (!upgraded && chunk.toString('latin1', 0, 12) === 'HTTP/1.1 101') upgraded = true;
    });
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  }

  /** Stops listening and ends every relayed connection. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
