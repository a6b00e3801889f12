import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../bench/model/histogram.ts';
import type { GeneratorResult } from '../../bench/generator/ipc.ts';
import type { Workload } from '../../bench/model/results.ts';
import { GENERATOR_CPU_LIMIT, GENERATOR_SEND_LAG_LIMIT_US } from '../../bench/model/generator-limits.ts';
import { buildTrialResult, slopePerSecond } from '../../bench/model/trial-result.ts';
import type { TrialInputs } from '../../bench/model/trial-result.ts';
import { figureValue, summarizeVariant } from '../../bench/model/aggregate.ts';
import type { ServerMark, ServerSample } from '../../servers/common/self-report.ts';

function encoded(values: readonly number[]): string {
  const h = new LatencyHistogram();
  for (const v of values) h.record(v);
  return h.encode();
}

const WORKLOAD: Workload = { rooms: 2, members: 3, ratePerMember: 1, bodyBytes: 64, durationMs: 3000, warmupMs: 1000 };

/** 20 messages stored over both rooms: 20 × 3 members = 60 deliveries expected. */
const STORED_BY_ROOM = { 'room-0': 12, 'room-1': 8 };

const LATENCIES_A = [150, 3_000, 12_345];
const LATENCIES_B = [800, 45_000];

interface GeneratorFigures extends Partial<Omit<GeneratorResult, 'histogram' | 'sendLag'>> {
  readonly latencies?: readonly number[];
  readonly sendLags?: readonly number[];
}

function generator(f: GeneratorFigures): GeneratorResult {
  const { latencies = [], sendLags = [], ...rest } = f;
  return {
    clients: 3,
    histogram: encoded(latencies),
    sendLag: encoded(sendLags),
    sent: 10,
    stored: 10,
    sendFailed: 0,
    delivered: 30,
    duplicated: 0,
    reordered: 0,
    wire: { requests: 0, emptyPolls: 0, connections: 0, bytesWritten: 0, bytesRead: 0 },
    events: { reconnects: 0, cursorExpired: 0, errors: 0 },
    cpuShare: 0.1,
    cpuUs: 300_000,
    eventLoopDelayP99: 0,
    ...rest,
  };
}

const GENERATOR_A = generator({
  latencies: LATENCIES_A,
  sendLags: [500, 600],
  sent: 11,
  stored: 11,
  delivered: 36,
  wire: { requests: 70, emptyPolls: 10, connections: 4, bytesWritten: 5_000, bytesRead: 12_000 },
  events: { reconnects: 1, cursorExpired: 0, errors: 2 },
  cpuShare: 0.3,
  cpuUs: 900_000,
  eventLoopDelayP99: 1_200,
});

const GENERATOR_B = generator({
  latencies: LATENCIES_B,
  sendLags: [700],
  sent: 9,
  stored: 9,
  delivered: 24,
  wire: { requests: 50, emptyPolls: 5, connections: 2, bytesWritten: 3_000, bytesRead: 10_000 },
  events: { reconnects: 0, cursorExpired: 1, errors: 0 },
  cpuShare: 0.5,
  cpuUs: 1_500_000,
  eventLoopDelayP99: 900,
});

function mark(name: string, tUs: number, cpuUs: number, rss: number, heapUsed: number, stats: ServerMark['stats'] = {}): ServerMark {
  return { type: 'mark', name, tUs, cpuUs, rss, heapUsed, collected: false, loopDelay: { mean: 0, p50: 0, p99: 0, max: 0 }, stats };
}

function sample(tUs: number, cpuUs: number, rss: number, heapUsed: number): ServerSample {
  return { type: 'sample', tUs, cpuUs, rss, heapUsed };
}

