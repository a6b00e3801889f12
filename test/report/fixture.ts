/**
 * A hand-written results file: small, every number chosen, so that the report's sentences and the
 * comparison's verdicts can be asserted exactly. The type checker keeps it a valid BenchResults.
 */
import { LatencyHistogram } from '../../bench/model/histogram.ts';
import { FIGURES, type BenchResults, type FigureKey, type Spread, type StepResult, type TrialResult, type Variant, type VariantResult, type Workload } from '../../bench/model/results.ts';

export const WORKLOAD: Workload = { rooms: 10, members: 10, ratePerMember: 1, bodyBytes: 256, durationMs: 7000, warmupMs: 2000 };

function histogram(values: readonly number[]): string {
  const h = new LatencyHistogram();
  for (const v of values) h.record(v);
  return h.encode();
}

/** Figures of a variant: every key given a spread; `set` overrides some. */
export function figures(set: Partial<Record<FigureKey, Spread | number>>): Record<FigureKey, Spread> {
  const out = {} as Record<FigureKey, Spread>;
  for (const key of Object.keys(FIGURES) as FigureKey[]) {
    const v = set[key] ?? 1;
    out[key] = typeof v === 'number' ? { median: v, min: v, max: v } : v;
  }
  return out;
}

function trial(latencyUs: readonly number[], cpuShare: number, ok = true): TrialResult {
  const h = LatencyHistogram.merge([histogram(latencyUs)]);
  return {
    round: 0,
    position: 0,
    clients: 100,
    latency: h.summary(),
    histogram: h.encode(),
    delivery: { sent: 700, stored: 700, sendFailed: 0, expected: 7000, delivered: ok ? 7000 : 6990, lost: ok ? 0 : 10, duplicated: 0, reordered: 0 },
    wire: { requests: 1400, emptyPolls: 100, connections: 0, bytesWritten: 300_000, bytesRead: 2_800_000 },
    perDelivered: { requests: 0.2, bytes: 443, connections: 0, serverCpuUs: 90, generatorCpuUs: 30 },
    server: {
      cpuUs: 630_000,
      cpuShare,
      rssIdleBytes: 90_000_000,
      rssWindowBytes: 95_000_000,
      rssPeakBytes: 96_000_000,
      heapUsedWindowBytes: 20_000_000,
      perClientRssBytes: 50_000,
      perClientHeapBytes: 8000,
      eventLoopDelay: { p50: 0, p99: 1200, max: 3000 },
      heldPolls: 0,
      sockets: 0,
      // Two a client, as HTTP/1.1 long polling holds: the poll's and the posts'.
      connections: 200,
    },
    // Four samples a second from the start of the warm-up (2 s) to the end of the window (9 s).
    series: Array.from({ length: 37 }, (_, i) => ({ tMs: i * 250, rssBytes: 90_000_000 + Math.min(i, 8) * 1_000_000, heapUsedBytes: 20_000_000, cpuShare: cpuShare * (0.8 + (i % 3) * 0.2) })),
    generator: { processes: 1, cpuShare: 0.1, eventLoopDelayP99: 500, sendLagP99: 900, bound: false, reasons: [] },
    events: { reconnects: 0, cursorExpired: 0, errors: 0 },
    ok,
    problems: ok ? [] : ['10 of 7000 deliveries lost'],
  };
}

export function variant(v: Variant, f: Partial<Record<FigureKey, Spread | number>>, latencyUs: readonly number[], options: { ok?: boolean; generatorBound?: boolean } = {}): VariantResult {
  const t = trial(latencyUs, typeof f['server.cpuShare'] === 'number' ? f['server.cpuShare'] : 0.1, options.ok ?? true);
  return {
    variant: v,
    trials: [t],
    summary: { rounds: 1, ok: options.ok ?? true, lost: options.ok === false ? 10 : 0, generatorBound: options.generatorBound ?? false, latency: t.latency, figures: figures(f) },
  };
}

export const SHORT: Variant = { id: 'short-polling', transport: 'short-polling', pollIntervalMs: 1000 };
export const LONG: Variant = { id: 'long-polling', transport: 'long-polling', waitMs: 25_000 };
export const WS: Variant = { id: 'websocket', transport: 'websocket' };
export const SSE: Variant = { id: 'sse', transport: 'sse' };
export const RAW: Variant = { id: 'raw-ws', transport: 'raw-ws' };

