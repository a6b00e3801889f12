/**
 * Aggregation over rounds (bench/METHOD.md, "Warm-up, rounds, rotation"): the order of the variants
 * rotates each round, and a variant's figures are reported as the median and spread across its
 * rounds. Latency is the exception: the rounds' histograms are added, never their percentiles
 * averaged.
 */
import { LatencyHistogram } from './histogram.ts';
import { FIGURES } from './results.ts';
import type { FigureKey, LatencySummary, Spread, StepResult, TrialResult, VariantSummary } from './results.ts';

const FIGURE_KEYS = Object.keys(FIGURES) as readonly FigureKey[];

/** The `q`-quantile by nearest rank (`q` 1: the largest); undefined for none. */
export function quantile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** The middle value; the mean of the middle two for an even count; NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >>> 1;
  const upper = sorted[mid] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] ?? Number.NaN) + upper) / 2;
}

/**
 * The path a step across a distance measured: the median over its trials of each trial's median
 * TCP connect time, µs, and how many trials measured it; undefined on the plain loopback.
 */
export function stepPath(step: StepResult): { readonly medianUs: number; readonly trials: number } | undefined {
  const medians = step.variants.flatMap((v) => v.trials.flatMap((t) => (t.distance ? [t.distance.path.median] : [])));
  return medians.length === 0 ? undefined : { medianUs: median(medians), trials: medians.length };
}

/** Median, min and max of some values; all NaN for none. */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/**
 * The order for round `round` (from 0): it starts at item `round % n` and wraps, so each item
 * takes each position in turn. `[a, b, c]` in round 1 gives `[b, c, a]`. A new array.
 */
export function rotate<T>(items: readonly T[], round: number): T[] {
  const n = items.length;
  if (n === 0) return [];
  const start = ((round % n) + n) % n;
  return [...items.slice(start), ...items.slice(0, start)];
}

/**
 * One figure of one trial, by its {@link FIGURES} key. `wire.emptyPollShare` is empty polls over
 * requests, 0 when there were no requests; `server.connectionsPerClient` the server's open
 * connections at the window's end over the clients. `null` for the server's figures when the server was
 * not measured (a `--target` run), and for every figure of a trial that was not run (`limit`).
 */
export function figureValue(trial: TrialResult, key: FigureKey): number | null {
  // A trial its step's sockets kept from running measured nothing.
  if (trial.limit) return null;
  switch (key) {
    case 'latency.p50':
      return trial.latency.p50;
    case 'latency.p90':
      return trial.latency.p90;
    case 'latency.p99':
      return trial.latency.p99;
    case 'latency.p999':
      return trial.latency.p999;
    case 'latency.max':
      return trial.latency.max;
    case 'latency.mean':
      return trial.latency.mean;
    case 'perDelivered.requests':
      return trial.perDelivered.requests;
    case 'perDelivered.bytes':
      return trial.perDelivered.bytes;
    case 'perDelivered.connections':
      return trial.perDelivered.connections;
    case 'server.connectionsPerClient':
      return connectionsPerClient(trial);
    case 'perDelivered.serverCpuUs':
      return trial.perDelivered.serverCpuUs;
    case 'perDelivered.generatorCpuUs':
      return trial.perDelivered.generatorCpuUs ?? null;
    case 'server.cpuShare':
      return trial.server?.cpuShare ?? null;
    case 'server.rssWindowBytes':
      return trial.server?.rssWindowBytes ?? null;
    case 'server.perClientRssBytes':
      return trial.server?.perClientRssBytes ?? null;
    case 'server.perClientHeapBytes':
      return trial.server?.perClientHeapBytes ?? null;
    case 'server.eventLoopDelay.p99':
      return trial.server?.eventLoopDelay?.p99 ?? null;
    case 'wire.emptyPollShare':
      return trial.wire.requests === 0 ? 0 : trial.wire.emptyPolls / trial.wire.requests;
    default:
      return unknownFigure(key);
  }
}

/**
 * The TCP connections the server held at the window's end ÷ the trial's clients: 1 where a client
 * keeps one connection (WebSocket, HTTP/2), 2 where HTTP/1.1 keeps a held poll or stream beside
 * the posts' connection. `null` when the server's connections were not read (a `--target` run,
 * /proc, a file from before they were) or there were no clients.
 */
function connectionsPerClient(trial: TrialResult): number | null {
  const connections = trial.server?.connections;
  return typeof connections === 'number' && trial.clients > 0 ? connections / trial.clients : null;
}

function unknownFigure(key: never): never {
  throw new RangeError(`unknown figure ${JSON.stringify(key)}`);
}

/** The fan-out latency of every round merged, when every round has it. */
function fanoutOf(trials: readonly TrialResult[]): { fanoutLatency?: LatencySummary } {
  const histograms = trials.flatMap((trial) => (trial.fanoutHistogram === undefined ? [] : [trial.fanoutHistogram]));
  return histograms.length > 0 && histograms.length === trials.length ? { fanoutLatency: LatencyHistogram.merge(histograms).summary() } : {};
}

/**
 * A variant across its rounds: `ok` when there was at least one round and every round was ok,
 * `lost` summed, `generatorBound` when any round was, `latency` from all rounds' histograms
 * added together, and each figure's median and spread across rounds.
 */
export function summarizeVariant(trials: readonly TrialResult[]): VariantSummary {
  const measured = (key: FigureKey): number[] => trials.flatMap((trial) => figureValue(trial, key) ?? []);
  const figures = Object.fromEntries(FIGURE_KEYS.map((key) => [key, spread(measured(key))])) as Record<FigureKey, Spread>;
  const notMeasured = trials.length > 0 ? FIGURE_KEYS.filter((key) => measured(key).length === 0) : [];
  return {
    rounds: trials.length,
    ok: trials.length > 0 && trials.every((trial) => trial.ok),
    lost: trials.reduce((sum, trial) => sum + trial.delivery.lost, 0),
    generatorBound: trials.some((trial) => trial.generator.bound),
    latency: LatencyHistogram.merge(trials.map((trial) => trial.histogram)).summary(),
    ...fanoutOf(trials),
    figures,
    ...(notMeasured.length > 0 ? { notMeasured } : {}),
  };
}