const START_US = 2_000_000;
const IDLE = mark('idle', 1_000_000, 50_000, 40_000_000, 10_000_000, { heldPolls: 0, sockets: 0 });
const WINDOW_START = mark('window-start', 3_000_000, 200_000, 42_000_000, 11_000_000);
const WINDOW_END: ServerMark = {
  ...mark('window-end', 6_000_000, 1_700_000, 45_000_000, 12_000_000, { heldPolls: 6, sockets: 5, connections: 7, transport: 'long-polling' }),
  loopDelay: { mean: 300, p50: 250, p99: 1_800, max: 4_000 },
};
/** After the drain, every client still connected, garbage collected. */
const MEMORY: ServerMark = { ...mark('memory', 6_500_000, 1_750_000, 46_000_000, 11_200_000), collected: true };
/** Then once every client disconnected, garbage collected: the idle figures are not used for this. */
const RELEASED: ServerMark = { ...mark('released', 7_500_000, 1_800_000, 45_500_000, 10_100_000), collected: true };
const SAMPLES: readonly ServerSample[] = [
  sample(2_000_000, 100_000, 41_000_000, 10_500_000), // before the window
  sample(3_000_000, 200_000, 43_000_000, 11_000_000), // at the window's start: inside
  sample(4_000_000, 700_000, 46_000_000, 11_600_000),
  sample(5_000_000, 1_200_000, 44_000_000, 11_400_000),
  sample(6_000_000, 1_700_000, 45_000_000, 11_800_000), // at the window's end: inside
  sample(7_000_000, 1_800_000, 50_000_000, 12_500_000), // after the window, the peak
];

function inputs(overrides: Partial<TrialInputs> = {}): TrialInputs {
  return {
    round: 1,
    position: 2,
    workload: WORKLOAD,
    generators: [GENERATOR_A, GENERATOR_B],
    storedByRoom: STORED_BY_ROOM,
    idle: IDLE,
    windowStart: WINDOW_START,
    windowEnd: WINDOW_END,
    memory: MEMORY,
    released: RELEASED,
    samples: SAMPLES,
    startUs: START_US,
    ...overrides,
  };
}

