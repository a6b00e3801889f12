import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server as EngineServer } from 'engine.io';
import { Server as IoServer } from 'socket.io';
import { ChatError, HEALTH_PATH, SOCKETIO_PATH, WS_TOKEN_PARAM, resolveServerOptions, type HealthAnswer, type ServerOptions } from '../contract/index.ts';
import { EMPTY_STATS, chatServer, type ChatServer } from '../common/chat-server.ts';
import { refuseUpgrade, sendJson } from '../common/http-reply.ts';
import type { RoomLog } from '../common/room-log.ts';
import { backplaneFor } from '../backplane/index.ts';
import { buffering, closeSessions, sessionHttp } from '../common/session-server.ts';
import { tlsMaterial } from '../common/tls.ts';
import { hostCheck } from '../common/host-check.ts';
import { applyCrossOrigin, originRefusal } from '../common/cors.ts';
import { bearerToken, tokenMatches } from '../common/token.ts';
import { CLOSE, Connection, type ConnectionCounters } from '../websocket/connection.ts';
import { SocketIoChannel } from './channel.ts';
import { socketIoRooms } from './rooms.ts';
import { BroadcastOnStore, attachRedisAdapter } from './adapter.ts';
import { NotedBudget } from '../common/waiting-budget.ts';

type Session = Connection<SocketIoChannel>;

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
  const stored = backplaneFor(options, log);
  const tls = tlsMaterial(options);
  const counters: ConnectionCounters & { heartbeatDrops: number; budgetCuts: number } = { slowConsumerCloses: 0, heartbeatDrops: 0, budgetCuts: 0 };
  const settings = socketIoSettings(options);
  const engine = new EngineServer({ ...settings, transports: ['polling', 'websocket'], allowUpgrades: true, cookie: false });
  // No client bundle served, and no connection state recovery: the contract's cursors recover.
  const io = new IoServer({ serveClient: false, connectTimeout: options.requestTimeoutMs });
  io.bind(engine);
  // Option socketioAdapter: Socket.IO's own Redis adapter carries each new message to the other
  // instances, broadcast by the one that stored it; otherwise each instance's mirror delivers.
  const adapter = attachRedisAdapter(io, options);
  const backplane = adapter ? new BroadcastOnStore(stored, io) : stored;
  // The server-wide budget of bytes waiting for clients (option maxWaitingBytes), as the WebSocket
  // server keeps it: noted at each write, and before each broadcast for every member it goes to.
  const budget = new NotedBudget(options.maxWaitingBytes, () => counters.budgetCuts++);
  // Every open session, with its place in the budget.
  const sessions = new Map<Session, ReturnType<NotedBudget['join']>>();
  const noteMember = (member: Session): void => sessions.get(member)?.note(member.bufferedAmount);
  const rooms = socketIoRooms(io, options.maxBufferedBytes, () => counters.slowConsumerCloses++, noteMember, adapter !== undefined);
  let closing = false;
  let closed: Promise<void> | undefined;

  io.on('connection', (socket) => {
    const channel = new SocketIoChannel(socket);
    const connection: Session = new Connection(channel, backplane, rooms, options, counters, (bytes) => seat.note(bytes));
    // Cut at once: a socket over the budget gets nothing more to wait for.
    const seat = budget.join({ waiting: () => connection.bufferedAmount, cut: () => connection.terminate() });
    sessions.set(connection, seat);
    channel.deliverTo(connection);
    socket.once('disconnect', (reason) => {
      seat.leave();
      sessions.delete(connection);
      if (reason === 'ping timeout') counters.heartbeatDrops++;
    });
    if (closing) connection.close(CLOSE.GOING_AWAY, 'SHUTTING_DOWN');
  });

  /** Tells every client the server is going, gives them `shutdownGraceMs`, then cuts what is left and stops listening. */
  async function shutdown(): Promise<void> {
    closing = true;
    await closeSessions(sessions.keys(), CLOSE.GOING_AWAY, 'SHUTTING_DOWN', options.shutdownGraceMs);
    engine.close();
    adapter?.close();
    await server.stop();
    await backplane.close();
  }

  const checkHost = hostCheck(options);
  /** What every request is refused for first: a foreign Host, or a server shutting down. */
  const early = (request: IncomingMessage): ChatError | undefined => checkHost?.(request.headers.host) ?? (closing ? new ChatError('SHUTTING_DOWN', 'the server is shutting down') : undefined);
  /** The token's refusal, after the Host and the Origin (a browser's preflight carries none). */
  const tokenRefusal = (request: IncomingMessage): ChatError | undefined => {
    if (options.token === '') return undefined;
    const given = bearerToken(request.headers.authorization) ?? new URL(request.url ?? '/', 'http://localhost').searchParams.get(WS_TOKEN_PARAM) ?? undefined;
    if (tokenMatches(options.token, given)) return undefined;
    return new ChatError('UNAUTHORIZED', `this server requires a token: send Authorization: Bearer <token>, or ${WS_TOKEN_PARAM}=<token> in the query`);
  };
  const server = sessionHttp(options, tls, (request: IncomingMessage, response: ServerResponse) => {
    const first = early(request);
    if (first) return sendJson(response, first.status, first.toBody());
    const cors = applyCrossOrigin(options.allowedOrigins, request, response);
    if (cors === 'answered') return undefined;
    if (cors) return sendJson(response, cors.status, cors.toBody());
    const refused = tokenRefusal(request);
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
  const { http } = server;
  http.on('upgrade', (request: IncomingMessage, socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
    const refused =
      early(request) ??
      originRefusal(options.allowedOrigins, request.headers.origin) ??
      tokenRefusal(request) ??
      (path.startsWith(SOCKETIO_PATH) ? undefined : new ChatError('NOT_FOUND', `no WebSocket endpoint at ${path}; Socket.IO is at ${SOCKETIO_PATH}`));
    if (refused) return refuseUpgrade(socket, refused);
    engine.handleUpgrade(request, socket, head);
  });

  return chatServer({ transport: 'socketio', options, backplane, tls }, {
    listen: () => server.listen(),
    close() {
      closed ??= shutdown();
      return closed;
    },
    stats() {
      return {
        ...EMPTY_STATS,
        transport: 'socketio',
        rooms: backplane.log.size,
        listeners: backplane.log.listenerCount(),
        connections: server.connections(),
        sockets: sessions.size,
        subscriptions: rooms.size,
        slowConsumerCloses: counters.slowConsumerCloses,
        heartbeatDrops: counters.heartbeatDrops,
        ...buffering(sessions.keys()),
        budgetCuts: counters.budgetCuts,
      };
    },
  });
}
