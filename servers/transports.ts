import type { Transport } from './contract/index.ts';
import type { ChatServer } from './common/chat-server.ts';
import type { RoomLog } from './common/room-log.ts';

/** Builds (does not listen) the server of transport `T`, which answers to that name. */
export type ServerFactory<T extends Transport> = (transport: T, given: Readonly<Record<string, unknown>>, log?: RoomLog) => ChatServer;

/**
 * The server of every transport of the contract (servers/contract/transports.ts says what each
 * transport is). A new transport is a folder in servers/ and one line here. Each is loaded when
 * asked for, so that a server process loads its own transport's libraries only: werift alone
 * took about 0.34 s to load here, which every server start of every trial paid when all were loaded.
 */
const SERVERS: { readonly [T in Transport]: () => Promise<ServerFactory<T>> } = {
  'short-polling': async () => (await import('./short-polling/server.ts')).createShortPollingServer,
  'long-polling': async () => (await import('./long-polling/server.ts')).createLongPollingServer,
  websocket: async () => {
    const { createWebSocketServer } = await import('./websocket/server.ts');
    return (_transport, given, log) => createWebSocketServer(given, log);
  },
  sse: async () => {
    const { createSseServer } = await import('./sse/server.ts');
    return (_transport, given, log) => createSseServer(given, log);
  },
  webrtc: async () => {
    const { createWebRtcServer } = await import('./webrtc/server.ts');
    return (_transport, given, log) => createWebRtcServer(given, log);
  },
};

/** Builds (does not listen) the chat server of one transport, with options checked by name. */
export async function createChatServer(transport: Transport, given: Readonly<Record<string, unknown>> = {}, log?: RoomLog): Promise<ChatServer> {
  const load = SERVERS[transport] as (() => Promise<ServerFactory<Transport>>) | undefined;
  if (!load) throw new RangeError(`unknown transport ${JSON.stringify(transport)}; expected one of ${Object.keys(SERVERS).join(', ')}`);
  return (await load())(transport, given, log);
}
