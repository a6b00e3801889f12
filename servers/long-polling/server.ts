import { ChatError, checkWait, resolveServerOptions, type HttpTransport } from '../contract/index.ts';
import { EMPTY_STATS, type ChatServer } from '../common/chat-server.ts';
import { fastifyChatServer } from '../common/fastify-server.ts';
import { answerNow, buildPollingApp, newBacklogTotals, newWaitingBudget, busyRefusal } from '../common/http-app.ts';
import type { RoomLog } from '../common/room-log.ts';
import { backplaneFor } from '../backplane/index.ts';
import { Holds } from './holds.ts';

/**
 * The long-polling chat server: `GET /rooms/:room/messages` answers at once when something is new,
 * otherwise holds the request until a message arrives or `wait` ms pass. Built, not listening;
 * `transport` is the name it answers to, given by the registry (servers/transports.ts).
 */
export function createLongPollingServer(transport: HttpTransport, given: Readonly<Record<string, unknown>> = {}, log?: RoomLog): ChatServer {
  const options = resolveServerOptions({ ...given, transport });
  const backplane = backplaneFor(options, log);
  const backlog = newBacklogTotals();
  // A hold due while the server is busy gets SERVER_BUSY with its cursor, as a new GET would.
  const budget = newWaitingBudget(backlog, options);
  const holds = new Holds((poll) => busyRefusal(budget, backlog, poll.room.cursorAt(poll.after)));
  const app = buildPollingApp({
    backlog,
    budget,
    transport,
    options,
    backplane,
    onClose: () => holds.shutdown(),
    poll: (poll, _request, reply) => {
      const waitMs = checkWait(poll.query.wait, options.defaultWaitMs, options.maxWaitMs);
      const { after } = poll;
      if (after === undefined || waitMs === 0 || poll.room.head > after) return answerNow(poll);
      if (holds.size >= options.maxHeldPolls) {
        throw new ChatError(
          'TOO_MANY_HELD_POLLS',
          `this server holds at most ${options.maxHeldPolls} polls at once (option maxHeldPolls) and holds that many; poll again with the same cursor`,
        );
      }
      // Holding listens to the room, so the room must be kept (and counts against maxRooms).
      holds.hold({ ...poll, room: backplane.log.room(poll.room.id), after }, reply, waitMs);
      return reply;
    },
  });
  return fastifyChatServer(transport, options, backplane, app, () => ({
    ...EMPTY_STATS,
    ...backlog,
    heldPolls: holds.size,
    abortedPolls: holds.abortedCount,
  }));
}
