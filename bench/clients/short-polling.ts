import { PollingClient } from './polling-client.ts';
import type { ClientOptions } from './types.ts';

/** Default ms between two polls of a room. */
export const DEFAULT_POLL_INTERVAL_MS = 1000;

/** Short polling: a GET per room every `pollIntervalMs`, answered at once. */
export function createShortPollingClient(options: ClientOptions): PollingClient {
  return new PollingClient(
    {
      transport: 'short-polling',
      waitMs: undefined,
      intervalMs: options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
      phaseMs: options.pollPhaseMs ?? 0,
    },
    options,
  );
}
