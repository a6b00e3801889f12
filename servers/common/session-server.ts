import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { once } from 'node:events';
import { connectionsCheckingIntervalMs, type ServerOptions } from '../contract/index.ts';
import { baseUrl, countConnections } from './chat-server.ts';
import { createClientErrorAnswer } from './http-reply.ts';
import { trackSockets, type SocketTracker } from './sockets.ts';
import { handshakeTimeoutMs, type TlsMaterial } from './tls.ts';

/**
 * What the servers of long-lived sessions share (WebSocket on ws, Socket.IO on engine.io): a plain
 * `node:http` server (`node:https` with TLS material) with the contract's timeouts and answers to
 * malformed requests, its connections counted and tracked; the buffering of their sessions; and a
 * shutdown that closes each session and gives them the grace.
 */
export interface SessionHttp {
  readonly http: Server;
  /** Open TCP connections. */
  readonly connections: () => number;
  readonly sockets: SocketTracker;
  /** Listens on `options.host` and `options.port`; resolves to the base URL. */
  listen(): Promise<string>;
  /** Stops listening and cuts every connection still open; resolves once the server closed. */
  stop(): Promise<void>;
}

/** A session the shutdown and the stats read. */
export interface Session {
  readonly bufferedAmount: number;
  close(code: number, reason: string): void;
  onClosed(done: () => void): void;
  terminate(): void;
}

export function sessionHttp(options: ServerOptions, tls: TlsMaterial | undefined, handler: RequestListener): SessionHttp {
  const interval = connectionsCheckingIntervalMs(options);
  const http = tls
    ? createHttpsServer({ key: tls.key, cert: tls.cert, connectionsCheckingInterval: interval, handshakeTimeout: handshakeTimeoutMs(options) }, handler)
    : createServer({ connectionsCheckingInterval: interval }, handler);
  const connections = countConnections(http);
  const sockets = trackSockets(http);
  const clientErrors = createClientErrorAnswer();
  http.on('request', clientErrors.onRequest);
  http.on('clientError', clientErrors.onClientError);
  http.headersTimeout = options.headersTimeoutMs;
  http.requestTimeout = options.requestTimeoutMs;
  http.keepAliveTimeout = options.keepAliveTimeoutMs;
  http.timeout = options.idleTimeoutMs;
  return {
    http,
    connections,
    sockets,
    async listen() {
      http.listen(options.port, options.host);
      await once(http, 'listening');
      const address = http.address();
      if (address === null || typeof address === 'string') throw new Error('server is not listening on a TCP port');
      return baseUrl(options.host, address.port, tls !== undefined);
    },
    async stop() {
      const stopped = http.listening ? once(http, 'close') : Promise.resolve();
      http.close();
      http.closeAllConnections();
      sockets.destroyAll();
      await stopped;
    },
  };
}

/** How many clients have bytes waiting for them, and the most waiting for one. */
export function buffering(sessions: Iterable<Session>): { bufferingSockets: number; maxBufferedBytes: number } {
  let bufferingSockets = 0;
  let maxBufferedBytes = 0;
  for (const session of sessions) {
    const bytes = session.bufferedAmount;
    if (bytes > 0) bufferingSockets++;
    maxBufferedBytes = Math.max(maxBufferedBytes, bytes);
  }
  return { bufferingSockets, maxBufferedBytes };
}

/**
 * Closes every session with `code` and `reason` and gives them `graceMs` to finish; then cuts
 * every one still open. Resolves once all are closed.
 */
export async function closeSessions(sessions: Iterable<Session>, code: number, reason: string, graceMs: number): Promise<void> {
  const all = [...sessions];
  const allClosed = Promise.all(
    all.map(
      (s) =>
        new Promise<void>((resolve) => {
          s.close(code, reason);
          s.onClosed(resolve);
        }),
    ),
  );
  let grace: NodeJS.Timeout | undefined;
  await Promise.race([allClosed, new Promise<void>((resolve) => (grace = setTimeout(resolve, graceMs)))]);
  clearTimeout(grace);
  for (const session of all) session.terminate();
  await allClosed;
}
