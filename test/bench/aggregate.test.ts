import { describe, expect, it } from 'vitest';
import { figureValue, median, rotate, spread, summarizeVariant } from '../../bench/model/aggregate.ts';
import { LatencyHistogram } from '../../bench/model/histogram.ts';
import { FIGURES } from '../../bench/model/results.ts';
import type { FigureKey, TrialResult } from '../../bench/model/results.ts';

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function histogramOf(values: readonly number[]): LatencyHistogram {
  const h = new LatencyHistogram();
  for (const v of values) h.record(v);
  return h;
}

interface TrialFigures {
  readonly latencies: readonly number[];
  readonly requests: number;
  readonly emptyPolls: number;
  readonly perDelivered: TrialResult['perDelivered'];
  readonly cpuShare: number;
  readonly rssWindowBytes: number;
  readonly perClientRssBytes: number;
  readonly perClientHeapBytes: number;
  readonly eventLoopDelayP99: number;
  /** TCP connections the server held at the window's end (100 clients). */
  readonly connections: number;
  readonly lost: number;
  readonly bound: boolean;
}

/** A trial whose latency summary and histogram come from real recorded values. */
function makeTrial(round: number, f: TrialFigures): TrialResult {
  const histogram = histogramOf(f.latencies);
  return {
    round,
    position: round % 3,
    clients: 100,
    latency: histogram.summary(),
    histogram: histogram.encode(),
    delivery: {
      sent: 1000,
      stored: 1000,
      sendFailed: 0,
      expected: 10_000,
      delivered: 10_000 - f.lost,
      lost: f.lost,
      duplicated: 0,
      reordered: 0,
    },
    wire: { requests: f.requests, emptyPolls: f.emptyPolls, connections: 100, bytesWritten: 1, bytesRead: 2 },
    perDelivered: f.perDelivered,
    server: {
      cpuUs: 1,
      cpuShare: f.cpuShare,
      rssIdleBytes: 1,
      rssWindowBytes: f.rssWindowBytes,
      rssPeakBytes: 1,
      heapUsedWindowBytes: 1,
      perClientRssBytes: f.perClientRssBytes,
      perClientHeapBytes: f.perClientHeapBytes,
      eventLoopDelay: { p50: 1, p99: f.eventLoopDelayP99, max: 1 },
      heldPolls: 0,
      sockets: 100,
      connections: f.connections,
    },
    series: [],
    generator: {
      processes: 1,
      cpuShare: 0.5,
      eventLoopDelayP99: 1,
      sendLagP99: 1,
      bound: f.bound,
      reasons: f.bound ? ['cpu'] : [],
    },
    events: { reconnects: 0, cursorExpired: 0, errors: 0 },
    ok: f.lost === 0,
    problems: f.lost === 0 ? [] : [`lost ${f.lost}`],
  };
}

const LATENCIES = [range(100, 199), range(150, 349), range(1000, 1049)] as const;

const TRIALS = [
  makeTrial(0, {
    latencies: LATENCIES[0],
    requests: 1000,
    emptyPolls: 250,
    perDelivered: { requests: 2, bytes: 500, connections: 0.01, serverCpuUs: 40, generatorCpuUs: 12 },
    cpuShare: 0.5,
    rssWindowBytes: 100_000_000,
    perClientRssBytes: 10_000,
    perClientHeapBytes: 4000,
    eventLoopDelayP99: 1200,
    connections: 200,
    lost: 0,
    bound: false,
  }),
  makeTrial(1, {
    latencies: LATENCIES[1],
    requests: 0,
    emptyPolls: 0,
    perDelivered: { requests: 3, bytes: 700, connections: 0.02, serverCpuUs: 50, generatorCpuUs: 14 },
    cpuShare: 0.7,
    rssWindowBytes: 120_000_000,
    perClientRssBytes: 12_000,
    perClientHeapBytes: 3000,
    eventLoopDelayP99: 900,
    connections: 100,
    lost: 5,
    bound: true,
  }),
  makeTrial(2, {
    latencies: LATENCIES[2],
    requests: 400,
    emptyPolls: 300,
    perDelivered: { requests: 1, bytes: 400, connections: 0.03, serverCpuUs: 45, generatorCpuUs: 9 },
    cpuShare: 0.6,
    rssWindowBytes: 110_000_000,
    perClientRssBytes: 11_000,
    perClientHeapBytes: 5000,
    eventLoopDelayP99: 1500,
    connections: 150,
    lost: 2,
    bound: false,
  }),
];