describe('buildTrialResult', () => {
  it('sums the delivery counts, wire counts and events over the generators', () => {
    const result = buildTrialResult(inputs());
    expect(result.round).toBe(1);
    expect(result.position).toBe(2);
    expect(result.clients).toBe(6);
    expect(result.delivery).toEqual({ sent: 20, stored: 20, sendFailed: 0, expected: 60, delivered: 60, lost: 0, duplicated: 0, reordered: 0 });
    expect(result.wire).toEqual({ requests: 120, emptyPolls: 15, connections: 6, bytesWritten: 8_000, bytesRead: 22_000 });
    expect(result.events).toEqual({ reconnects: 1, cursorExpired: 1, errors: 2 });
    expect(result.ok).toBe(true);
    expect(result.problems).toEqual([]);
  });

  it('expects every stored message once per member of its room', () => {
    const result = buildTrialResult(inputs({ storedByRoom: { 'room-0': 5, 'room-1': 4, 'room-2': 1 }, workload: { ...WORKLOAD, members: 7 } }));
    expect(result.delivery.expected).toBe(70);
    expect(result.delivery.lost).toBe(10);
  });

  it('never counts a negative loss when more arrived than expected', () => {
    const result = buildTrialResult(inputs({ storedByRoom: { 'room-0': 10, 'room-1': 8 } }));
    expect(result.delivery.expected).toBe(54);
    expect(result.delivery.delivered).toBe(60);
    expect(result.delivery.lost).toBe(0);
  });

  it('divides requests, bytes, connections, server and generator CPU by the deliveries', () => {
    const result = buildTrialResult(inputs());
    // 120 requests, 30,000 bytes, 6 connections, 1,500,000 µs of server CPU and 900,000 + 1,500,000
    // µs of CPU in the two generator processes over 60 deliveries.
    expect(result.perDelivered).toEqual({ requests: 2, bytes: 500, connections: 0.1, serverCpuUs: 25_000, generatorCpuUs: 40_000 });
  });

  it("sums the generator CPU of every process, whatever each one's share of the deliveries", () => {
    // One process did all the receiving, the other only sent: the cost is the sum over both.
    const result = buildTrialResult(inputs({ generators: [{ ...GENERATOR_A, delivered: 60 }, { ...GENERATOR_B, delivered: 0, cpuUs: 600_000 }] }));
    expect(result.perDelivered.generatorCpuUs).toBe(25_000);
  });

  it('measures the server over the window from its marks and the samples inside the window', () => {
    const result = buildTrialResult(inputs());
    expect(result.server).toEqual({
      source: 'self-report',
      cpuUs: 1_500_000,
      // 1.5 s of CPU over a 3 s window.
      cpuShare: 0.5,
      rssIdleBytes: 40_000_000,
      // Samples at 3, 4, 5 and 6 s (the edges included): median of 43, 46, 44 and 45 MB.
      rssWindowBytes: 44_500_000,
      rssPeakBytes: 50_000_000,
      heapUsedWindowBytes: 11_500_000,
      // Least squares over (0 s, 11.0), (1 s, 11.6), (2 s, 11.4), (3 s, 11.8) MB: 1.1 MB·s ÷ 5 s².
      heapSlopeBytesPerS: 220_000,
      // Over 43, 46, 44, 45 MB at the same times: 2 MB·s ÷ 5 s².
      rssSlopeBytesPerS: 400_000,
      // RSS: the collected reading with the clients over the idle one: (46 MB − 40 MB) ÷ 6 clients.
      perClientRssBytes: 1_000_000,
      // Heap: with and without the clients at the end: (11.2 MB − 10.1 MB) ÷ 6 clients.
      perClientHeapBytes: 1_100_000 / 6,
      eventLoopDelay: { p50: 250, p99: 1_800, max: 4_000 },
      heldPolls: 6,
      sockets: 5,
      connections: 7,
    });
  });

  it('gives the connections the server held at the window’s end per client', () => {
    // 7 connections at the window's end over the generators' 3 + 3 clients.
    expect(figureValue(buildTrialResult(inputs()), 'server.connectionsPerClient')).toBeCloseTo(7 / 6, 12);
  });

  it('adds the connections of several instances, a killed one’s (no stats after the kill) counting none', () => {
    const base = inputs();
    const clientSide = { round: base.round, position: base.position, workload: base.workload, generators: base.generators, storedByRoom: base.storedByRoom, startUs: base.startUs };
    const readings = { idle: IDLE, windowStart: WINDOW_START, memory: MEMORY, released: RELEASED, samples: SAMPLES };
    const result = buildTrialResult({
      ...clientSide,
      instances: [
        { ...readings, windowEnd: WINDOW_END },
        { ...readings, windowEnd: { ...WINDOW_END, stats: { ...WINDOW_END.stats, connections: 5 } } },
        { ...readings, windowEnd: { ...WINDOW_END, stats: {} }, killed: true },
      ],
    });
    expect(result.server?.connections).toBe(12);
    expect(figureValue(result, 'server.connectionsPerClient')).toBe(2);
  });

  it('measures a server read from /proc (--target-pid): CPU and RSS from its readings, heap and event-loop delay null', () => {
    const base = inputs();
    const at = (tUs: number, cpuUs: number, rss: number): { tUs: number; cpuUs: number; rss: number } => ({ tUs, cpuUs, rss });
    const result = buildTrialResult({
      round: base.round, position: base.position, workload: base.workload, generators: base.generators, storedByRoom: base.storedByRoom, startUs: base.startUs,
      proc: {
        idle: at(1_000_000, 50_000, 40_000_000),
        windowStart: at(3_000_000, 200_000, 42_000_000),
        windowEnd: at(6_000_000, 1_700_000, 45_000_000),
        memory: at(6_500_000, 1_750_000, 46_000_000),
        samples: [at(2_000_000, 100_000, 41_000_000), at(3_000_000, 200_000, 43_000_000), at(4_000_000, 700_000, 46_000_000), at(5_000_000, 1_200_000, 44_000_000), at(6_000_000, 1_700_000, 45_000_000), at(7_000_000, 1_800_000, 50_000_000)],
        notMeasured: 'heap and event-loop delay: not in /proc',
      },
    });
    expect(result.server).toEqual({
      source: 'proc',
      notMeasured: 'heap and event-loop delay: not in /proc',
      cpuUs: 1_500_000,
      cpuShare: 0.5,
      rssIdleBytes: 40_000_000,
      rssWindowBytes: 44_500_000,
      rssPeakBytes: 50_000_000,
      heapUsedWindowBytes: null,
      rssSlopeBytesPerS: 400_000,
      // No collection can be asked of a foreign server: (46 MB − 40 MB) ÷ 6 clients as read.
      perClientRssBytes: 1_000_000,
      perClientHeapBytes: null,
      eventLoopDelay: null,
      heldPolls: null,
      sockets: null,
      connections: null,
    });
    expect(result.serverNotMeasured).toBeUndefined();
    expect(result.perDelivered.serverCpuUs).toBe(25_000);
    expect(result.series).toEqual([]);
  });

  it('takes the middle sample for an odd count in the window', () => {
    const result = buildTrialResult(inputs({ samples: SAMPLES.slice(0, 4) }));
    // Samples at 3, 4 and 5 s: 43, 46 and 44 MB.
    expect(result.server?.rssWindowBytes).toBe(44_000_000);
    expect(result.server?.heapUsedWindowBytes).toBe(11_400_000);
    // The per-client cost does not depend on the samples: it comes from the memory mark.
    expect(result.server?.perClientRssBytes).toBe(1_000_000);
  });

  it('falls back on the window-end mark when no sample fell inside the window', () => {
    const result = buildTrialResult(inputs({ samples: [SAMPLES[0] as ServerSample] }));
    expect(result.server?.rssWindowBytes).toBe(45_000_000);
    expect(result.server?.heapUsedWindowBytes).toBe(12_000_000);
    // The marks' RSS then bounds the peak: idle 40, window start 42, window end 45, memory 46, sample 41 MB.
    expect(result.server?.rssPeakBytes).toBe(46_000_000);
  });

  it('reads missing or non-numeric server stats as 0', () => {
    const result = buildTrialResult(inputs({ windowEnd: { ...WINDOW_END, stats: { heldPolls: 'many' } } }));
    expect(result.server?.heldPolls).toBe(0);
    expect(result.server?.sockets).toBe(0);
  });

  it('places each sample in ms from the start and gives the CPU share since the sample before', () => {
    const result = buildTrialResult(inputs());
    expect(result.series).toEqual([
      { tMs: 0, rssBytes: 41_000_000, heapUsedBytes: 10_500_000, cpuShare: 0 },
      { tMs: 1000, rssBytes: 43_000_000, heapUsedBytes: 11_000_000, cpuShare: 0.1 },
      { tMs: 2000, rssBytes: 46_000_000, heapUsedBytes: 11_600_000, cpuShare: 0.5 },
      { tMs: 3000, rssBytes: 44_000_000, heapUsedBytes: 11_400_000, cpuShare: 0.5 },
      { tMs: 4000, rssBytes: 45_000_000, heapUsedBytes: 11_800_000, cpuShare: 0.5 },
      { tMs: 5000, rssBytes: 50_000_000, heapUsedBytes: 12_500_000, cpuShare: 0.1 },
    ]);
  });

  it('rounds series times to the ms and keeps samples from before the start negative', () => {
    const result = buildTrialResult(inputs({ samples: [sample(1_499_400, 0, 1, 1), sample(2_000_600, 250_150, 1, 1)] }));
    expect(result.series.map((p) => p.tMs)).toEqual([-501, 1]);
    expect(result.series[1]?.cpuShare).toBe(250_150 / 501_200);
  });

  it('summarizes latency as one histogram holding every generator’s values', () => {
    const all = new LatencyHistogram();
    for (const v of [...LATENCIES_A, ...LATENCIES_B]) all.record(v);
    const result = buildTrialResult(inputs());
    expect(result.latency).toEqual(all.summary());
    expect(result.latency.count).toBe(5);
    expect(LatencyHistogram.decode(result.histogram).summary()).toEqual(all.summary());
  });

  it('merges the fan-out leg of every generator, and leaves it out when a generator did not measure it', () => {
    const fanout = (values: readonly number[]): string => encoded(values);
    const result = buildTrialResult(inputs({ generators: [{ ...GENERATOR_A, fanout: fanout([1_000, 2_000]) }, { ...GENERATOR_B, fanout: fanout([90_000]) }] }));
    expect(result.fanoutLatency?.count).toBe(3);
    expect(result.fanoutLatency?.max).toBeGreaterThanOrEqual(90_000);
    expect(result.fanoutLatency?.max).toBeLessThan(90_100);
    // Across rounds, as the report reads it: all rounds' histograms merged.
    const twice = summarizeVariant([result, { ...result, round: 2 }]);
    expect(twice.fanoutLatency?.count).toBe(6);
    const partial = buildTrialResult(inputs({ generators: [{ ...GENERATOR_A, fanout: fanout([1_000]) }, GENERATOR_B] }));
    expect(partial.fanoutLatency).toBeUndefined();
    expect(summarizeVariant([result, partial]).fanoutLatency).toBeUndefined();
  });

  it('reports the generators below their limits as not bound', () => {
    const result = buildTrialResult(inputs());
    expect(result.generator).toEqual({ processes: 2, cpuShare: 0.5, eventLoopDelayP99: 1_200, sendLagP99: 700, bound: false, reasons: [] });
  });

  it('judges a generator at the CPU limit bound, and says why', () => {
    const busy = generator({ cpuShare: GENERATOR_CPU_LIMIT });
    const result = buildTrialResult(inputs({ generators: [GENERATOR_A, busy] }));
    expect(result.generator.cpuShare).toBe(0.85);
    expect(result.generator.bound).toBe(true);
    expect(result.generator.reasons).toEqual(['a generator used 85% of a core (limit 85%)']);
  });

  it('does not judge a generator just below the CPU limit bound', () => {
    const result = buildTrialResult(inputs({ generators: [GENERATOR_A, generator({ cpuShare: 0.84 })] }));
    expect(result.generator.bound).toBe(false);
    expect(result.generator.reasons).toEqual([]);
  });

  it('judges the generators bound when the merged send-lag p99 is over the limit', () => {
    // 98 sends on time and two late in each of two generators: the 4 late ones are the top 2% of
    // the 200 merged values, so the p99 (the 198th) is theirs: 12,000 µs, reported by HDR as its
    // bucket's top, 12,007.
    const onTime = Array.from({ length: 98 }, () => 100);
    const result = buildTrialResult(
      inputs({ generators: [generator({ sendLags: [...onTime, 12_000, 12_000] }), generator({ sendLags: [...onTime, 12_000, 12_000] })] }),
    );
    expect(result.generator.sendLagP99).toBe(12_007);
    expect(result.generator.bound).toBe(true);
    expect(result.generator.reasons).toEqual(['sends left 12.0 ms late at p99 (limit 10 ms)']);
  });

  it('judges on the merged send-lag p99, not on the worst generator’s own p99', () => {
    // Alone, the second generator's p99 (its 99th of 100 values) is late; merged with 100 sends on
    // time, its 2 late sends are only 1% of 200, and the p99 (the 198th value) is on time.
    const onTime = Array.from({ length: 100 }, () => 100);
    const result = buildTrialResult(inputs({ generators: [generator({ sendLags: onTime }), generator({ sendLags: [...onTime.slice(2), 12_000, 12_000] })] }));
    expect(result.generator.sendLagP99).toBe(100);
    expect(result.generator.bound).toBe(false);
  });

  it('does not judge the generators bound when the merged send-lag p99 is just below the limit', () => {
    // 9,999 µs is the top of its HDR bucket [9,992, 9,999], so the p99 reads exactly that.
    const lags = Array.from({ length: 100 }, () => GENERATOR_SEND_LAG_LIMIT_US - 1);
    const result = buildTrialResult(inputs({ generators: [generator({ sendLags: lags })] }));
    expect(result.generator.sendLagP99).toBe(9_999);
    expect(result.generator.bound).toBe(false);
  });

  it('gives both reasons when both limits are passed', () => {
    const result = buildTrialResult(inputs({ generators: [generator({ cpuShare: 1.2, sendLags: [20_000] })] }));
    expect(result.generator.reasons).toEqual(['a generator used 120% of a core (limit 85%)', 'sends left 20.0 ms late at p99 (limit 10 ms)']);
  });

  it('is not ok when deliveries were lost', () => {
    const result = buildTrialResult(inputs({ generators: [GENERATOR_A, { ...GENERATOR_B, delivered: 14 }] }));
    expect(result.delivery.lost).toBe(10);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual(['10 of 60 deliveries lost']);
  });

  it('is not ok when messages were duplicated or reordered', () => {
    const result = buildTrialResult(inputs({ generators: [{ ...GENERATOR_A, duplicated: 2 }, { ...GENERATOR_B, duplicated: 1, reordered: 4 }] }));
    expect(result.delivery.duplicated).toBe(3);
    expect(result.delivery.reordered).toBe(4);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual(['3 messages delivered twice', '4 messages out of order']);
  });

  it('is not ok when sends failed or were never acknowledged', () => {
    const failed = buildTrialResult(inputs({ generators: [GENERATOR_A, { ...GENERATOR_B, stored: 7, sendFailed: 2 }] }));
    expect(failed.ok).toBe(false);
    expect(failed.problems).toEqual(['2 of 20 sends failed']);

    const unanswered = buildTrialResult(inputs({ generators: [GENERATOR_A, { ...GENERATOR_B, stored: 6, sendFailed: 1 }] }));
    expect(unanswered.ok).toBe(false);
    expect(unanswered.problems).toEqual(['1 of 20 sends failed', '2 sends never acknowledged']);
  });

  it('is not ok when nothing was delivered, and then costs 0 per delivery rather than NaN or Infinity', () => {
    const result = buildTrialResult(inputs({ generators: [{ ...GENERATOR_A, delivered: 0 }, { ...GENERATOR_B, delivered: 0 }] }));
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual(['nothing was delivered in the window', '60 of 60 deliveries lost']);
    expect(result.perDelivered).toEqual({ requests: 0, bytes: 0, connections: 0, serverCpuUs: 0, generatorCpuUs: 0 });
  });

  it('gives 0, not NaN, for shares and per-client figures over an empty window or no clients', () => {
    const result = buildTrialResult(inputs({ generators: [], windowEnd: { ...WINDOW_END, tUs: WINDOW_START.tUs }, samples: [] }));
    expect(result.clients).toBe(0);
    expect(result.server?.cpuShare).toBe(0);
    expect(result.server?.perClientRssBytes).toBe(0);
    expect(result.server?.perClientHeapBytes).toBe(0);
    expect(result.latency).toEqual({ count: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 });
    expect(result.generator).toEqual({ processes: 0, cpuShare: 0, eventLoopDelayP99: 0, sendLagP99: 0, bound: false, reasons: [] });
  });
});