/** A step of the given variants on a workload (the default chat unless given). */
export function step(label: string, variants: readonly VariantResult[], workload: Workload = WORKLOAD, x?: { name: string; value: number; unit: string }): StepResult {
  return { step: { label, workload, variants: variants.map((v) => v.variant), ...(x ? { x } : {}) }, variants };
}

/** The same variant with some figures changed (and as many rounds as given). */
export function withFigures(v: VariantResult, set: Partial<Record<FigureKey, Spread | number>>, rounds = v.summary.rounds): VariantResult {
  const changed = { ...v.summary.figures } as Record<FigureKey, Spread>;
  for (const [key, value] of Object.entries(set) as [FigureKey, Spread | number][]) changed[key] = typeof value === 'number' ? { median: value, min: value, max: value } : value;
  return { ...v, summary: { ...v.summary, rounds, figures: changed } };
}

export function defaultStep(options: { wsOk?: boolean } = {}): StepResult {
  return {
    step: { label: '10 rooms × 10 members, 1 msg/s each', workload: WORKLOAD, variants: [SHORT, LONG, WS, RAW] },
    variants: [
      variant(SHORT, { 'latency.p50': 500_000, 'latency.p99': 990_000, 'latency.mean': 500_000, 'perDelivered.requests': 0.2, 'perDelivered.bytes': 440, 'perDelivered.serverCpuUs': 90, 'server.perClientRssBytes': 12_000, 'server.perClientHeapBytes': 3000, 'wire.emptyPollShare': 0.1, 'server.cpuShare': 0.08 }, [400_000, 500_000, 600_000]),
      variant(LONG, { 'latency.p50': 1200, 'latency.p99': 6000, 'latency.mean': 1500, 'perDelivered.requests': 1.1, 'perDelivered.bytes': 750, 'perDelivered.serverCpuUs': 110, 'server.perClientRssBytes': 36_000, 'server.perClientHeapBytes': 8000, 'server.cpuShare': 0.1 }, [1000, 1200, 6000]),
      variant(WS, { 'latency.p50': { median: 800, min: 700, max: 900 }, 'latency.p99': 3000, 'latency.mean': 900, 'perDelivered.requests': 0, 'perDelivered.bytes': 465, 'perDelivered.serverCpuUs': 60, 'server.perClientRssBytes': 10_000, 'server.perClientHeapBytes': 4000, 'server.cpuShare': 0.05 }, [700, 800, 3000], { ok: options.wsOk ?? true }),
      variant(RAW, { 'latency.p50': 640, 'latency.p99': 2500, 'perDelivered.requests': 0, 'perDelivered.bytes': 290, 'perDelivered.serverCpuUs': 40, 'server.perClientRssBytes': 5000, 'server.perClientHeapBytes': 1500 }, [600, 640, 2500]),
    ],
  };
}

export function results(steps: readonly StepResult[], name = 'default'): BenchResults {
  return {
    schemaVersion: 4,
    tool: { name: 'chat-transport-bench', version: '0.1.0' },
    machine: { cpuModel: 'Test CPU <script>', cores: 2, memoryBytes: 24 * 1024 ** 3, node: 'v20.20.2', platform: 'linux', arch: 'x64', osRelease: '6.1', commit: '0123456789abcdef', dirty: false },
    startedAt: '2026-11-26T01:00:00.000Z',
    finishedAt: '2026-11-26T01:03:00.000Z',
    status: 'complete',
    config: { scenario: { name, description: 'fixture', rounds: 1, generators: 1, steps: steps.map((s) => s.step) }, options: {}, argv: [] },
    steps,
    ceilings: [
      { target: 'bare fastify GET (empty poll)', method: 'GET', connections: 100, durationMs: 2000, requestsPerSecond: { mean: 40_000, stddev: 1000, min: 39_000, max: 41_000 }, latencyMs: { p50: 2, p99: 5 }, requests: 80_000, errors: 0, non2xx: 0 },
      { target: 'short-polling GET (empty poll)', method: 'GET', connections: 100, durationMs: 2000, requestsPerSecond: { mean: 36_000, stddev: 1000, min: 35_000, max: 37_000 }, latencyMs: { p50: 2, p99: 6 }, requests: 72_000, errors: 0, non2xx: 0, ratioToBare: 0.9 },
    ],
    micro: [{ name: 'room-log append', opsPerSecond: 1_400_000, meanNs: 700, p99Ns: 1500, rme: 1.2, samples: 10_000 }],
    targets: [{ name: 'short-poll route ceiling against bare fastify', value: 0.9, target: '≥ 0.8×', pass: true, note: 'fixture' }],
    warnings: [],
  };
}
