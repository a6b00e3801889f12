/**
 * The Redis a run's instances share when the bench starts it (`--backplane redis` without
 * `--redis-url`): the project's launcher (bench/cluster/redis-server.ts, Debian's `redis-server` on a free
 * loopback port, no persistence, a temporary directory), stopped after the run. A failover restarts
 * it keeping its data: a snapshot written before the stop and loaded by the new process on the same
 * port, so every cursor stays valid.
 */
import { redisMissingReason, startRedisServer } from './redis-server.ts';
import type { BrokerControl } from '../run/server-under-test.ts';

export { redisMissingReason } from './redis-server.ts';

export interface StartedBroker extends BrokerControl {
  readonly restart: () => Promise<number>;
  readonly pid: () => number | undefined;
  readonly port: number;
  stop(): Promise<void>;
}

/** Starts redis-server; rejects naming the package to install when it is missing. */
export async function startBroker(): Promise<StartedBroker> {
  const missing = redisMissingReason();
  if (missing) throw new Error(`--backplane redis: ${missing}`);
  const redis = await startRedisServer();
  return {
    url: redis.url,
    pid: () => redis.pid,
    port: redis.port,
    // From the stop (its snapshot first) until the new process accepts connections, ms.
    // The stop keeping data is SHUTDOWN SAVE (bench/cluster/redis-server.ts): nothing acknowledged is lost.
    async restart() {
      const began = performance.now();
      await redis.stop({ keepData: true });
      await redis.start();
      return performance.now() - began;
    },
    stop: () => redis.close(),
  };
}
