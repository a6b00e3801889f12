/**
 * The requests-per-second ceilings of the polling routes against the bare fastify route. Both
 * servers run at once, each in its own process (an idle one costs nothing); every round measures
 * every route in rotated order, so that noise on this shared machine falls on all routes alike,
 * and the result is the median across rounds with its range.
 */
import { median, rotate } from '../model/aggregate.ts';
import { measureCeiling, type CeilingOptions, type CeilingTarget } from './route-ceiling.ts';
import { CEILING_WARMUP_MS } from '../run/options.ts';
import type { CeilingResult } from '../model/results.ts';
import { spawnServer, type ServerProcess } from '../run/spawn-server.ts';

let postCounter = 0;
function postBody(): string {
  postCounter++;
  return JSON.stringify({ id: `c${postCounter}`, from: 'autocannon', body: 'x'.repeat(64) });
}

async function targetsOf(server: ServerProcess, label: string): Promise<CeilingTarget[]> {
  const head = (await (await fetch(`${server.url}/rooms/ceiling/messages`)).json()) as { cursor: string };
  return [
    { target: `${label} GET (empty poll)`, method: 'GET', url: `${server.url}/rooms/ceiling/messages?cursor=${encodeURIComponent(head.cursor)}` },
    { target: `${label} POST`, method: 'POST', url: `${server.url}/rooms/posts/messages`, body: postBody },
  ];
}

/** Combines one route's rounds: medians, the range of the per-round means, totals. */
export function combineRounds(rounds: readonly CeilingResult[]): CeilingResult {
  const first = rounds[0];
  if (!first) throw new RangeError('no round to combine');
  const means = rounds.map((r) => r.requestsPerSecond.mean);
  const avg = means.reduce((a, b) => a + b, 0) / means.length;
  return {
    target: first.target,
    method: first.method,
    connections: first.connections,
    durationMs: rounds.reduce((n, r) => n + r.durationMs, 0),
    requestsPerSecond: {
      mean: median(means),
      stddev: Math.sqrt(means.reduce((a, m) => a + (m - avg) ** 2, 0) / means.length),
      min: Math.min(...means),
      max: Math.max(...means),
    },
    latencyMs: { p50: median(rounds.map((r) => r.latencyMs.p50)), p99: median(rounds.map((r) => r.latencyMs.p99)) },
    requests: rounds.reduce((n, r) => n + r.requests, 0),
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    non2xx: rounds.reduce((n, r) => n + r.non2xx, 0),
    rounds: means,
  };
}

/** The two servers the ceilings load, started; `loaded` once both listen. */
export interface CeilingServers {
  readonly loaded: Promise<void>;
  readonly servers: Promise<readonly [ServerProcess, ServerProcess]>;
  stop(): Promise<void>;
}

/**
 * Starts the bare fastify server and the short-polling chat server the ceilings load; `signal`
 * kills them at any stage (started ahead, during the last trial's warm-up, and too late).
 */
export function startCeilingServers(signal?: AbortSignal): CeilingServers {
  const spawn = signal ? { signal } : {};
  const started = Promise.allSettled([spawnServer('bare-fastify', [], spawn), spawnServer('short-polling', [], spawn)]);
  const servers = started.then(([bare, chat]) => {
    if (bare.status === 'fulfilled' && chat.status === 'fulfilled') return [bare.value, chat.value] as const;
    throw (bare.status === 'rejected' ? bare.reason : (chat as PromiseRejectedResult).reason) as Error;
  });
  servers.catch(() => undefined);
  return {
    loaded: servers.then(() => undefined),
    servers,
    stop: async () => {
      // Each one that started, whether or not the other did.
      for (const s of await started) if (s.status === 'fulfilled') await s.value.stop();
    },
  };
}

/** Route ceilings: bare fastify GET and POST and the short-polling chat server's, in rounds. */
export async function runCeilings(
  options: CeilingOptions & {
    readonly rounds: number;
    readonly onTarget?: (target: string, round: number) => void;
    /** The servers, started ahead and listening (`startCeilingServers`); absent: started here. */
    readonly servers?: CeilingServers;
  },
): Promise<CeilingResult[]> {
  const started = options.servers ?? startCeilingServers();
  try {
    const servers = await started.servers;
    const targets = [...(await targetsOf(servers[0], 'bare fastify')), ...(await targetsOf(servers[1], 'short-polling'))];
    const measured = new Map<string, CeilingResult[]>(targets.map((t) => [t.target, []]));
    for (let round = 0; round < options.rounds && !options.signal?.aborted; round++) {
      for (const target of rotate(targets, round)) {
        if (options.signal?.aborted) break;
        options.onTarget?.(target.target, round);
        // The first round warms each route up; later rounds measure a warm server.
        const result = await measureCeiling(target, { ...options, warmupMs: round === 0 ? (options.warmupMs ?? CEILING_WARMUP_MS.normal) : 0 });
        measured.get(target.target)?.push(result);
      }
    }
    return withRatios(targets.flatMap((t) => {
      const rounds = measured.get(t.target) ?? [];
      return rounds.length > 0 ? [combineRounds(rounds)] : [];
    }));
  } finally {
    await started.stop();
  }
}

/** Each chat route's requests per second over the bare route's of the same method. */
export function withRatios(results: readonly CeilingResult[]): CeilingResult[] {
  const bare = (method: string): CeilingResult | undefined => results.find((r) => r.target.startsWith('bare fastify') && r.method === method);
  return results.map((r) => {
    const base = bare(r.method);
    if (!base || r === base || base.requestsPerSecond.mean <= 0) return r;
    return { ...r, ratioToBare: r.requestsPerSecond.mean / base.requestsPerSecond.mean };
  });
}
