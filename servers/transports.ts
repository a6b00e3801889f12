import type { Transport } from './contract/index.ts';
import type { ChatServer } from './common/chat-server.ts';
import type { RoomLog } from './common/room-log.ts';
import { createLongPollingServer } from './long-polling/server.ts';
import { createShortPollingServer } from './short-polling/server.ts';
import { createSseServer } from './sse/server.ts';
import { createWebRtcServer } from './webrtc/server.ts';
import { createWebSocketServer } from './websocket/server.ts';

/** Builds (does not listen) the server of transport `T`, which answers to that name. */
export type ServerFactory<T extends Transport> = (transport: T, given: Readonly<Record<string, unknown>>, log?: RoomLog) => ChatServer;

/**
 * The server of every transport of the contract (servers/contract/transports.ts says what each
 * transport is). A new transport is a folder in servers/ and one line here.
 */
const SERVERS: { readonly [T in Transport]: ServerFactory<T> } = {
  'short-polling': createShortPollingServer,
  'long-polling': createLongPollingServer,
  websocket: (_transport, given, log) => createWebSocketServer(given, log),
  sse: (_transport, given, log) => createSseServer(given, log),
  webrtc: (_transport, given, log) => createWebRtcServer(given, log),
};

/** Builds (does not listen) the chat server of one transport, with options checked by name. */
export function createChatServer(transport: Transport, given: Readonly<Record<string, unknown>> = {}, log?: RoomLog): ChatServer {
  const factory = SERVERS[transport] as ServerFactory<Transport> | undefined;
  if (!factory) throw new RangeError(`unknown transport ${JSON.stringify(transport)}; expected one of ${Object.keys(SERVERS).join(', ')}`);
  return factory(transport, given, log);
}
