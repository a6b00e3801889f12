import type { Transport } from '../../servers/contract/index.ts';
import { createLongPollingClient } from './long-polling.ts';
import { createShortPollingClient } from './short-polling.ts';
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
