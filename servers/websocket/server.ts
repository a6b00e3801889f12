import type { IncomingMessage, ServerResponse } from 'node:http';
import { WebSocketServer } from 'ws';
import { ChatError, HEALTH_PATH, WS_PATH, resolveServerOptions, type HealthAnswer } from '../contract/index.ts';
import { chatServer, type ChatServer } from '../common/chat-server.ts';
import { refuseUpgrade, sendJson } from '../common/http-reply.ts';
import type { RoomLog } from '../common/room-log.ts';
import { backplaneFor } from '../backplane/index.ts';
import { buffering, closeSessions, sessionHttp } from '../common/session-server.ts';
import { NotedBudget } from '../common/waiting-budget.ts';
import { tlsMaterial } from '../common/tls.ts';
import { hostCheck } from '../common/host-check.ts';
import { applyCrossOrigin } from '../common/cors.ts';
import { bearerToken, tokenMatches } from '../common/token.ts';
import { CLOSE, Connection, type ConnectionCounters } from './connection.ts';
import { Fanout } from './fanout.ts';
import { checkHandshake } from './handshake.ts';
import { WsChannel } from './ws-channel.ts';

/**
 * The WebSocket chat server: `ws` on a plain `node:http` server (`node:https` with `--tls`), which
 * also answers `GET /healthz`. Built, not listening.
 */
export function createWebSocketServer(given: Readonly<Record<string, unknown>> = {}, log?: RoomLog): ChatServer {
  const options = resolveServerOptions({ ...given, transport: 'websocket' });
  const backplane = backplaneFor(options, log);
  const tls = tlsMaterial(options);
  const fanout = new Fanout();
  const connections = new Set<Connection<WsChannel>>();
  const counters: ConnectionCounters & { heartbeatDrops: number; budgetCuts: number } = { slowConsumerCloses: 0, heartbeatDrops: 0, budgetCuts: 0 };
  // The server-wide budget of bytes waiting for clients (option maxWaitingBytes): past it, the
  // sockets with the most waiting are cut, the largest first. ws says nothing when a buffer drains,
  // so the total is noted at each write and corrected by asking every socket when it looks over.
  const budget = new NotedBudget(options.maxWaitingBytes, () => counters.budgetCuts++);
  let closing = false;
  let heartbeat: NodeJS.Timeout | undefined;
  let closed: Promise<void> | undefined;

  /**
   * Closes every socket with 1001 and gives them `shutdownGraceMs` to finish; then cuts every
   * connection still open (sockets, refused handshakes, HTTP requests) and stops listening.
   */
  async function shutdown(): Promise<void> {
    closing = true;
    clearInterval(heartbeat);
    await closeSessions(connections, CLOSE.GOING_AWAY, 'SHUTTING_DOWN', options.shutdownGraceMs);
    await server.stop();
    await backplane.close();
  }

  const checkHost = hostCheck(options);
  const server = sessionHttp(options, tls, (request: IncomingMessage, response: ServerResponse) => {
    const refuse = (error: ChatError): void => sendJson(response, error.status, error.toBody());
    const wrongHost = checkHost?.(request.headers.host);
    if (wrongHost) return refuse(wrongHost);
    if (closing) return refuse(new ChatError('SHUTTING_DOWN', 'the server is shutting down'));
    const cors = applyCrossOrigin(options.allowedOrigins, request, response);
    if (cors === 'answered') return undefined;
    if (cors) return refuse(cors);
    if (options.token !== '' && !tokenMatches(options.token, bearerToken(request.headers.authorization))) {
      return refuse(new ChatError('UNAUTHORIZED', 'this server requires a token: send Authorization: Bearer <token>'));
    }
    const path = (request.url ?? '/').split('?', 1)[0];
    if ((request.method === 'GET' || request.method === 'HEAD') && path === HEALTH_PATH) {
      const down = backplane.unavailable();
      if (down) return refuse(down);
      const health: HealthAnswer = { status: 'ok', transport: 'websocket' };
      return sendJson(response, 200, health);
    }
    if (path === WS_PATH) return refuse(new ChatError('BAD_REQUEST', `${WS_PATH} takes a WebSocket handshake (Upgrade: websocket)`));
    return refuse(new ChatError('NOT_FOUND', `no route ${request.method ?? ''} ${path ?? ''}; routes are GET ${HEALTH_PATH} and ${WS_PATH}`));
  });
  const { http } = server;

  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes, perMessageDeflate: false, clientTracking: false });
  // A handshake ws refuses (bad method, key, version) gets a contract error instead of ws's text.
  wss.on('wsClientError', (error, socket) => refuseUpgrade(socket, new ChatError('BAD_REQUEST', `not a valid WebSocket handshake: ${error.message}`)));

  http.on('upgrade', (request, socket, head) => {
    socket.on('error', () => socket.destroy());
    const refusal = checkHost?.(request.headers.host) ?? (closing ? new ChatError('SHUTTING_DOWN', 'the server is shutting down') : checkHandshake(request, options));
    if (refusal) return refuseUpgrade(socket, refusal);
    wss.handleUpgrade(request, socket, head, (ws) => {
      const channel = new WsChannel(ws);
      const connection: Connection<WsChannel> = new Connection(channel, backplane, fanout, options, counters, (bytes) => seat.note(bytes));
      // Cut at once: a socket over the budget gets no close handshake to wait for.
      const seat = budget.join({ waiting: () => connection.bufferedAmount, cut: () => connection.terminate() });
      channel.deliverTo(connection);
      connections.add(connection);
      ws.once('close', () => {
        connections.delete(connection);
        seat.leave();
      });
      if (closing) connection.close(CLOSE.GOING_AWAY, 'SHUTTING_DOWN');
    });
  });

  return chatServer({ transport: 'websocket', options, backplane, tls }, {
    async listen() {
      const url = await server.listen();
      heartbeat = setInterval(() => {
        for (const connection of connections) if (!connection.channel.heartbeat()) counters.heartbeatDrops++;
      }, options.heartbeatMs);
      return url;
    },
    close() {
      closed ??= shutdown();
      return closed;
    },
    stats() {
      return {
        transport: 'websocket',
        rooms: backplane.log.size,
        listeners: backplane.log.listenerCount(),
        heldPolls: 0,
        abortedPolls: 0,
        connections: server.connections(),
        sockets: connections.size,
        streams: 0,
        subscriptions: fanout.size,
        slowConsumerCloses: counters.slowConsumerCloses,
        heartbeatDrops: counters.heartbeatDrops,
        ...buffering(connections),
        waitingBytes: 0,
        parkedRequests: 0,
        peakParkedRequests: 0,
        peakWaitingBytes: 0,
        busyRefusals: 0,
        budgetCuts: counters.budgetCuts,
      };
    },
  });
}
