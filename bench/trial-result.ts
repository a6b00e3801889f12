/**
 * Turns what the generators and the server reported in one trial into a `TrialResult`. Pure: the
 * numbers in, the figures out, so that the accounting is tested with exact numbers.
 */
import type { ServerMark, ServerSample } from '../servers/common/self-report.ts';
import { median } from './aggregate.ts';
import { GENERATOR_CPU_LIMIT, GENERATOR_SEND_LAG_LIMIT_US } from './generator-limits.ts';
import { LatencyHistogram } from './histogram.ts';
import type { GeneratorResult } from './ipc.ts';
import type { ProcReading } from './proc-sampler.ts';
import type { GeneratorCheck, SeriesPoint, ServerMeasure, TrialResult, Workload } from './results.ts';

interface ClientInputs {
  readonly round: number;
  readonly position: number;
  readonly workload: Workload;
  readonly generators: readonly GeneratorResult[];
  /** Stored window messages per room, over all generators. */
  readonly storedByRoom: Readonly<Record<string, number>>;
  /** Monotonic µs when the schedule started (warm-up included). */
  readonly startUs: number;
}

/** What a server the bench started reported about itself. */
export interface ServerReadings {
  readonly idle: ServerMark;
  readonly windowStart: ServerMark;
  readonly windowEnd: ServerMark;
  /** After the drain, clients still connected, garbage collected where the server allows. */
  readonly memory: ServerMark;
  /** After every client disconnected, garbage collected where the server allows. */
  readonly released: ServerMark;
  readonly samples: readonly ServerSample[];
}

/**
 * What the bench read from /proc of a server it did not start (`--target-pid`): CPU time and RSS,
 * at the same moments as a started server's marks, and sampled a few times a second between them.
 */
export interface ProcReadings {
  readonly proc: {
    readonly idle: ProcReading;
    readonly windowStart: ProcReading;
    readonly windowEnd: ProcReading;
    /** After the drain, every client still connected (no garbage collection can be asked for). */
    readonly memory: ProcReading;
    readonly samples: readonly ProcReading[];
    /** Why heap, event-loop delay, held polls and sockets are missing, in words. */
    readonly notMeasured: string;
  };
}

/**
 * A trial's inputs: the generators' side, and the server's readings, or its /proc readings, or
 * why there are none (a server the bench did not start, `--target`, with no `--target-pid`).
 */
export type TrialInputs = ClientInputs & (ServerReadings | ProcReadings | { readonly serverNotMeasured: string });

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** `a / b`, or 0 when nothing was delivered (the trial then says so in its problems). */
function per(a: number, b: number): number {
  return b > 0 ? a / b : 0;
}

/** Buckets a long series is cut into for its slope: the lowest point of each is fitted. */
const SLOPE_BUCKETS = 10;

/**
 * Least-squares slope of `value` over time, per second; 0 with fewer than two samples. Heap and
 * RSS saw-tooth with garbage collection, so with more than two samples per bucket the fit goes
 * through the lowest sample of each of `SLOPE_BUCKETS` consecutive buckets: what is still held
 * after each collection, which is where a leak shows.
 */
