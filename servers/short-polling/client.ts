import { DEFAULT_POLL_INTERVAL_MS, type HttpTransport } from '../contract/index.ts';
import { PollingClient } from '../clients/polling-client.ts';
import type { ClientOptions } from '../clients/types.ts';

/**
 * Short polling: a GET per room every `pollIntervalMs`, answered at once. `transport` is the name
 * the registry (bench/transports.ts) gives it.
 */
export function createShortPollingClient(transport: HttpTransport, options: ClientOptions): PollingClient {
  return new PollingClient(
    {
      transport,
      waitMs: undefined,
      intervalMs: options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
      phaseMs: options.pollPhaseMs ?? 0,
    },
    options,
  );
}