describe('slopePerSecond', () => {
  // 100 samples a second apart whose heap saw-tooths between a floor and floor + 5 MB.
  const sawtooth = (floorPerS: number): ServerSample[] =>
    Array.from({ length: 100 }, (_, i) => sample(i * 1_000_000, 0, 0, 10_000_000 + floorPerS * i + (i % 7) * 700_000));

  it('sees no slope in a saw-tooth over a flat floor', () => {
    expect(Math.abs(slopePerSecond(sawtooth(0), (s) => s.heapUsed))).toBeLessThan(10_000);
  });

  it('sees a floor that rises as the slope, whatever the saw-tooth', () => {
    expect(slopePerSecond(sawtooth(50_000), (s) => s.heapUsed)).toBeCloseTo(50_000, -4);
  });

  it('is 0 with fewer than two samples', () => {
    expect(slopePerSecond([sample(0, 0, 1, 1)], (s) => s.heapUsed)).toBe(0);
  });
});

describe('a trial against a server the bench did not start (--target)', () => {
  const base = inputs();
  const clientSide = { round: base.round, position: base.position, workload: base.workload, generators: base.generators, storedByRoom: base.storedByRoom, startUs: base.startUs };
  const why = 'not started by the bench';
  const result = buildTrialResult({ ...clientSide, serverNotMeasured: why });

  it('keeps everything the clients measured, and marks the server not measured', () => {
    const measured = buildTrialResult(inputs());
    expect(result.delivery).toEqual(measured.delivery);
    expect(result.wire).toEqual(measured.wire);
    expect(result.latency).toEqual(measured.latency);
    expect(result.ok).toBe(true);
    expect(result.server).toBeNull();
    expect(result.serverNotMeasured).toBe(why);
    expect(result.perDelivered.serverCpuUs).toBeNull();
    expect(result.perDelivered.requests).toBe(measured.perDelivered.requests);
    expect(result.perDelivered.generatorCpuUs).toBe(measured.perDelivered.generatorCpuUs);
    expect(result.series).toEqual([]);
    expect(measured.serverNotMeasured).toBeUndefined();
  });

  it('lists the server figures as not measured in the summary, null in the JSON, and the rest as usual', () => {
    const summary = summarizeVariant([result, result]);
    expect(summary.notMeasured).toEqual([
      'server.connectionsPerClient',
      'perDelivered.serverCpuUs',
      'server.cpuShare',
      'server.rssWindowBytes',
      'server.perClientRssBytes',
      'server.perClientHeapBytes',
      'server.eventLoopDelay.p99',
    ]);
    const json = JSON.parse(JSON.stringify(summary)) as { figures: Record<string, unknown> };
    expect(json.figures['server.cpuShare']).toEqual({ median: null, min: null, max: null });
    expect(summary.figures['latency.p50'].median).toBe(result.latency.p50);
    expect(summarizeVariant([buildTrialResult(inputs())]).notMeasured).toBeUndefined();
  });
});

