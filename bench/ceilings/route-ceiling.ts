import autocannon from 'autocannon';
import { checkOption, type IntOptionSpec } from '../../servers/common/command-line/index.ts';
import { BENCH_OPTIONS, HARNESS_OPTIONS } from '../run/options.ts';
import type { CeilingResult } from '../model/results.ts';

/**
 * The requests-per-second ceiling of one route (bench/METHOD.md, "Baselines and anchors"), measured
 * with autocannon: a closed loop (each connection sends its next request when the answer to the
 * last one is in), keep-alive, no pipelining. autocannon's fixed-rate mode is not used: its
 * latency correction assumes a 1 ms interval whatever the rate. Its latency is a request's round
 * trip under that load, in whole ms, and says nothing about message latency.
 */

/** One route to load. */
export interface CeilingTarget {
  /** What the result is called, e.g. `short-polling GET (empty poll)`. */
  readonly target: string;
  /** The full URL, path and query included. */
  readonly url: string;
  readonly method: 'GET' | 'POST';
  /** For POST: a JSON body factory, called per request so ids are unique. */
  readonly body?: () => string;
}

export interface CeilingOptions {
  /** Connections kept open, each with one request in flight. Default 100 (`--ceiling-connections`). */
  readonly connections?: number;
  /** The measured run, in ms. Default 2000 (`--ceiling-ms`). */
  readonly durationMs?: number;
  /** A first run on the same target whose numbers are discarded, in ms; 0 skips it. Default 1000. */
  readonly warmupMs?: number;
  /**
   * Stops the run early: during the measured run, what was measured until then is returned;
   * before it began, the promise rejects with the signal's reason.
   */
  readonly signal?: AbortSignal;
}

/** The ranges and defaults of `npm run bench`'s ceiling flags (bench/run/options.ts), checked here too. */
const CEILING_OPTIONS = {
  connections: BENCH_OPTIONS.ceilingConnections,
  durationMs: BENCH_OPTIONS.ceilingMs,
  warmupMs: HARNESS_OPTIONS.ceilingWarmupMs,
} as const satisfies Readonly<Record<string, IntOptionSpec>>;

/** autocannon counts requests per sample interval; a second, or the whole run when shorter. */
const MAX_SAMPLE_MS = 1000;

/**
 * autocannon's result, as @types/autocannon describes it, with the one field v8 returns that the
 * types leave out: how many sample intervals were counted (lib/run.js, `samples`).
 */
type AutocannonResult = autocannon.Result & { readonly samples: number };

function checkTarget(target: CeilingTarget): URL {
  let url: URL;
  try {
    url = new URL(target.url);
  } catch {
    throw new TypeError(`target.url must be a full http:// URL, got ${JSON.stringify(target.url)}`);
  }
  if (url.protocol !== 'http:') throw new TypeError(`target.url must be an http:// URL, got ${JSON.stringify(target.url)}`);
  if (target.method !== 'GET' && target.method !== 'POST') {
    throw new TypeError(`target.method must be "GET" or "POST", got ${JSON.stringify(target.method)}`);
  }
  if (target.method === 'POST' && typeof target.body !== 'function') {
    throw new TypeError('target.body must be a function that returns a JSON body when target.method is "POST"');
  }
  return url;
}

function requestOf(target: CeilingTarget, url: URL): autocannon.Request {
  const path = `${url.pathname}${url.search}`;
  const body = target.body;
  if (target.method === 'GET' || !body) return { method: 'GET', path };
  // autocannon builds each connection's next request just before sending it, through
  // setupRequest, so that every POST carries a body of its own.
  return {
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json' },
    setupRequest: (request) => ({ ...request, body: body() }),
  };
}

/** Runs autocannon once for about `durationMs`; `signal` ends it at its next sample. */
async function run(
  url: URL,
  request: autocannon.Request,
  connections: number,
  durationMs: number,
  signal: AbortSignal | undefined,
): Promise<{ result: AutocannonResult; sampleMs: number }> {
  const sampleMs = Math.min(MAX_SAMPLE_MS, durationMs);
  const options: autocannon.Options = { url: url.origin, connections, duration: durationMs / 1000, pipelining: 1, sampleInt: sampleMs, requests: [request] };
  let stop = (): void => undefined;
  const onAbort = (): void => stop();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    // The callback form, because only it is typed as returning the instance that can be stopped.
    const result = await new Promise<AutocannonResult>((resolve, reject) => {
      const instance = autocannon(options, (error: unknown, done) => (error ? reject(error) : resolve(done as AutocannonResult)));
      // Options autocannon refuses come back as an error, on an instance that has no stop().
      stop = () => (typeof instance.stop === 'function' ? instance.stop() : undefined);
    });
    return { result, sampleMs };
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Measures the requests per second one route sustains: an optional warm-up run whose numbers are
 * discarded, then the measured run. Requests per second: the mean is all answered requests over
 * the window; stddev, min and max are over autocannon's per-interval counts (one-second
 * intervals, or one interval when the run is shorter) scaled to one second. `durationMs` is the
 * window the requests were counted over: the run ends on an interval boundary. `latencyMs` has
 * autocannon's resolution of 1 ms. `ratioToBare` is left for the caller.
 */
export async function measureCeiling(target: CeilingTarget, options: CeilingOptions = {}): Promise<CeilingResult> {
  const connections = options.connections ?? CEILING_OPTIONS.connections.default;
  const durationMs = options.durationMs ?? CEILING_OPTIONS.durationMs.default;
  const warmupMs = options.warmupMs ?? CEILING_OPTIONS.warmupMs.default;
  checkOption('connections', CEILING_OPTIONS.connections, connections);
  checkOption('durationMs', CEILING_OPTIONS.durationMs, durationMs);
  checkOption('warmupMs', CEILING_OPTIONS.warmupMs, warmupMs);
  const url = checkTarget(target);
  const { signal } = options;
  const request = requestOf(target, url);

  signal?.throwIfAborted();
  if (warmupMs > 0) await run(url, request, connections, warmupMs, signal);
  signal?.throwIfAborted();
  const { result, sampleMs } = await run(url, request, connections, durationMs, signal);

  const perSecond = 1000 / sampleMs;
  const { requests, latency } = result;
  const windowMs = result.samples * sampleMs;
  return {
    target: target.target,
    method: target.method,
    connections,
    durationMs: windowMs,
    requestsPerSecond: {
      // From the exact total: autocannon's own mean comes from a 3-digit histogram, rounded up.
      mean: windowMs > 0 ? (requests.total * 1000) / windowMs : 0,
      stddev: requests.stddev * perSecond,
      min: requests.min * perSecond,
      max: requests.max * perSecond,
    },
    latencyMs: { p50: latency.p50, p99: latency.p99 },
    requests: requests.total,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}