export function slopePerSecond(samples: readonly ServerSample[], value: (s: ServerSample) => number): number {
  let points = samples;
  if (samples.length > 2 * SLOPE_BUCKETS) {
    points = range(SLOPE_BUCKETS).map((b) => {
      const bucket = samples.slice(Math.floor((b * samples.length) / SLOPE_BUCKETS), Math.floor(((b + 1) * samples.length) / SLOPE_BUCKETS));
      return bucket.reduce((low, s) => (value(s) < value(low) ? s : low));
    });
  }
  if (points.length < 2) return 0;
  const t0 = (points[0] as ServerSample).tUs;
  const xs = points.map((s) => (s.tUs - t0) / 1e6);
  const ys = points.map(value);
  const mx = sum(xs) / xs.length;
  const my = sum(ys) / ys.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    const dx = (xs[i] as number) - mx;
    sxy += dx * ((ys[i] as number) - my);
    sxx += dx * dx;
  }
  return sxx > 0 ? sxy / sxx : 0;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function serverMeasure(inputs: ServerReadings, clients: number): ServerMeasure {
  const { idle, windowStart, windowEnd, samples } = inputs;
  const inWindow = samples.filter((s) => s.tUs >= windowStart.tUs && s.tUs <= windowEnd.tUs);
  const rssWindow = inWindow.length > 0 ? median(inWindow.map((s) => s.rss)) : windowEnd.rss;
  const heapWindow = inWindow.length > 0 ? median(inWindow.map((s) => s.heapUsed)) : windowEnd.heapUsed;
  const cpuUs = windowEnd.cpuUs - windowStart.cpuUs;
  const stat = (name: string): number => {
    const value = windowEnd.stats[name];
    return typeof value === 'number' ? value : 0;
  };
  return {
    source: 'self-report',
    cpuUs,
    cpuShare: per(cpuUs, windowEnd.tUs - windowStart.tUs),
    rssIdleBytes: idle.rss,
    rssWindowBytes: rssWindow,
    rssPeakBytes: Math.max(idle.rss, windowStart.rss, windowEnd.rss, inputs.memory.rss, ...samples.map((s) => s.rss)),
    heapUsedWindowBytes: heapWindow,
    heapSlopeBytesPerS: slopePerSecond(inWindow, (s) => s.heapUsed),
    rssSlopeBytesPerS: slopePerSecond(inWindow, (s) => s.rss),
    // RSS: growth since start, both readings collected. The allocator keeps freed pages, so a
    // reading after the clients leave would undercount; growth since start overcounts a little
    // (compiled code, a grown heap), which many clients make small.
    perClientRssBytes: per(inputs.memory.rss - idle.rss, clients),
    // Heap: with and without the clients at the end, both collected: exactly what they hold.
    perClientHeapBytes: per(inputs.memory.heapUsed - inputs.released.heapUsed, clients),
    eventLoopDelay: { p50: windowEnd.loopDelay.p50, p99: windowEnd.loopDelay.p99, max: windowEnd.loopDelay.max },
    heldPolls: stat('heldPolls'),
    sockets: stat('sockets'),
    connections: stat('connections'),
    ...([idle, windowStart, windowEnd, inputs.memory].some((m) => m.rssIsPeak) ? { rssIsPeak: true as const } : {}),
  };
}

/** CPU time and RSS of a server read from /proc; what /proc cannot tell is `null`. */
function procMeasure(inputs: ProcReadings, clients: number): ServerMeasure {
  const { idle, windowStart, windowEnd, memory, samples, notMeasured } = inputs.proc;
  const inWindow = samples.filter((s) => s.tUs >= windowStart.tUs && s.tUs <= windowEnd.tUs);
  const cpuUs = windowEnd.cpuUs - windowStart.cpuUs;
  return {
    source: 'proc',
    notMeasured,
    cpuUs,
    cpuShare: per(cpuUs, windowEnd.tUs - windowStart.tUs),
    rssIdleBytes: idle.rss,
    rssWindowBytes: inWindow.length > 0 ? median(inWindow.map((s) => s.rss)) : windowEnd.rss,
    rssPeakBytes: Math.max(idle.rss, windowStart.rss, windowEnd.rss, memory.rss, ...samples.map((s) => s.rss)),
    heapUsedWindowBytes: null,
    rssSlopeBytesPerS: slopePerSecond(
      inWindow.map((s) => ({ type: 'sample', tUs: s.tUs, cpuUs: s.cpuUs, rss: s.rss, heapUsed: 0 })),
      (s) => s.rss,
    ),
    perClientRssBytes: per(memory.rss - idle.rss, clients),
    perClientHeapBytes: null,
    eventLoopDelay: null,
    heldPolls: null,
    sockets: null,
    connections: null,
  };
}

function series(samples: readonly ServerSample[], startUs: number): SeriesPoint[] {
  const points: SeriesPoint[] = [];
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i] as ServerSample;
    const prev = samples[i - 1];
    points.push({
      tMs: Math.round((s.tUs - startUs) / 1000),
      rssBytes: s.rss,
      heapUsedBytes: s.heapUsed,
      cpuShare: prev ? per(s.cpuUs - prev.cpuUs, s.tUs - prev.tUs) : 0,
    });
  }
  return points;
}

