/**
 * Turns what the generators and the server reported in one trial into a `TrialResult`. Pure: the
 * numbers in, the figures out, so that the accounting is tested with exact numbers.
 */
import type { ServerMark, ServerSample } from '../../servers/common/self-report.ts';
import { median } from './aggregate.ts';
import { DELAY_LINE_LATE_LIMIT_US, GENERATOR_CPU_LIMIT, GENERATOR_SEND_LAG_LIMIT_US } from './generator-limits.ts';
import type { DelayLineStats } from '../network/delay-line.ts';
import { pathSummary } from '../network/path-probe.ts';
import { LatencyHistogram } from './histogram.ts';
import type { GeneratorResult } from '../generator/ipc.ts';
import type { ProcReading } from '../run/proc-sampler.ts';
import { describeLimit } from '../generator/sockets.ts';
import { SOAK_RSS_GROWTH, type BrokerFigures, type BrowserMembersResult, type Cluster, type Distance, type DistanceResult, type FaultResult, type GeneratorCheck, type InstanceMeasure, type KernelCounts, type NetworkLoss, type SeriesPoint, type ServerMeasure, type SoakResult, type TrialLimit, type TrialResult, type Workload } from './results.ts';

interface ClientInputs {
  readonly round: number;
  readonly position: number;
  readonly workload: Workload;
  readonly generators: readonly GeneratorResult[];
  /** Stored window messages per room, over all generators. */
  readonly storedByRoom: Readonly<Record<string, number>>;
  /** Monotonic µs when the schedule started (warm-up included). */
  readonly startUs: number;
  /** Instances and backplane (issue 11); absent: one process, memory. */
  readonly cluster?: Cluster;
  /** The broker's figures over the window, on Redis. */
  readonly broker?: BrokerFigures | null;
  /** The faults of a failover trial, when each began (monotonic µs), and a broker's outage. */
  readonly faults?: readonly { readonly name: string; readonly atUs: number; readonly outageMs?: number }[];
  /** Monotonic µs of the window's start, for the faults' times. */
  readonly windowStartUs?: number;
  /** Seqs acknowledged for two different messages (the broker lost an acknowledged write and reused its seq). */
  readonly seqsAckedTwice?: number;
  /** The lossy loopback the trial ran on, and what its rule counted (`Step.lossPct`). */
  readonly network?: NetworkLoss;
  /** The variant's channel drops messages by design (`isLossyChannel`): lost and reordered messages are figures, not problems. */
  readonly lossyChannel?: boolean;
  /** The network with distance the trial ran across, and what was read of it (`Step.distance`). */
  readonly distance?: DistanceReadings;
  /** `--profile`: the server's CPU profile over the window, as written. */
  readonly profile?: { readonly file: string; readonly bytes: number };
}

/** What a trial across a distance read of its network. */
export interface DistanceReadings {
  readonly spec: Distance;
  readonly method: DistanceResult['method'];
  /** Every generator's TCP connect times to the server, µs. */
  readonly path: readonly number[];
  /** The delay line at the window's start and end (the end's lateness is the window's); absent with netem. */
  readonly line?: { readonly start: DelayLineStats; readonly end: DelayLineStats };
  /** Each side's TCP counters at the trial's end (a new namespace starts at zero). */
  readonly kernel: { readonly clients: KernelCounts; readonly server: KernelCounts };
}

/** The distance figures of a trial, from its readings. */
export function distanceResult(r: DistanceReadings, windowUs: number): DistanceResult {
  return { ...r.spec, method: r.method, path: pathSummary(r.path), delayLine: r.line ? delayLineFigures(r.line.start, r.line.end, windowUs) : null, kernel: r.kernel };
}

/** The delay line's figures over the window, from its readings at the window's edges. */
function delayLineFigures(a: DelayLineStats, b: DelayLineStats, windowUs: number): NonNullable<DistanceResult['delayLine']> {
  const packets = b.packets[0] + b.packets[1] - a.packets[0] - a.packets[1];
  const cpuUs = b.cpuUs - a.cpuUs;
  return {
    realtime: b.realtime,
    cpuUs,
    packets,
    packetsPerS: per(packets, windowUs / 1e6),
    cpuPerPacketUs: packets > 0 ? cpuUs / packets : null,
    late: { p50: b.late.p50, p99: b.late.p99, max: b.late.max },
    overflow: b.overflow[0] + b.overflow[1] - a.overflow[0] - a.overflow[1],
  };
}

