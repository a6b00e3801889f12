import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { once } from 'node:events';
import { Server as EngineServer } from 'engine.io';
import { Server as IoServer } from 'socket.io';
import { ChatError, HEALTH_PATH, SOCKETIO_PATH, WS_TOKEN_PARAM, connectionsCheckingIntervalMs, resolveServerOptions, type HealthAnswer, type ServerOptions } from '../contract/index.ts';
import { baseUrl, countConnections, type ChatServer } from '../common/chat-server.ts';
import { createClientErrorAnswer, refuseUpgrade, sendJson } from '../common/http-reply.ts';
import type { RoomLog } from '../common/room-log.ts';
import { backplaneFor } from '../backplane/index.ts';
import { trackSockets } from '../common/sockets.ts';
import { handshakeTimeoutMs, tlsMaterial, type TlsMaterial } from '../common/tls.ts';
import { hostCheck } from '../common/host-check.ts';
import { bearerToken, tokenMatches } from '../common/token.ts';
import { CLOSE, Connection, type ConnectionCounters } from '../websocket/connection.ts';
import { SocketIoChannel } from './channel.ts';
import { SocketIoRooms } from './rooms.ts';

/**
 * The settings that decide what Socket.IO costs, pinned, and shown wherever a Socket.IO variant is
 * named: no compression of WebSocket frames or polling answers (as every other server here), the
 * largest packet the contract's largest payload, and engine.io's heartbeat on the contract's.
 */
export function socketIoSettings(options: Pick<ServerOptions, 'maxPayloadBytes' | 'heartbeatMs'>): {
  readonly perMessageDeflate: false;
  readonly httpCompression: false;
  readonly maxHttpBufferSize: number;
  readonly pingInterval: number;
  readonly pingTimeout: number;
} {
  return { perMessageDeflate: false, httpCompression: false, maxHttpBufferSize: options.maxPayloadBytes, pingInterval: options.heartbeatMs, pingTimeout: options.heartbeatMs };
}

/** How many clients have bytes waiting for them, and the most waiting for one. */
function buffering(connections: Iterable<Connection<SocketIoChannel>>): { bufferingSockets: number; maxBufferedBytes: number } {
  let bufferingSockets = 0;
  let maxBufferedBytes = 0;
  for (const connection of connections) {
    const bytes = connection.bufferedAmount;
    if (bytes > 0) bufferingSockets++;
    maxBufferedBytes = Math.max(maxBufferedBytes, bytes);
  }
  return { bufferingSockets, maxBufferedBytes };
}

function httpServer(tls: TlsMaterial | undefined, connectionsCheckingInterval: number, handshakeTimeout: number, handler: RequestListener): Server {
  if (!tls) return createServer({ connectionsCheckingInterval }, handler);
  return createHttpsServer({ key: tls.key, cert: tls.cert, connectionsCheckingInterval, handshakeTimeout }, handler);
}

/**
 * The Socket.IO chat server (contract version 3): Socket.IO 4 on its own engine.io server, both
 * its transports (HTTP long polling and WebSocket, the client choosing), mounted at `/socket.io/`
 * of a plain `node:http` server (`node:https` with `--tls`) that answers `GET /healthz` and checks
 * the Host, the token and shutdown before engine.io sees a request, with the contract's errors.
 * The sessions are the WebSocket server's (one `Connection` per socket, the same rules and
 * limits); the live messages are broadcast to Socket.IO rooms. Built, not listening.
 */