describe('a server that could not read its RSS (EMFILE at the fd limit)', () => {
  it('marks the round: its RSS figures are the peak RSS, an upper bound', () => {
    expect(buildTrialResult(inputs()).server?.rssIsPeak).toBeUndefined();
    const peak: ServerMark = { ...MEMORY, rssIsPeak: true };
    expect(buildTrialResult(inputs({ memory: peak })).server?.rssIsPeak).toBe(true);
  });
});

describe('buildTrialResult: the soak (issue 23)', () => {
  const SOAK_WORKLOAD = { ...WORKLOAD, bystanders: { nonReaders: 2, leavers: 2, stayMs: 100, stallMs: 1000 } };
  const bystanders = { nonReaderJoins: 6, nonReaderReturns: 2, leaves: 40, failures: 1 };
  const soakGenerators = [{ ...GENERATOR_A, bystanders }, { ...GENERATOR_B, bystanders }];
  // The window (3 s to 6 s) in thirds: the most RSS of the first (3-4 s) and of the last (5-6 s).
  const released = (stats: ServerMark['stats']): ServerMark => ({ ...RELEASED, stats });

  it('sums what the bystanders did, and passes when every slot is back and RSS levelled off', () => {
    const result = buildTrialResult(inputs({ workload: SOAK_WORKLOAD, generators: soakGenerators, released: released({ heldPolls: 0, streams: 0, connections: 0, peakWaitingBytes: 3_000_000, budgetCuts: 4, slowConsumerCloses: 5, busyRefusals: 0 }) }));
    expect(result.soak).toEqual({
      bystanders: { nonReaderJoins: 12, nonReaderReturns: 4, leaves: 80, failures: 2 },
      leftAfter: {},
      rss: { firstThirdMaxBytes: 46_000_000, lastThirdMaxBytes: 45_000_000, bounded: true },
      peakWaitingBytes: 3_000_000,
      rssGrowthPeakBytes: 10_000_000,
      budgetCuts: 4,
      slowConsumerCloses: 5,
      busyRefusals: 0,
    });
    expect(result.ok).toBe(true);
  });

  it('fails a trial whose server still holds a slot once every client left, naming it', () => {
    const result = buildTrialResult(inputs({ workload: SOAK_WORKLOAD, generators: soakGenerators, released: released({ heldPolls: 0, streams: 3, connections: 3, transport: 'sse' }) }));
    expect(result.soak?.leftAfter).toEqual({ streams: 3, connections: 3 });
    expect(result.ok).toBe(false);
    expect(result.problems).toContain('slots still taken after every client left: streams 3, connections 3');
  });

  it('fails a trial whose RSS kept growing from the first third of the window to the last', () => {
    const growing = [sample(3_500_000, 0, 40_000_000, 0), sample(4_500_000, 0, 45_000_000, 0), sample(5_500_000, 0, 44_000_001, 0)];
    const result = buildTrialResult(inputs({ workload: SOAK_WORKLOAD, generators: soakGenerators, samples: growing }));
    expect(result.soak?.rss).toEqual({ firstThirdMaxBytes: 40_000_000, lastThirdMaxBytes: 44_000_001, bounded: false });
    expect(result.problems).toContain('server RSS grew from 38.1 MiB (first third of the window) to 42.0 MiB (last third), more than 10%');
    // At exactly 10% it still passes.
    const level = [sample(3_500_000, 0, 40_000_000, 0), sample(5_500_000, 0, 44_000_000, 0)];
    expect(buildTrialResult(inputs({ workload: SOAK_WORKLOAD, generators: soakGenerators, samples: level })).soak?.rss.bounded).toBe(true);
  });

  it('has no soak figures for a workload without bystanders', () => {
    expect(buildTrialResult(inputs()).soak).toBeUndefined();
  });
});