/** Why a delay line did not keep up in the window, in words; empty when it did. */
export function delayLineReasons(d: DistanceResult): string[] {
  const out: string[] = [];
  const line = d.delayLine;
  if (!line) return out;
  // Without a bandwidth limit, a device drops only what the line did not read in time.
  const unread = d.bandwidthMbit === undefined ? d.kernel.clients.deviceDrops + d.kernel.server.deviceDrops : 0;
  if (unread > 0) out.push(`the kernel dropped ${unread} packets the delay line did not read in time`);
  if (line.late.p99 > DELAY_LINE_LATE_LIMIT_US) {
    out.push(`the delay line let packets leave ${(line.late.p99 / 1000).toFixed(1)} ms late at p99 (limit ${DELAY_LINE_LATE_LIMIT_US / 1000} ms) at ${Math.round(line.packetsPerS).toLocaleString('en-US')} packets/s`);
  }
  if (line.overflow > 0) out.push(`the delay line dropped ${line.overflow} packets for a full queue`);
  return out;
}

/** Several instances, each reporting itself; one a failover killed reads its last sample after the kill. */
export interface ClusterReadings {
  readonly instances: readonly (ServerReadings & { readonly killed?: boolean })[];
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
    /** Why heap, event-loop delay, held polls, sockets and connections are missing, in words. */
    readonly notMeasured: string;
  };
}

/**
 * The server's side of a trial's inputs: its readings, or its /proc readings, or its instances',
 * or why there are none (a server the bench did not start, `--target`, with no `--target-pid`).
 */
export type ServerInputs = Partial<Pick<ClientInputs, 'cluster' | 'broker' | 'faults' | 'windowStartUs' | 'profile'>> &
  (ServerReadings | ProcReadings | ClusterReadings | { readonly serverNotMeasured: string });

/** A trial's inputs: the generators' side and the server's. */
export type TrialInputs = ClientInputs & ServerInputs;

/** Several instances' figures as one server's: sums, and the worst event-loop delay. */
export function combineMeasures(measures: readonly ServerMeasure[]): ServerMeasure {
  const total = (pick: (m: ServerMeasure) => number | null | undefined): number => sum(measures.map((m) => pick(m) ?? 0));
  const loops = measures.flatMap((m) => (m.eventLoopDelay ? [m.eventLoopDelay] : []));
  return {
    source: 'self-report',
    cpuUs: total((m) => m.cpuUs),
    cpuShare: total((m) => m.cpuShare),
    rssIdleBytes: total((m) => m.rssIdleBytes),
    rssWindowBytes: total((m) => m.rssWindowBytes),
    rssPeakBytes: total((m) => m.rssPeakBytes),
    heapUsedWindowBytes: total((m) => m.heapUsedWindowBytes),
    heapSlopeBytesPerS: total((m) => m.heapSlopeBytesPerS),
    rssSlopeBytesPerS: total((m) => m.rssSlopeBytesPerS),
    perClientRssBytes: total((m) => m.perClientRssBytes),
    perClientHeapBytes: total((m) => m.perClientHeapBytes),
    eventLoopDelay: {
      p50: Math.max(0, ...loops.map((l) => l.p50)),
      p99: Math.max(0, ...loops.map((l) => l.p99)),
      max: Math.max(0, ...loops.map((l) => l.max)),
    },
    heldPolls: total((m) => m.heldPolls),
    sockets: total((m) => m.sockets),
    connections: total((m) => m.connections),
    ...(measures.some((m) => m.rssIsPeak) ? { rssIsPeak: true as const } : {}),
  };
}

/** The faults, with the slowest generator's recovery from each (null when a client never received again). */
function faultResults(inputs: ClientInputs): FaultResult[] {
  const from = inputs.windowStartUs ?? inputs.startUs;
  return (inputs.faults ?? []).map((fault, i) => {
    const recoveries = inputs.generators.map((g) => g.recoveries?.[i]);
    const never = recoveries.some((r) => !r || r.recoveryUs === null);
    return {
      name: fault.name,
      atMs: Math.round((fault.atUs - from) / 1000),
      ...(fault.outageMs !== undefined ? { outageMs: fault.outageMs } : {}),
      recoveryMs: never ? null : Math.max(0, ...recoveries.map((r) => (r?.recoveryUs ?? 0) / 1000)),
      waiting: sum(recoveries.map((r) => r?.waiting ?? 0)),
    };
  });
}

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

