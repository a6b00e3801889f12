import type { Transport } from '../../servers/contract/index.ts';
import { createLongPollingClient } from './long-polling.ts';
import { createShortPollingClient } from './short-polling.ts';
import type { BenchTransport } from '../results.ts';
import { RawWsClient } from './raw-ws.ts';
import type { ChatClient, ClientOptions } from './types.ts';
import { createWebSocketClient } from './websocket.ts';

export * from './types.ts';

const FACTORIES: Readonly<Record<Transport, (options: ClientOptions) => ChatClient>> = {
  'short-polling': createShortPollingClient,
  'long-polling': createLongPollingClient,
  websocket: createWebSocketClient,
};

/** A chat client of one transport; every transport behind the same interface. */
export function createClient(transport: Transport, options: ClientOptions): ChatClient {
  return FACTORIES[transport](options);
}

/** A client of a chat transport or of the raw `ws` baseline, as the harness drives them. */
export type BenchClient = Omit<ChatClient, 'transport'> & { readonly transport: BenchTransport };

/** The client of any transport the harness runs, the raw baseline included. */
export function createBenchClient(transport: BenchTransport, options: ClientOptions): BenchClient {
  return transport === 'raw-ws' ? new RawWsClient(options) : createClient(transport, options);
}
