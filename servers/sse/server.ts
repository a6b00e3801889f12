import type { FastifyReply, FastifyRequest } from 'fastify';
import { ChatError, EVENTS_ROUTE, LAST_EVENT_ID_HEADER, SSE_PASSING_ERRORS, SSE_REFUSED_RETRY_MS, checkCursorParam, checkLastEventId, checkRoomId, resolveServerOptions } from '../contract/index.ts';
import { refusedStream } from './events.ts';
import { EMPTY_STATS, type ChatServer } from '../common/chat-server.ts';
import { fastifyChatServer } from '../common/fastify-server.ts';
import { answerError, answerNow, buildPollingApp, busyRefusal, newBacklogTotals, newWaitingBudget, settleForClient } from '../common/http-app.ts';
import type { RoomLog } from '../common/room-log.ts';
import { backplaneFor } from '../backplane/index.ts';
import { Streams } from './streams.ts';

/**
 * The Server-Sent Events chat server: the HTTP routes of the polling servers (posting, and a `GET`
 * of messages that answers at once), plus `GET /rooms/:room/events`, a stream of one room's
 * messages from a cursor. Built, not listening.
 */
export function createSseServer(given: Readonly<Record<string, unknown>> = {}, log?: RoomLog): ChatServer {
  const options = resolveServerOptions({ ...given, transport: 'sse' });
  const backplane = backplaneFor(options, log);
  const backlog = newBacklogTotals();
  const budget = newWaitingBudget(backlog, options);
  const streams = new Streams(backplane, options, backlog, budget);
  const app = buildPollingApp({
    transport: 'sse',
    options,
    backplane,
    backlog,
    budget,
    poll: answerNow,
    onClose: () => streams.shutdown(),
    moreRoutes: [`GET ${EVENTS_ROUTE}`],
    beforeAnswer: (roomId) => streams.flushed(roomId),
  });

  // A stream refused for a while is answered as a stream that says why and ends (events.ts,
  // refusedStream): a browser's EventSource comes back after it, and gives up for good on a 503.
  const errorHandler = (error: unknown, request: FastifyRequest, reply: FastifyReply): void => {
    const passing = error instanceof ChatError && (SSE_PASSING_ERRORS as readonly string[]).includes(error.code);
    if (!passing) return answerError('sse', error, request, reply);
    void reply.code(200).headers({ 'content-type': 'text/event-stream', 'cache-control': 'no-store' }).send(refusedStream(error.code, error.message, error.cursor, SSE_REFUSED_RETRY_MS));
  };

  app.get<{ Params: { room: string }; Querystring: Record<string, unknown> }>(EVENTS_ROUTE, { errorHandler }, (request, reply) => {
    const roomId = checkRoomId(request.params.room);
    // The header is newer than the query: the browser sets it from the last event it received.
    const cursor = checkLastEventId(request.headers[LAST_EVENT_ID_HEADER]) ?? checkCursorParam(request.query.cursor);
    return settleForClient(reply, backplane.load(roomId, cursor), (room) => {
      const after = cursor === undefined ? room.head : room.resolve(cursor);
      const busy = busyRefusal(budget, backlog, room.cursorAt(after));
      if (busy) throw busy;
      if (streams.size >= options.maxStreams) {
        throw new ChatError(
          'TOO_MANY_STREAMS',
          `this server holds at most ${options.maxStreams} event streams at once (option maxStreams) and holds that many; reconnect later with the same cursor`,
          room.cursorAt(after),
        );
      }
      // A HEAD (fastify answers it with this handler) learns what a stream would be, and holds nothing.
      if (request.method === 'HEAD') return reply.code(200).headers({ 'content-type': 'text/event-stream', 'cache-control': 'no-store' }).send();
      streams.open(roomId, after, () => {
        // The stream writes its head itself: the headers set so far (CORS) go with it.
        const headers = reply.getHeaders();
        const raw = reply.hijack().raw;
        for (const [name, value] of Object.entries(headers)) if (value !== undefined) raw.setHeader(name, value);
        return raw;
      });
      return undefined;
    });
  });

  return fastifyChatServer('sse', options, backplane, app, () => ({
    ...EMPTY_STATS,
    ...backlog,
    streams: streams.size,
    slowConsumerCloses: streams.slowConsumerCloses,
  }));
}
