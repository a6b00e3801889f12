import { SERVER_OPTIONS, type HttpTransport } from '../contract/index.ts';
import { PollingClient } from '../clients/polling-client.ts';
import type { ClientOptions } from '../clients/types.ts';

/**
 * Long polling: a GET per room held by the server until a message or `waitMs`; then at once again.
 * `transport` is the name the registry (bench/transports.ts) gives it.
 */
export function createLongPollingClient(transport: HttpTransport, options: ClientOptions): PollingClient {
  return new PollingClient(
    {
      transport,
      waitMs: options.waitMs ?? SERVER_OPTIONS.defaultWaitMs.default,
      intervalMs: 0,
      phaseMs: 0,
    },
    options,
  );
}
