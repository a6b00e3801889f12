import type { Transport } from './contract/index.ts';
import type { ChatServer } from './common/chat-server.ts';
import type { RoomLog } from './common/room-log.ts';
import { createLongPollingServer } from './long-polling/server.ts';
import { createShortPollingServer } from './short-polling/server.ts';
import { createWebSocketServer } from './websocket/server.ts';

export type { ChatServer, ServerStats } from './common/chat-server.ts';
export { RoomLog } from './common/room-log.ts';

const FACTORIES: Readonly<Record<Transport, (given: Readonly<Record<string, unknown>>, log?: RoomLog) => ChatServer>> = {
  'short-polling': createShortPollingServer,
  'long-polling': createLongPollingServer,
  websocket: createWebSocketServer,
};

/** Builds (does not listen) the chat server of one transport, with options checked by name. */
export function createChatServer(transport: Transport, given: Readonly<Record<string, unknown>> = {}, log?: RoomLog): ChatServer {
  const factory = FACTORIES[transport];
  if (!factory) throw new RangeError(`unknown transport ${JSON.stringify(transport)}; expected one of ${Object.keys(FACTORIES).join(', ')}`);
  return factory(given, log);
}