/** A count of a mark's server stats, 0 where the server does not keep it. */
function statOf(mark: ServerMark, name: string): number {
  const value = mark.stats[name];
  return typeof value === 'number' ? value : 0;
}

function serverMeasure(inputs: ServerReadings, clients: number): ServerMeasure {
  const { idle, windowStart, windowEnd, samples } = inputs;
  const inWindow = samples.filter((s) => s.tUs >= windowStart.tUs && s.tUs <= windowEnd.tUs);
  const rssWindow = inWindow.length > 0 ? median(inWindow.map((s) => s.rss)) : windowEnd.rss;
  const heapWindow = inWindow.length > 0 ? median(inWindow.map((s) => s.heapUsed)) : windowEnd.heapUsed;
  const cpuUs = windowEnd.cpuUs - windowStart.cpuUs;
  const stat = (name: string): number => statOf(windowEnd, name);
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

/** Whether the load-making side limited the trial: the generators, and across a distance the delay line. */
function generatorCheck(generators: readonly GeneratorResult[], distance?: DistanceResult): GeneratorCheck {
  const cpuShare = Math.max(0, ...generators.map((g) => g.cpuShare));
  const eventLoopDelayP99 = Math.max(0, ...generators.map((g) => g.eventLoopDelayP99));
  const sendLagP99 = LatencyHistogram.merge(generators.map((g) => g.sendLag)).summary().p99;
  const reasons: string[] = [];
  if (cpuShare >= GENERATOR_CPU_LIMIT) reasons.push(`a generator used ${(cpuShare * 100).toFixed(0)}% of a core (limit ${GENERATOR_CPU_LIMIT * 100}%)`);
  if (sendLagP99 > GENERATOR_SEND_LAG_LIMIT_US) {
    reasons.push(`sends left ${(sendLagP99 / 1000).toFixed(1)} ms late at p99 (limit ${GENERATOR_SEND_LAG_LIMIT_US / 1000} ms)`);
  }
  if (distance) reasons.push(...delayLineReasons(distance));
  return { processes: generators.length, cpuShare, eventLoopDelayP99, sendLagP99, bound: reasons.length > 0, reasons };
}

/** The server's counts that are slots a client holds: each must be back to 0 once every client left. */
const SLOT_STATS = ['heldPolls', 'streams', 'sockets', 'subscriptions', 'listeners', 'connections', 'waitingBytes', 'parkedRequests'] as const;

/** What the browser members of every generator cost (`Variant.clients`); undefined with Node members. */
function browserResult(generators: readonly GeneratorResult[]): BrowserMembersResult | undefined {
  const parts = generators.flatMap((g) => (g.browser ? [g.browser] : []));
  if (parts.length === 0) return undefined;
  const sum = (pick: (b: (typeof parts)[number]) => number): number => parts.reduce((n, b) => n + pick(b), 0);
  return {
    pages: sum((b) => b.pages),
    members: sum((b) => b.members),
    cpuUs: sum((b) => b.cpuUs),
    pssBytes: sum((b) => b.pssBytes),
    dispatch: LatencyHistogram.merge(parts.map((b) => b.dispatch)).summary(),
    clockErrorUs: Math.max(...parts.map((b) => b.clockErrorUs)),
  };
}

/** A soak trial's figures: what the bystanders did, the slots left after the release, RSS bounded or not. */
function soakResult(inputs: ServerReadings & ClientInputs): SoakResult {
  const counts = { nonReaderJoins: 0, nonReaderReturns: 0, leaves: 0, failures: 0 };
  for (const g of inputs.generators) {
    if (!g.bystanders) continue;
    counts.nonReaderJoins += g.bystanders.nonReaderJoins;
    counts.nonReaderReturns += g.bystanders.nonReaderReturns;
    counts.leaves += g.bystanders.leaves;
    counts.failures += g.bystanders.failures;
  }
  const leftAfter: Record<string, number> = {};
  for (const name of SLOT_STATS) {
    const value = statOf(inputs.released, name);
    if (value > 0) leftAfter[name] = value;
  }
  const { windowStart, windowEnd } = inputs;
  const third = (windowEnd.tUs - windowStart.tUs) / 3;
  const maxRss = (from: number, to: number): number => Math.max(0, ...inputs.samples.filter((s) => s.tUs >= from && s.tUs <= to).map((s) => s.rss));
  const firstThirdMaxBytes = maxRss(windowStart.tUs, windowStart.tUs + third);
  const lastThirdMaxBytes = maxRss(windowEnd.tUs - third, windowEnd.tUs);
  const peakRss = Math.max(windowEnd.rss, inputs.memory.rss, ...inputs.samples.map((s) => s.rss));
  return {
    bystanders: counts,
    leftAfter,
    rss: { firstThirdMaxBytes, lastThirdMaxBytes, bounded: lastThirdMaxBytes <= firstThirdMaxBytes * (1 + SOAK_RSS_GROWTH) },
    peakWaitingBytes: statOf(inputs.released, 'peakWaitingBytes'),
    rssGrowthPeakBytes: Math.max(0, peakRss - inputs.idle.rss),
    budgetCuts: statOf(inputs.released, 'budgetCuts'),
    slowConsumerCloses: statOf(inputs.released, 'slowConsumerCloses'),
    busyRefusals: statOf(inputs.released, 'busyRefusals'),
  };
}

export function buildTrialResult(inputs: TrialInputs): TrialResult {
  const { generators, workload } = inputs;
  const histogram = LatencyHistogram.merge(generators.map((g) => g.histogram));
  const fanouts = generators.flatMap((g) => (g.fanout === undefined ? [] : [g.fanout]));
  const fanout = fanouts.length === generators.length && generators.length > 0 ? LatencyHistogram.merge(fanouts) : undefined;
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
  const perInstance = 'instances' in inputs ? inputs.instances.map((readings) => serverMeasure(readings, clients)) : undefined;
  const server =
    'serverNotMeasured' in inputs ? null : 'proc' in inputs ? procMeasure(inputs, clients) : 'instances' in inputs ? combineMeasures(perInstance ?? []) : serverMeasure(inputs, clients);
  const instances: InstanceMeasure[] | undefined =
    'instances' in inputs && perInstance
      ? perInstance.map((m, i) => ({
          instance: i,
          cpuUs: m.cpuUs,
          cpuShare: m.cpuShare,
          rssWindowBytes: m.rssWindowBytes,
          rssPeakBytes: m.rssPeakBytes,
          ...(inputs.instances[i]?.killed ? { killed: true as const } : {}),
        }))
      : undefined;
  const failover = inputs.cluster?.fault === 'failover';
  const lostAcknowledged = generators.some((g) => g.lostAcknowledged !== undefined) ? total((g) => g.lostAcknowledged ?? 0) : undefined;
  const faults = faultResults(inputs);
  const distance = inputs.distance ? distanceResult(inputs.distance, inputs.workload.durationMs * 1000) : undefined;
  const problems: string[] = [];
  if (delivered === 0) problems.push('nothing was delivered in the window');
  if (lost > 0 && !inputs.lossyChannel) problems.push(`${lost} of ${expected} deliveries lost`);
  if (duplicated > 0) problems.push(`${duplicated} messages delivered twice`);
  if (reordered > 0 && !inputs.lossyChannel) problems.push(`${reordered} messages out of order`);
  if (lostAcknowledged && !inputs.lossyChannel) problems.push(`${lostAcknowledged} acknowledged deliveries lost`);
  const seqsAckedTwice = inputs.seqsAckedTwice ?? 0;
  if (seqsAckedTwice > 0) problems.push(`${seqsAckedTwice} seqs acknowledged for two different messages: an acknowledged message was lost and its seq given again`);
  // A failover refuses posts while an instance or Redis is down: never acknowledged, never promised.
  if (sendFailed > 0 && !failover) problems.push(`${sendFailed} of ${sent} sends failed`);
  if (stored + sendFailed < sent && !failover) problems.push(`${sent - stored - sendFailed} sends never acknowledged`);
  for (const f of faults) if (f.recoveryMs === null) problems.push(`after "${f.name}", ${f.waiting} clients never received again`);
  const soak = workload.bystanders && 'released' in inputs ? soakResult(inputs) : undefined;
  const browser = browserResult(generators);
  if (soak && Object.keys(soak.leftAfter).length > 0) {
    problems.push(`slots still taken after every client left: ${Object.entries(soak.leftAfter).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  if (soak && !soak.rss.bounded) {
    const mib = (b: number): string => (b / 2 ** 20).toFixed(1);
    problems.push(`server RSS grew from ${mib(soak.rss.firstThirdMaxBytes)} MiB (first third of the window) to ${mib(soak.rss.lastThirdMaxBytes)} MiB (last third), more than ${SOAK_RSS_GROWTH * 100}%`);
  }
  return {
    round: inputs.round,
    position: inputs.position,
    clients,
    latency: histogram.summary(),
    histogram: histogram.encode(),
    ...(fanout && fanout.count > 0 ? { fanoutLatency: fanout.summary(), fanoutHistogram: fanout.encode() } : {}),
    delivery: { sent, stored, sendFailed, expected, delivered, lost, ...(lostAcknowledged !== undefined ? { lostAcknowledged } : {}), duplicated, reordered },
    wire,
    perDelivered: {
      requests: per(wire.requests, delivered),
      bytes: per(wire.bytesWritten + wire.bytesRead, delivered),
      connections: per(wire.connections, delivered),
      serverCpuUs: server ? per(server.cpuUs, delivered) : null,
      generatorCpuUs: per(total((g) => g.cpuUs), delivered),
    },
    server,
    ...('serverNotMeasured' in inputs ? { serverNotMeasured: inputs.serverNotMeasured } : {}),
    // From /proc there is no heap to chart: the time series is the server's own report only.
    series: 'serverNotMeasured' in inputs || 'proc' in inputs ? [] : series('instances' in inputs ? (inputs.instances[0]?.samples ?? []) : inputs.samples, inputs.startUs),
    generator: generatorCheck(generators, distance),
    events: {
      reconnects: total((g) => g.events.reconnects),
      cursorExpired: total((g) => g.events.cursorExpired),
      errors: total((g) => g.events.errors),
    },
    ...(inputs.cluster ? { cluster: inputs.cluster } : {}),
    ...(soak ? { soak } : {}),
    ...(browser ? { browser } : {}),
    ...(instances ? { instances } : {}),
    ...(inputs.broker !== undefined ? { broker: inputs.broker } : {}),
    ...(failover
      ? {
          failover: {
            acknowledged: stored,
            notAcknowledged: sent - stored,
            delivered,
            lostAcknowledged: lostAcknowledged ?? lost,
            seqsAckedTwice,
            reconnects: total((g) => g.events.reconnects),
            faults,
          },
        }
      : {}),
    ...(inputs.network ? { network: inputs.network } : {}),
    ...(distance ? { distance } : {}),
    ...(inputs.profile ? { profile: inputs.profile } : {}),
    ok: problems.length === 0,
    problems,
  };
}

/**
 * The result of a trial that was not run because one server process cannot hold its sockets:
 * nothing measured (every figure reads as not measured), not ok, and the limit in words and in
 * `limit` for a capacity search to read.
 */
export function limitedTrialResult(inputs: { readonly round: number; readonly position: number; readonly clients: number; readonly limit: TrialLimit }): TrialResult {
  const why = describeLimit(inputs.limit);
  const empty = new LatencyHistogram();
  return {
    round: inputs.round,
    position: inputs.position,
    clients: inputs.clients,
    latency: empty.summary(),
    histogram: empty.encode(),
    delivery: { sent: 0, stored: 0, sendFailed: 0, expected: 0, delivered: 0, lost: 0, duplicated: 0, reordered: 0 },
    wire: { requests: 0, emptyPolls: 0, connections: 0, bytesWritten: 0, bytesRead: 0 },
    perDelivered: { requests: 0, bytes: 0, connections: 0, serverCpuUs: null },
    server: null,
    serverNotMeasured: why,
    series: [],
    generator: generatorCheck([]),
    events: { reconnects: 0, cursorExpired: 0, errors: 0 },
    limit: inputs.limit,
    ok: false,
    problems: [why],
  };
}