export function createSocketIoServer(given: Readonly<Record<string, unknown>> = {}, log?: RoomLog): ChatServer {
  const options = resolveServerOptions({ ...given, transport: 'socketio' });
  const backplane = backplaneFor(options, log);
  const tls = tlsMaterial(options);
  const counters: ConnectionCounters & { heartbeatDrops: number } = { slowConsumerCloses: 0, heartbeatDrops: 0 };
  const settings = socketIoSettings(options);
  const engine = new EngineServer({ ...settings, transports: ['polling', 'websocket'], allowUpgrades: true, cookie: false, maxHttpBufferSize: settings.maxHttpBufferSize });
  // No client bundle served, and no connection state recovery: the contract's cursors recover.
  const io = new IoServer({ serveClient: false, connectTimeout: options.requestTimeoutMs });
  io.bind(engine);
  const rooms = new SocketIoRooms(io, options.maxBufferedBytes, () => counters.slowConsumerCloses++);
  const connections = new Set<Connection<SocketIoChannel>>();
  let closing = false;
  let closed: Promise<void> | undefined;

  io.on('connection', (socket) => {
    const channel = new SocketIoChannel(socket);
    const connection = new Connection(channel, backplane, rooms, options, counters);
    channel.deliverTo(connection);
    connections.add(connection);
    socket.once('disconnect', (reason) => {
      connections.delete(connection);
      if (reason === 'ping timeout') counters.heartbeatDrops++;
    });
    if (closing) connection.close(CLOSE.GOING_AWAY, 'SHUTTING_DOWN');
  });

  /** Tells every client the server is going, gives them `shutdownGraceMs`, then cuts what is left and stops listening. */
  async function shutdown(): Promise<void> {
    closing = true;
    const allClosed = Promise.all(
      [...connections].map(
        (c) =>
          new Promise<void>((resolve) => {
            c.close(CLOSE.GOING_AWAY, 'SHUTTING_DOWN');
            c.onClosed(resolve);
          }),
      ),
    );
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([allClosed, new Promise<void>((resolve) => (grace = setTimeout(resolve, options.shutdownGraceMs)))]);
    clearTimeout(grace);
    for (const connection of connections) connection.terminate();
    engine.close();
    const stopped = http.listening ? once(http, 'close') : Promise.resolve();
    http.close();
    http.closeAllConnections();
    sockets.destroyAll();
    await Promise.all([allClosed, stopped]);
    await backplane.close();
  }

  const checkHost = hostCheck(options);
  /** The refusal a request to the engine gets before engine.io sees it, or none. */
  const refusal = (request: IncomingMessage): ChatError | undefined => {
    const wrongHost = checkHost?.(request.headers.host);
    if (wrongHost) return wrongHost;
    if (closing) return new ChatError('SHUTTING_DOWN', 'the server is shutting down');
    if (options.token === '') return undefined;
    const given = bearerToken(request.headers.authorization) ?? new URL(request.url ?? '/', 'http://localhost').searchParams.get(WS_TOKEN_PARAM) ?? undefined;
    if (tokenMatches(options.token, given)) return undefined;
    return new ChatError('UNAUTHORIZED', `this server requires a token: send Authorization: Bearer <token>, or ${WS_TOKEN_PARAM}=<token> in the query`);
  };
  const http = httpServer(tls, connectionsCheckingIntervalMs(options), handshakeTimeoutMs(options), (request: IncomingMessage, response: ServerResponse) => {
    const refused = refusal(request);
    if (refused) return sendJson(response, refused.status, refused.toBody());
    const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
    if (path.startsWith(SOCKETIO_PATH)) return engine.handleRequest(request, response);
    if ((request.method === 'GET' || request.method === 'HEAD') && path === HEALTH_PATH) {
      const down = backplane.unavailable();
      if (down) return sendJson(response, down.status, down.toBody());
      const health: HealthAnswer = { status: 'ok', transport: 'socketio' };
      return sendJson(response, 200, health);
    }
    const missing = new ChatError('NOT_FOUND', `no route ${request.method ?? ''} ${path}; routes are GET ${HEALTH_PATH} and Socket.IO at ${SOCKETIO_PATH}`);
    return sendJson(response, missing.status, missing.toBody());
  });
  const tcpConnections = countConnections(http);
  const sockets = trackSockets(http);
  const clientErrors = createClientErrorAnswer();
  http.on('request', clientErrors.onRequest);
  http.on('clientError', clientErrors.onClientError);
  http.headersTimeout = options.headersTimeoutMs;
  http.requestTimeout = options.requestTimeoutMs;
  http.keepAliveTimeout = options.keepAliveTimeoutMs;
  http.timeout = options.idleTimeoutMs;
  http.on('upgrade', (request: IncomingMessage, socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
    const refused = refusal(request) ?? (path.startsWith(SOCKETIO_PATH) ? undefined : new ChatError('NOT_FOUND', `no WebSocket endpoint at ${path}; Socket.IO is at ${SOCKETIO_PATH}`));
    if (refused) return refuseUpgrade(socket, refused);
    engine.handleUpgrade(request, socket, head);
  });

  return {
    transport: 'socketio',
    options,
    backplane,
    get log() {
      return backplane.log;
    },
    ...(tls ? { tls } : {}),
    async listen() {
      await backplane.ready();
      http.listen(options.port, options.host);
      await once(http, 'listening');
      const address = http.address();
      if (address === null || typeof address === 'string') throw new Error('server is not listening on a TCP port');
      return baseUrl(options.host, address.port, tls !== undefined);
    },
    close() {
      closed ??= shutdown();
      return closed;
    },
    stats() {
      return {
        transport: 'socketio',
        rooms: backplane.log.size,
        listeners: backplane.log.listenerCount(),
        heldPolls: 0,
        abortedPolls: 0,
        connections: tcpConnections(),
        sockets: connections.size,
        streams: 0,
        subscriptions: rooms.size,
        slowConsumerCloses: counters.slowConsumerCloses,
        heartbeatDrops: counters.heartbeatDrops,
        ...buffering(connections),
        waitingBytes: 0,
        parkedRequests: 0,
        peakParkedRequests: 0,
        peakWaitingBytes: 0,
        busyRefusals: 0,
        budgetCuts: 0,
      };
    },
  };
}