describe('median and spread', () => {
  it('takes the middle value, or the mean of the middle two, without sorting the input', () => {
    const values = [3, 1, 2];
    expect(median(values)).toBe(2);
    expect(values).toEqual([3, 1, 2]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([10, -2])).toBe(4);
    expect(median([7])).toBe(7);
    expect(median([])).toBeNaN();
  });

  it('gives median, min and max', () => {
    expect(spread([5, -1, 3])).toEqual({ median: 3, min: -1, max: 5 });
    expect(spread([2, 8, 4, 6])).toEqual({ median: 5, min: 2, max: 8 });
    expect(spread([])).toEqual({ median: Number.NaN, min: Number.NaN, max: Number.NaN });
  });
});

describe('rotate', () => {
  it('starts round r at item r % n', () => {
    const items = ['a', 'b', 'c'] as const;
    expect(rotate(items, 0)).toEqual(['a', 'b', 'c']);
    expect(rotate(items, 1)).toEqual(['b', 'c', 'a']);
    expect(rotate(items, 2)).toEqual(['c', 'a', 'b']);
    expect(rotate(items, 3)).toEqual(['a', 'b', 'c']);
    expect(rotate(items, 7)).toEqual(['b', 'c', 'a']);
    expect(rotate(items, -1)).toEqual(['c', 'a', 'b']);
    expect(rotate([], 5)).toEqual([]);
    expect(rotate(items, 0)).not.toBe(items);
  });
});

describe('figureValue', () => {
  it('reads every figure of the catalogue', () => {
    const trial = TRIALS[0];
    if (!trial) throw new Error('no trial');
    const values = Object.fromEntries(
      (Object.keys(FIGURES) as FigureKey[]).map((key) => [key, figureValue(trial, key)]),
    );
    expect(values).toEqual({
      'latency.p50': 149,
      'latency.p90': 189,
      'latency.p99': 198,
      'latency.p999': 199,
      'latency.max': 199,
      'latency.mean': 149.5,
      'perDelivered.requests': 2,
      'perDelivered.bytes': 500,
      'perDelivered.connections': 0.01,
      'server.connectionsPerClient': 2,
      'perDelivered.serverCpuUs': 40,
      'perDelivered.generatorCpuUs': 12,
      'server.cpuShare': 0.5,
      'server.rssWindowBytes': 100_000_000,
      'server.perClientRssBytes': 10_000,
      'server.perClientHeapBytes': 4000,
      'server.eventLoopDelay.p99': 1200,
      'wire.emptyPollShare': 0.25,
    });
  });

  it('gives an empty-poll share of 0 when there were no requests', () => {
    const trial = TRIALS[1];
    if (!trial) throw new Error('no trial');
    expect(figureValue(trial, 'wire.emptyPollShare')).toBe(0);
  });

  it('divides the connections the server held at the window’s end by the clients', () => {
    const trial = TRIALS[0];
    if (!trial?.server) throw new Error('no trial');
    // HTTP/2: one connection a client carries the stream and the posts.
    expect(figureValue({ ...trial, clients: 250, server: { ...trial.server, connections: 250 } }, 'server.connectionsPerClient')).toBe(1);
    // HTTP/1.1 long polling or SSE: the held request's connection and the posts'.
    expect(figureValue({ ...trial, clients: 250, server: { ...trial.server, connections: 500 } }, 'server.connectionsPerClient')).toBe(2);
    expect(figureValue({ ...trial, clients: 3, server: { ...trial.server, connections: 4 } }, 'server.connectionsPerClient')).toBeCloseTo(4 / 3, 12);
  });

  it('has no connections per client where the server’s connections were not read, or there were no clients', () => {
    const trial = TRIALS[0];
    if (!trial?.server) throw new Error('no trial');
    const { connections: _dropped, ...older } = trial.server;
    // --target: no server measured; --target-pid: /proc cannot tell; a file from before they were read.
    expect(figureValue({ ...trial, server: null }, 'server.connectionsPerClient')).toBeNull();
    expect(figureValue({ ...trial, server: { ...trial.server, source: 'proc', connections: null } }, 'server.connectionsPerClient')).toBeNull();
    expect(figureValue({ ...trial, server: older }, 'server.connectionsPerClient')).toBeNull();
    expect(figureValue({ ...trial, clients: 0 }, 'server.connectionsPerClient')).toBeNull();
    // and a variant none of whose rounds read them lists the figure as not measured.
    expect(summarizeVariant([{ ...trial, server: older }]).notMeasured).toEqual(['server.connectionsPerClient']);
  });
});

