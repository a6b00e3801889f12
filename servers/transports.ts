import type { Transport } from './contract/index.ts';
import type { ChatServer } from './common/chat-server.ts';
import type { RoomLog } from './common/room-log.ts';
import type { ChatClient, ClientOptions } from './clients/types.ts';

/** Builds (does not listen) the server of transport `T`, which answers to that name. */
export type ServerFactory<T extends Transport> = (transport: T, given: Readonly<Record<string, unknown>>, log?: RoomLog) => ChatServer;

/** Makes a client of transport `T` (it does not connect until asked). */
export type ClientFactory<T extends Transport> = (transport: T, options: ClientOptions) => ChatClient;

/** A transport's room: its server and its client, each in `servers/<name>/`. */
interface TransportRoom<T extends Transport> {
  readonly server: () => Promise<ServerFactory<T>>;
  readonly client: () => Promise<ClientFactory<T>>;
}

/**
 * The server and the client of every transport of the contract (servers/contract/transports.ts
 * says what each transport is). A new transport is a folder in servers/ (`server.ts`, `client.ts`)
 * and one entry here. Each is loaded when asked for, so that a process loads its own transport's
 * libraries only: werift alone took about 0.34 s to load here, which every server start of every
 * trial paid when all were loaded.
 */
const ROOMS: { readonly [T in Transport]: TransportRoom<T> } = {
  'short-polling': {
    server: async () => (await import('./short-polling/server.ts')).createShortPollingServer,
    client: async () => (await import('./short-polling/client.ts')).createShortPollingClient,
  },
  'long-polling': {
    server: async () => (await import('./long-polling/server.ts')).createLongPollingServer,
    client: async () => (await import('./long-polling/client.ts')).createLongPollingClient,
  },
  websocket: {
    server: async () => withoutName((await import('./websocket/server.ts')).createWebSocketServer),
    client: async () => withoutName((await import('./websocket/client.ts')).createWebSocketClient),
  },
  sse: {
    server: async () => withoutName((await import('./sse/server.ts')).createSseServer),
    client: async () => withoutName((await import('./sse/client.ts')).createSseClient),
  },
  webrtc: {
    server: async () => withoutName((await import('./webrtc/server.ts')).createWebRtcServer),
    client: async () => withoutName((await import('./webrtc/client.ts')).createWebRtcClient),
  },
  socketio: {
    server: async () => withoutName((await import('./socketio/server.ts')).createSocketIoServer),
    client: async () => withoutName((await import('./socketio/client.ts')).createSocketIoClient),
  },
};

/** A factory that needs no transport name, as one that takes it first. */
function withoutName<A extends unknown[], R>(make: (...args: A) => R): (transport: unknown, ...args: A) => R {
  return (_transport, ...args) => make(...args);
}

/** The room of `transport`, or a clear error for a name that is none. */
function roomOf(transport: Transport): TransportRoom<Transport> {
  const room = ROOMS[transport] as TransportRoom<Transport> | undefined;
  if (!room) throw new RangeError(`unknown transport ${JSON.stringify(transport)}; expected one of ${Object.keys(ROOMS).join(', ')}`);
  return room;
}

/** Loads the client code of one transport without making a client (a process that will make clients soon). */
export async function loadClient(transport: Transport): Promise<void> {
  await roomOf(transport).client();
}

/** A chat client of one transport; every transport behind the same interface. */
export async function createClient(transport: Transport, options: ClientOptions): Promise<ChatClient> {
  return (await roomOf(transport).client())(transport, options);
}

/** Builds (does not listen) the chat server of one transport, with options checked by name. */
export async function createChatServer(transport: Transport, given: Readonly<Record<string, unknown>> = {}, log?: RoomLog): Promise<ChatServer> {
  return (await roomOf(transport).server())(transport, given, log);
}
