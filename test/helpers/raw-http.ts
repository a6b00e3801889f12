import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { onCleanup } from '../../servers/contract/conformance/servers.ts';

/** One HTTP response read off a raw connection. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * A raw TCP connection to a server, keeping everything it receives. With `halfOpen`, the client
 * never closes its half by itself (as a client that ignores the server's FIN does).
 */
export interface RawConnection {
  readonly socket: Socket;
  /** Everything received so far. */
  received(): string;
  /**
   * Resolves when the server has ended its half (or the connection is gone). A half-open client
   * cannot see the server destroy the connection after that: tests read the server's own count.
   */
  readonly ended: Promise<void>;
}

export async function rawConnect(url: string, options: { halfOpen?: boolean } = {}): Promise<RawConnection> {
  const socket = connect({ port: Number(new URL(url).port), host: '127.0.0.1', allowHalfOpen: options.halfOpen === true });
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = once(socket, 'close').then(() => undefined);
  const ended = Promise.race([once(socket, 'end').then(() => undefined), closed]);
  onCleanup(async () => {
    socket.destroy();
    await closed;
  });
  await once(socket, 'connect');
  return { socket, received: () => text, ended };
}

/** Splits what a connection received into HTTP responses (each with a Content-Length or none). */
export function parseResponses(text: string, headRequests = 0): RawResponse[] {
  const out: RawResponse[] = [];
  let rest = text;
  let heads = headRequests;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) throw new Error(`incomplete response head: ${JSON.stringify(rest.slice(0, 200))}`);
    const [statusLine = '', ...lines] = rest.slice(0, end).split('\r\n');
    const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(statusLine)?.[1]);
    if (!Number.isInteger(status)) throw new Error(`not a status line: ${JSON.stringify(statusLine)}`);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    // The first `headRequests` answers are to HEAD requests: their Content-Length has no body.
    const length = heads-- > 0 ? 0 : Number(headers['content-length'] ?? 0);
    // Received as latin1, one character a byte: slice by bytes, then decode the body as UTF-8.
    const body = Buffer.from(rest.slice(end + 4, end + 4 + length), 'latin1').toString('utf8');
    out.push({ status, headers, body });
    rest = rest.slice(end + 4 + length);
  }
  return out;
}

/** Sends `raw` on a new connection and reads every response until the server ends it. */
export async function exchange(url: string, raw: string, options: { halfOpen?: boolean; headRequests?: number } = {}): Promise<RawResponse[]> {
  const connection = await rawConnect(url, options);
  connection.socket.write(raw);
  await connection.ended;
  return parseResponses(connection.received(), options.headRequests);
}

/** A WebSocket handshake request for `path`, with optional extra header lines. */
export function handshake(path: string, extra = ''): string {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;
}