function generatorCheck(generators: readonly GeneratorResult[]): GeneratorCheck {
  const cpuShare = Math.max(0, ...generators.map((g) => g.cpuShare));
  const eventLoopDelayP99 = Math.max(0, ...generators.map((g) => g.eventLoopDelayP99));
  const sendLagP99 = LatencyHistogram.merge(generators.map((g) => g.sendLag)).summary().p99;
  const reasons: string[] = [];
  if (cpuShare >= GENERATOR_CPU_LIMIT) reasons.push(`a generator used ${(cpuShare * 100).toFixed(0)}% of a core (limit ${GENERATOR_CPU_LIMIT * 100}%)`);
  if (sendLagP99 > GENERATOR_SEND_LAG_LIMIT_US) {
    reasons.push(`sends left ${(sendLagP99 / 1000).toFixed(1)} ms late at p99 (limit ${GENERATOR_SEND_LAG_LIMIT_US / 1000} ms)`);
  }
  return { processes: generators.length, cpuShare, eventLoopDelayP99, sendLagP99, bound: reasons.length > 0, reasons };
}

export function buildTrialResult(inputs: TrialInputs): TrialResult {
  const { generators, workload } = inputs;
  const histogram = LatencyHistogram.merge(generators.map((g) => g.histogram));
  const clients = sum(generators.map((g) => g.clients));
  const total = (pick: (g: GeneratorResult) => number): number => sum(generators.map(pick));
  const sent = total((g) => g.sent);
  const stored = total((g) => g.stored);
  const sendFailed = total((g) => g.sendFailed);
  const delivered = total((g) => g.delivered);
  const duplicated = total((g) => g.duplicated);
  const reordered = total((g) => g.reordered);
  const expected = sum(Object.values(inputs.storedByRoom)) * workload.members;
  const lost = Math.max(0, expected - delivered);
  const wire = {
    requests: total((g) => g.wire.requests),
    emptyPolls: total((g) => g.wire.emptyPolls),
    connections: total((g) => g.wire.connections),
    bytesWritten: total((g) => g.wire.bytesWritten),
    bytesRead: total((g) => g.wire.bytesRead),
  };
  const server = 'serverNotMeasured' in inputs ? null : 'proc' in inputs ? procMeasure(inputs, clients) : serverMeasure(inputs, clients);
  const problems: string[] = [];
  if (delivered === 0) problems.push('nothing was delivered in the window');
  if (lost > 0) problems.push(`${lost} of ${expected} deliveries lost`);
  if (duplicated > 0) problems.push(`${duplicated} messages delivered twice`);
  if (reordered > 0) problems.push(`${reordered} messages out of order`);
  if (sendFailed > 0) problems.push(`${sendFailed} of ${sent} sends failed`);
  if (stored + sendFailed < sent) problems.push(`${sent - stored - sendFailed} sends never acknowledged`);
  return {
    round: inputs.round,
    position: inputs.position,
    clients,
    latency: histogram.summary(),
    histogram: histogram.encode(),
    delivery: { sent, stored, sendFailed, expected, delivered, lost, duplicated, reordered },
    wire,
    perDelivered: {
      requests: per(wire.requests, delivered),
      bytes: per(wire.bytesWritten + wire.bytesRead, delivered),
      connections: per(wire.connections, delivered),
      serverCpuUs: server ? per(server.cpuUs, delivered) : null,
    },
    server,
    ...('serverNotMeasured' in inputs ? { serverNotMeasured: inputs.serverNotMeasured } : {}),
    // From /proc there is no heap to chart: the time series is the server's own report only.
    series: 'serverNotMeasured' in inputs || 'proc' in inputs ? [] : series(inputs.samples, inputs.startUs),
    generator: generatorCheck(generators),
    events: {
      reconnects: total((g) => g.events.reconnects),
      cursorExpired: total((g) => g.events.cursorExpired),
      errors: total((g) => g.events.errors),
    },
    ok: problems.length === 0,
    problems,
  };
}
