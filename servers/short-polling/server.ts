import { resolveServerOptions, type HttpTransport } from '../contract/index.ts';
import { EMPTY_STATS, type ChatServer } from '../common/chat-server.ts';
import { fastifyChatServer } from '../common/fastify-server.ts';
import { answerNow, buildPollingApp, newBacklogTotals, newWaitingBudget } from '../common/http-app.ts';
import type { RoomLog } from '../common/room-log.ts';
import { backplaneFor } from '../backplane/index.ts';

/**
 * The short-polling chat server: `GET /rooms/:room/messages` answers at once, with an empty list
 * when nothing is new. Built, not listening; `transport` is the name it answers to, given by the
 * registry (servers/transports.ts).
 */
export function createShortPollingServer(transport: HttpTransport, given: Readonly<Record<string, unknown>> = {}, log?: RoomLog): ChatServer {
  const { options, backplane, backlog, app } = shortPollingApp(transport, given, log);
  return fastifyChatServer(transport, options, backplane, app, () => ({ ...EMPTY_STATS, ...backlog }));
}

/**
 * The short-polling server's fastify app and what it is built on, not listening: the server
 * above, and the hot-path micro-benchmarks, which inject requests into its routes (every hook of
 * the request path runs; the socket is light-my-request's).
 */
export function shortPollingApp(transport: HttpTransport, given: Readonly<Record<string, unknown>> = {}, log?: RoomLog) {
  const options = resolveServerOptions({ ...given, transport });
  const backplane = backplaneFor(options, log);
  const backlog = newBacklogTotals();
  const app = buildPollingApp({ transport, options, backplane, poll: answerNow, backlog, budget: newWaitingBudget(backlog, options) });
  return { options, backplane, backlog, app };
}
