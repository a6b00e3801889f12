import type { ServerHttp2Session } from 'node:http2';
import type { Server } from 'node:http';
import type { FastifyHttpOptions, FastifyInstance } from 'fastify';
import { connectionsCheckingIntervalMs, type ServerOptions, type Transport } from '../contract/index.ts';
import { baseUrl, chatServer, countConnections, type ChatServer, type ServerStats } from './chat-server.ts';
import type { Backplane } from '../backplane/index.ts';
import { closeWithin, trackSockets } from './sockets.ts';
import { handshakeTimeoutMs, tlsMaterial } from './tls.ts';

/**
 * Streams one HTTP/2 connection may have open at once (a held poll or stream is one, each POST
 * another): RFC 9113 asks for no fewer than 100, and browsers and nginx use 100 to 128. With one
 * answer per stream, this bounds what one HTTP/2 connection makes the server hold, as one request
 * at a time does on HTTP/1.1 (http-app.ts).
 */
export const HTTP2_MAX_STREAMS = 100;

/** The server options of a fastify app, typed as HTTP/1.1's (see fastifyServerOptions). */
type ServerLayer = Pick<FastifyHttpOptions<Server>, 'http'>;

/**
 * The server half of a fastify app's options: plain HTTP/1.1, HTTPS with `--tls`, or HTTP/2 over
 * TLS with `--http2` (HTTP/1.1 clients still served, chosen by ALPN). The types say HTTP/1.1:
 * fastify types an app by its server, but the compat request and response of `node:http2` have
 * every member the apps use (`raw.socket`, 'finish', headers), and `--http2` is tested.
 */
export function fastifyServerOptions(options: ServerOptions): ServerLayer {
  const checking = connectionsCheckingIntervalMs(options);
  const tls = tlsMaterial(options);
  if (!tls) return { http: { connectionsCheckingInterval: checking } };
  const https = { key: tls.key, cert: tls.cert, handshakeTimeout: handshakeTimeoutMs(options), connectionsCheckingInterval: checking };
  if (!options.http2) return { https } as ServerLayer;
  return {
    http2: true,
    https: { ...https, allowHTTP1: true, settings: { maxConcurrentStreams: HTTP2_MAX_STREAMS } },
    http2SessionTimeout: options.idleTimeoutMs,
  } as unknown as ServerLayer;
}

/** Wraps a built fastify app as a `ChatServer`. */
export function fastifyChatServer(
  transport: Transport,
  options: ServerOptions,
  backplane: Backplane,
  app: FastifyInstance,
  stats: () => Omit<ServerStats, 'transport' | 'rooms' | 'listeners' | 'connections'>,
): ChatServer {
  let closed: Promise<void> | undefined;
  const connections = countConnections(app.server);
  const sockets = trackSockets(app.server);
  const tls = tlsMaterial(options);
  if (options.http2) closeSessionsOnClose(app);
  return chatServer({ transport, options, backplane, tls }, {
    async listen() {
      await app.listen({ port: options.port, host: options.host });
      const address = app.server.address();
      if (address === null || typeof address === 'string') throw new Error('server is not listening on a TCP port');
      return baseUrl(options.host, address.port, tls !== undefined);
    },
    /** Answers held polls at once; a connection still open after `shutdownGraceMs` is cut. */
    close() {
      closed ??= closeWithin(app.close(), options.shutdownGraceMs, sockets).finally(() => backplane.close());
      return closed;
    },
    stats() {
      return { transport, rooms: backplane.log.size, listeners: backplane.log.listenerCount(), connections: connections(), ...stats() };
    },
  });
}

/**
 * HTTP/2: on close, each session gets a GOAWAY once the app's own close hooks ran (held polls are
 * answered then): its open streams finish and it closes, so the server's close does not wait for
 * the clients' idle sessions (Node 20's server.close() leaves sessions open).
 */
function closeSessionsOnClose(app: FastifyInstance): void {
  const sessions = new Set<ServerHttp2Session>();
  app.server.on('session', (session: ServerHttp2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  app.addHook('preClose', (done) => {
    for (const session of sessions) session.close();
    done();
  });
}