describe('summarizeVariant', () => {
  it('adds the histograms, sums losses and takes each figure across rounds', () => {
    const summary = summarizeVariant(TRIALS);
    expect(summary.rounds).toBe(3);
    expect(summary.ok).toBe(false);
    expect(summary.lost).toBe(7);
    expect(summary.generatorBound).toBe(true);

    const all = histogramOf(LATENCIES.flat()).summary();
    expect(summary.latency).toEqual(all);
    // 100–149 once, 150–199 twice, 200–349 once, 1000–1049 once: the 175th of 350 is 224.
    expect(summary.latency).toEqual({ count: 350, mean: 116_075 / 350, p50: 224, p90: 1014, p99: 1046, p999: 1049, max: 1049 });

    expect(summary.figures).toEqual({
      'latency.p50': { median: 249, min: 149, max: 1024 },
      'latency.p90': { median: 329, min: 189, max: 1044 },
      'latency.p99': { median: 347, min: 198, max: 1049 },
      'latency.p999': { median: 349, min: 199, max: 1049 },
      'latency.max': { median: 349, min: 199, max: 1049 },
      'latency.mean': { median: 249.5, min: 149.5, max: 1024.5 },
      'perDelivered.requests': { median: 2, min: 1, max: 3 },
      'perDelivered.bytes': { median: 500, min: 400, max: 700 },
      'perDelivered.connections': { median: 0.02, min: 0.01, max: 0.03 },
      'server.connectionsPerClient': { median: 1.5, min: 1, max: 2 },
      'perDelivered.serverCpuUs': { median: 45, min: 40, max: 50 },
      'perDelivered.generatorCpuUs': { median: 12, min: 9, max: 14 },
      'server.cpuShare': { median: 0.6, min: 0.5, max: 0.7 },
      'server.rssWindowBytes': { median: 110_000_000, min: 100_000_000, max: 120_000_000 },
      'server.perClientRssBytes': { median: 11_000, min: 10_000, max: 12_000 },
      'server.perClientHeapBytes': { median: 4000, min: 3000, max: 5000 },
      'server.eventLoopDelay.p99': { median: 1200, min: 900, max: 1500 },
      'wire.emptyPollShare': { median: 0.25, min: 0, max: 0.75 },
    });
  });

  it('is ok only when every round was, and not generator-bound when none was', () => {
    const first = TRIALS[0];
    if (!first) throw new Error('no trial');
    expect(summarizeVariant([first, first])).toMatchObject({ rounds: 2, ok: true, lost: 0, generatorBound: false });
  });

  it('is not ok with no rounds', () => {
    const summary = summarizeVariant([]);
    expect(summary).toMatchObject({ rounds: 0, ok: false, lost: 0, generatorBound: false });
    expect(summary.latency.count).toBe(0);
    expect(summary.figures['latency.p50'].median).toBeNaN();
  });
});
