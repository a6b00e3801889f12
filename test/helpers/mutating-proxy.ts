/**
 * A proxy in front of one of the project's servers that changes what passes through it: the way
 * the broken servers of test/helpers/broken-servers.ts break a real server in one small place, as
 * a bug in a server of any language would, without touching the server's code.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { onCleanup } from '../../servers/contract/conformance/servers.ts';

/** A request as the proxy forwards it. */
export interface ProxiedRequest {
  readonly method: string;
  /** Path and query, `/rooms/r/messages?cursor=…`. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** An answer as the proxy returns it. */
export interface ProxiedAnswer {
  readonly status: number;
  /** `''` when the server sent none. */
  readonly contentType: string;
  readonly body: string;
}

/** What a broken server changes; every hook is optional and leaves the rest as it was. */
export interface Mutation {
  /** Rewrites a request before it is forwarded. */
  readonly request?: (request: ProxiedRequest) => ProxiedRequest;
  /** Rewrites an answer before it is returned; `upstream` calls the real server (for a head cursor, say). */
  readonly answer?: (answer: ProxiedAnswer, request: ProxiedRequest, upstream: (path: string) => Promise<ProxiedAnswer>) => ProxiedAnswer | Promise<ProxiedAnswer>;
  /** A WebSocket frame from the client: the frame to forward, `undefined` to drop it, or `'close'` to close the client's socket. */
  readonly clientFrame?: (text: string, session: FrameSession) => string | undefined | 'close';
  /** A WebSocket frame from the server: the frame to forward, or `undefined` to drop it. */
  readonly serverFrame?: (text: string, session: FrameSession) => string | undefined;
}

/** What one proxied WebSocket connection remembers, for mutations that depend on the connection. */
export interface FrameSession {
  /** The `(from, id)` of every `send` frame the client sent on this connection, as `from\u0000id`. */
  readonly sent: Set<string>;
}

/** Headers that belong to one hop, not to the request. */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host', 'upgrade']);

function headersOf(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (!HOP_HEADERS.has(name) && typeof value === 'string') headers[name] = value;
  }
  return headers;
}

async function forward(upstream: string, request: ProxiedRequest): Promise<ProxiedAnswer> {
  const withBody = request.method !== 'GET' && request.method !== 'HEAD';
  const res = await fetch(upstream + request.path, { method: request.method, headers: request.headers, ...(withBody ? { body: request.body } : {}) });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: await res.text() };
}

/** Starts a proxy to `upstream` (a base URL) that applies `mutation`; resolves with its base URL. Closed after the test. */
export async function startMutatingProxy(upstream: string, mutation: Mutation): Promise<string> {
  const call = (path: string): Promise<ProxiedAnswer> => forward(upstream, { method: 'GET', path, headers: {}, body: '' });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const given: ProxiedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: headersOf(req), body: Buffer.concat(chunks).toString('utf8') };
      const request = mutation.request?.(given) ?? given;
      forward(upstream, request)
        .then((answer) => mutation.answer?.(answer, request, call) ?? answer)
        .then(
          (answer) => {
            res.writeHead(answer.status, answer.contentType === '' ? {} : { 'content-type': answer.contentType });
            res.end(answer.body);
          },
          (error: unknown) => {
            res.writeHead(502, { 'content-type': 'text/plain' });
            res.end(`proxy: ${(error as Error).message}`);
          },
        );
    });
  });
  const sockets = new WebSocketServer({ noServer: true });
  // The handshake goes to the real server first, so that one it refuses (404, 401) is refused here alike.
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const backend = new WebSocket(upstream.replace(/^http/, 'ws') + (req.url ?? '/ws'));
    backend.on('unexpected-response', (_request, response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const body = Buffer.concat(chunks);
        const type = response.headers['content-type'] ?? 'application/json';
        socket.end(`HTTP/1.1 ${response.statusCode ?? 502} ${response.statusMessage ?? ''}\r\ncontent-type: ${type}\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body.toString('utf8')}`);
      });
    });
    backend.on('error', () => socket.destroy());
    backend.on('open', () => sockets.handleUpgrade(req, socket, head, (client) => pipeFrames(client, backend, mutation)));
  });
  onCleanup(async () => {
    for (const client of sockets.clients) client.terminate();
    sockets.close();
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Pipes frames both ways between a client's socket and the real server's, through the mutation. */
function pipeFrames(client: WebSocket, backend: WebSocket, mutation: Mutation): void {
  const session: FrameSession = { sent: new Set() };
  backend.on('message', (data: RawData) => {
    const text = mutation.serverFrame ? mutation.serverFrame(String(data), session) : String(data);
    if (text !== undefined && client.readyState === WebSocket.OPEN) client.send(text);
  });
  client.on('message', (data: RawData, isBinary: boolean) => {
    if (isBinary) return backend.send(data);
    const given = String(data);
    try {
      const frame = JSON.parse(given) as { type?: unknown; from?: unknown; id?: unknown };
      if (frame.type === 'send') session.sent.add(`${String(frame.from)}\u0000${String(frame.id)}`);
    } catch {
      // Not JSON: the server answers it; the session has nothing to remember.
    }
    const text = mutation.clientFrame ? mutation.clientFrame(given, session) : given;
    if (text === 'close') return client.close(1003, 'proxy: frame refused');
    if (text !== undefined) backend.send(text);
  });
  backend.on('close', (code: number) => client.close(code === 1005 || code === 1006 ? 1000 : code));
  client.on('close', () => backend.close());
  backend.on('error', () => client.terminate());
  client.on('error', () => backend.terminate());
}

/** Rewrites a JSON body with `change`; a body that is not JSON is returned as it was. */
export function mapJson(body: string, change: (value: Record<string, unknown>) => unknown): string {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return body;
  }
  return typeof value === 'object' && value !== null ? JSON.stringify(change(value as Record<string, unknown>)) : body;
}
