import { describe, expect, it } from 'vitest';
import { FIGURES, type FigureKey } from '../../bench/model/results.ts';
import { DEFAULT_LIMITS, mergeLimits, parseLimit } from '../../report/compare-limits.ts';
import { DEFAULT_ALPHA, IncomparableError, compareResults, judgeFigure, pastLimit, roundsNeeded, worsening } from '../../report/compare.ts';
import { formatComparisonMarkdown, formatComparisonText } from '../../report/compare-format.ts';
import { mannWhitney } from '../../bench/model/mann-whitney.ts';
import { FIGURE_KEYS, generatorBound, noisyRun, runOf, seeded, type Rounds } from './rounds.ts';

const FIVE = [10_000, 10_100, 9900, 10_200, 9800];
const times = (values: readonly number[], factor: number): number[] => values.map((v) => v * factor);

describe('worsening and limits', () => {
  it('measures the change in the bad direction', () => {
    expect(worsening('latency.p50', 100, 120)).toBeCloseTo(0.2, 12);
    expect(worsening('latency.p50', 100, 80)).toBeCloseTo(-0.2, 12);
    expect(worsening('perDelivered.connections', 0, 0)).toBe(0);
    expect(worsening('perDelivered.connections', 0, 0.0002)).toBe(Infinity);
  });

  it('passes a limit only beyond both its relative and its absolute part', () => {
    const limit = { relative: 0.2, absolute: 500 };
    expect(pastLimit(201, 1000, limit)).toBe(false); // 20.1% but under 500 µs
    expect(pastLimit(501, 1000, limit)).toBe(true);
    expect(pastLimit(-501, 1000, limit)).toBe(true); // an improvement passes it too
    expect(pastLimit(2100, 10_000, limit)).toBe(true);
    expect(pastLimit(1900, 10_000, limit)).toBe(false);
  });

  it('needs 5 rounds a side at the default level', () => {
    expect(DEFAULT_ALPHA).toBe(0.01);
    expect(roundsNeeded(0.01)).toBe(5);
    expect(roundsNeeded(0.05)).toBe(3);
  });
});

describe('judgeFigure', () => {
  const limit = { relative: 0.1, absolute: 0 };

  it('fails a change past the limit when the rounds do not overlap, with the exact p-value', () => {
    const j = judgeFigure('latency.p50', FIVE, times(FIVE, 1.3), limit);
    expect(j).toMatchObject({ baselineMedian: 10_000, currentMedian: 13_000, status: 'regressed' });
    expect(j.worse).toBeCloseTo(0.3, 12);
    expect(j.p).toBeCloseTo(1 / 252, 15);
  });

  it('tests against the baseline moved by half the limit: a change just past the limit fails only when its rounds clear that drift allowance', () => {
    // Every round 12% slower. Rounds scattered by ±2%: against the baseline + 5% (half the 10%
    // limit) they still do not overlap, so it fails, as a change past the limit should.
    const clean = judgeFigure('latency.p50', FIVE, times(FIVE, 1.12), limit);
    expect(clean.worse).toBeCloseTo(0.12, 12);
    expect(clean).toMatchObject({ status: 'regressed' });
    expect(clean.p).toBeCloseTo(1 / 252, 15);
    // Rounds scattered by ±20%: against the baseline + 5% they interleave, so it is noise.
    const scattered = judgeFigure('latency.p50', [900, 1000, 1100, 1200, 800], [1008, 1120, 1232, 1344, 896], limit);
    expect(scattered.worse).toBeCloseTo(0.12, 12);
    expect(scattered.status).toBe('noise');
    expect(scattered.p).toBeGreaterThan(0.3);
  });

  it('never fails a whole-run drift within the allowance, however cleanly its rounds separate', () => {
    // 4% slower with a 10% limit: within the limit (unchanged), and the rank test against the
    // baseline + 5% puts every current round below the moved baseline's.
    const j = judgeFigure('latency.p50', FIVE, times(FIVE, 1.04), limit);
    expect(j.status).toBe('unchanged');
    expect(j.p).toBeGreaterThan(0.5);
  });

  it('calls it within noise when the rounds overlap, however far the medians moved', () => {
    // Medians 1000 → 1300, but against the baseline moved by half its 10% limit (+50), two current
    // rounds sit low among them: p = 27/252 (a brute-force count over the 252 splits agrees).
    const j = judgeFigure('latency.p50', [900, 1000, 1100, 1200, 800], [1300, 1350, 950, 1050, 1400], limit);
    expect(j.status).toBe('noise');
    expect(j.p).toBeCloseTo(27 / 252, 14);
  });

  it('says "not enough rounds" rather than failing with 2 or 4 rounds a side', () => {
    expect(judgeFigure('latency.p50', [1000, 1000], [1600, 1600], limit)).toMatchObject({ status: 'too-few-rounds', p: null });
    expect(judgeFigure('latency.p50', FIVE.slice(0, 4), times(FIVE.slice(0, 4), 2), limit)).toMatchObject({ status: 'too-few-rounds', p: null });
    // Four and five is enough: 1/126 ≤ 0.01.
    expect(judgeFigure('latency.p50', FIVE.slice(0, 4), times(FIVE, 2), limit).status).toBe('regressed');
  });

  it('calls an improvement beyond the noise improved, in the direction of the change', () => {
    const j = judgeFigure('latency.p50', FIVE, times(FIVE, 0.5), limit);
    expect(j.status).toBe('improved');
    expect(j.p).toBeCloseTo(1 / 252, 15);
  });

  it('calls a change past a user limit over-limit, not regressed', () => {
    expect(judgeFigure('latency.p50', FIVE, times(FIVE, 1.3), limit, { user: true }).status).toBe('over-limit');
  });
});

describe('compareResults', () => {
  const quiet: Rounds = { 'latency.p50': FIVE, 'latency.p99': times(FIVE, 4), 'perDelivered.bytes': [440, 441, 439, 440, 442], 'perDelivered.serverCpuUs': [90, 92, 88, 91, 89] };

  it('passes identical runs', () => {
    const run = runOf({ 'short-polling': quiet, 'long-polling': quiet, websocket: quiet, 'raw-ws': quiet });
    const c = compareResults(run, run);
    expect(c.regressions).toEqual([]);
    expect(c.overLimit).toEqual([]);
    // Every figure of each transport, and the fixture's one hot path.
    expect(c.rows).toHaveLength(4 * FIGURE_KEYS.length + 1);
    expect(c.rows.every((r) => r.status === 'unchanged' && r.change === 0)).toBe(true);
    expect(c.rounds).toEqual({ baseline: 5, current: 5 });
  });

  it('fails a real regression over 5 rounds (45% more server CPU, 80% slower p50), on exactly the figures that regressed', () => {
    const slower: Rounds = { ...quiet, 'latency.p50': times(FIVE, 1.8), 'perDelivered.serverCpuUs': [131, 134, 128, 133, 130] };
    const c = compareResults(runOf({ websocket: quiet, 'raw-ws': quiet }), runOf({ websocket: slower, 'raw-ws': quiet }));
    expect(c.regressions.map((r) => `${r.variant} ${r.figure}`)).toEqual(['websocket latency.p50', 'websocket perDelivered.serverCpuUs']);
    for (const r of c.regressions) {
      expect(r.worse).toBeGreaterThan(0.44);
      expect(r.p).toBeCloseTo(1 / 252, 15);
    }
  });

  it('passes 0 → 0.0002 TCP connections per delivered message, and fails a connection per poll', () => {
    const zero = runOf({ 'short-polling': { 'perDelivered.connections': [0, 0, 0, 0, 0] } });
    const one = runOf({ 'short-polling': { 'perDelivered.connections': [0.0002, 0.0002, 0.0004, 0.0002, 0.0002] } });
    const row = compareResults(zero, one, { figures: ['perDelivered.connections'] }).rows[0];
    expect(row).toMatchObject({ status: 'unchanged', worse: Infinity });
    expect(row?.change).toBeCloseTo(0.0002, 12);
    const perPoll = runOf({ 'short-polling': { 'perDelivered.connections': [0.2, 0.2, 0.2, 0.2, 0.2] } });
    expect(compareResults(zero, perPoll, { figures: ['perDelivered.connections'] }).regressions).toHaveLength(1);
  });

  it('passes a wobble in the connections held per client, and fails a client holding two where it held one', () => {
    const figures = ['server.connectionsPerClient'] as const;
    const one = runOf({ 'long-polling': { 'server.connectionsPerClient': [1, 1, 1, 1, 1] } });
    // A keep-alive pool holding a post's connection open a little longer in some rounds.
    const wobble = runOf({ 'long-polling': { 'server.connectionsPerClient': [1.05, 1.08, 1.02, 1.1, 1.05] } });
    expect(compareResults(one, wobble, { figures }).regressions).toEqual([]);
    // HTTP/2 lost: the held poll and the posts on two connections again.
    const two = runOf({ 'long-polling': { 'server.connectionsPerClient': [2, 2, 2, 2, 2] } });
    expect(compareResults(one, two, { figures }).regressions.map((r) => `${r.variant} ${r.figure}`)).toEqual(['long-polling server.connectionsPerClient']);
  });

  it('passes a few empty polls where there were none', () => {
    const none = runOf({ 'short-polling': { 'wire.emptyPollShare': [0, 0, 0, 0, 0] } });
    const few = runOf({ 'short-polling': { 'wire.emptyPollShare': [0.01, 0.02, 0.01, 0.01, 0.02] } });
    expect(compareResults(none, few, { figures: ['wire.emptyPollShare'] }).rows[0]?.status).toBe('unchanged');
  });

  it('does not fail with two rounds a side even when the medians doubled', () => {
    const c = compareResults(runOf({ websocket: { 'latency.p50': [1000, 1270] } }), runOf({ websocket: { 'latency.p50': [2200, 2340] } }), { figures: ['latency.p50'] });
    expect(c.regressions).toEqual([]);
    expect(c.rows[0]).toMatchObject({ status: 'too-few-rounds', p: null });
    expect(c.rounds).toEqual({ baseline: 2, current: 2 });
  });

  it('refuses an interrupted or failed run on either side, saying which and why', () => {
    const done = runOf({ websocket: quiet });
    const cut = runOf({ websocket: quiet }, 'interrupted');
    expect(() => compareResults(done, cut)).toThrow(IncomparableError);
    expect(() => compareResults(done, cut)).toThrow(/^the current run was interrupted .*\(status "interrupted"\): compare complete runs only/);
    expect(() => compareResults(cut, done, { names: { baseline: 'a.json', current: 'b.json' } })).toThrow(/^a\.json was interrupted/);
    expect(() => compareResults(runOf({ websocket: quiet }, 'failed'), done)).toThrow(/^the baseline failed, .*\(status "failed"\)/);
  });

  it('refuses results of different scenarios, and of different workloads', () => {
    const a = runOf({ websocket: quiet });
    const scale = { ...a, config: { ...a.config, scenario: { ...a.config.scenario, name: 'scale' } } };
    expect(() => compareResults(a, scale)).toThrow('the baseline ran scenario "default" and the current run "scale"');
    const longer = { ...a, steps: a.steps.map((s) => ({ ...s, step: { ...s.step, workload: { ...s.step.workload, durationMs: 2500 } } })) };
    expect(() => compareResults(a, longer)).toThrow(/different workload .*both --quick/);
  });

  it('fails a run that lost messages where the baseline did not, and lists missing and new transports', () => {
    const base = runOf({ websocket: quiet, 'raw-ws': quiet });
    const lossy = runOf({ websocket: quiet, 'short-polling': quiet });
    const ws = lossy.steps[0]?.variants.find((v) => v.variant.id === 'websocket');
    if (ws) Object.assign(ws, { summary: { ...ws.summary, ok: false, lost: 10 } });
    const c = compareResults(base, lossy, { figures: ['latency.p50'] });
    expect(c.regressions.map((r) => r.label)).toEqual(['not everything delivered: 10 lost']);
    expect(c.rows.filter((r) => r.figure === 'delivery' && r.status !== 'regressed').map((r) => `${r.variant} ${r.status}`).sort()).toEqual(['raw-ws missing', 'short-polling new']);
  });

  it('leaves out rounds whose generator was the bottleneck, and says so', () => {
    const slower: Rounds = { 'latency.p50': times(FIVE, 1.8) };
    const base = runOf({ websocket: { 'latency.p50': FIVE } });
    // The regression is caught over 5 rounds, but not once 2 of them measured the generator.
    expect(compareResults(base, runOf({ websocket: slower }), { figures: ['latency.p50'] }).regressions).toHaveLength(1);
    const busy = compareResults(base, generatorBound(runOf({ websocket: slower }), 'websocket', [0, 3]), { figures: ['latency.p50'] });
    expect(busy.regressions).toEqual([]);
    expect(busy.rows[0]).toMatchObject({ status: 'too-few-rounds', current: [10_100, 9900, 9800].map((v) => v * 1.8) });
    // A count per message or the server's own reading keeps every round (none is given here but CPU, below).
    const cpu = compareResults(runOf({ websocket: { 'perDelivered.serverCpuUs': FIVE } }), generatorBound(runOf({ websocket: { 'perDelivered.serverCpuUs': times(FIVE, 1.8) } }), 'websocket', [0, 3]), { figures: ['perDelivered.serverCpuUs'] });
    expect(cpu.rows[0]?.current).toHaveLength(5);
    expect(cpu.regressions).toHaveLength(1);
    expect(busy.rounds).toEqual({ baseline: 5, current: 3 });
    expect(busy.generatorBound).toEqual({ baseline: 0, current: 2 });
    expect(formatComparisonText(busy)).toContain('The generator was the bottleneck in 0 of 5 rounds of the baseline and 2 of 5 now: those rounds are left out');
    const allBusy = compareResults(base, generatorBound(runOf({ websocket: slower }), 'websocket', [0, 1, 2, 3, 4]));
    expect(allBusy.rows.filter((r) => r.status === 'too-few-rounds').map((r) => r.label)).toEqual(['no round to compare its latencies: the generator was the bottleneck in every round of the current run']);
    expect(allBusy.rows.some((r) => r.figure.startsWith('latency.'))).toBe(false);
  });

  it("does not fail on what Socket.IO's own Redis adapter reordered, and shows it", () => {
    const onAdapter = (run: ReturnType<typeof runOf>): ReturnType<typeof runOf> => {
      const v = run.steps[0]?.variants[0];
      if (!v) throw new Error('no variant');
      Object.assign(v, { variant: { id: 'socketio/redis-adapter', transport: 'socketio', engine: 'upgrade', adapter: 'redis' } });
      return run;
    };
    const base = onAdapter(runOf({ websocket: quiet }));
    const now = onAdapter(runOf({ websocket: quiet }));
    const v = now.steps[0]?.variants[0];
    if (!v) throw new Error('no variant');
    const trials = v.trials.map((t, i) => (i === 1 ? { ...t, ok: false, problems: ['45 messages out of order'] } : t));
    Object.assign(v, { trials, summary: { ...v.summary, ok: false } });
    const c = compareResults(base, now, { figures: ['latency.p50'] });
    expect(c.regressions).toEqual([]);
    expect(c.rows[0]).toMatchObject({ status: 'not-held', label: "not everything delivered: 45 messages out of order, by Socket.IO's own Redis adapter" });
    // The same problem without the adapter is this code's, and fails.
    Object.assign(v, { variant: { ...v.variant, adapter: undefined } });
    expect(compareResults(base, now, { figures: ['latency.p50'] }).regressions.map((r) => r.label)).toEqual(['not everything delivered: 45 messages out of order']);
  });

  it('does not fail on messages lost only in rounds whose generator was the bottleneck', () => {
    const lossy = (run: ReturnType<typeof runOf>, bound: boolean): ReturnType<typeof runOf> => {
      const withBound = bound ? generatorBound(run, 'websocket', [1]) : run;
      const ws = withBound.steps[0]?.variants[0];
      if (!ws) throw new Error('no websocket');
      const trials = ws.trials.map((t, i) => (i === 1 ? { ...t, ok: false, problems: ['6 sends never acknowledged'] } : t));
      Object.assign(ws, { trials, summary: { ...ws.summary, ok: false } });
      return withBound;
    };
    const base = runOf({ websocket: quiet });
    const busy = compareResults(base, lossy(runOf({ websocket: quiet }), true), { figures: ['latency.p50'] });
    expect(busy.regressions).toEqual([]);
    expect(busy.rows[0]).toMatchObject({ status: 'generator-bound', label: 'not everything delivered: 6 sends never acknowledged, only in rounds where the generator was the bottleneck' });
    const real = compareResults(base, lossy(runOf({ websocket: quiet }), false), { figures: ['latency.p50'] });
    expect(real.regressions.map((r) => r.label)).toEqual(['not everything delivered: 6 sends never acknowledged']);
  });

  it('never excuses a soak the server failed, generator-bound or not, and names it as the server\'s', () => {
    const soaked = (run: ReturnType<typeof runOf>): ReturnType<typeof runOf> => {
      const withBound = generatorBound(run, 'websocket', [1]);
      const ws = withBound.steps[0]?.variants[0];
      if (!ws) throw new Error('no websocket');
      const soak = { bystanders: { nonReaderJoins: 20, nonReaderReturns: 0, leaves: 100, failures: 0 }, leftAfter: { streams: 2 }, rss: { firstThirdMaxBytes: 1, lastThirdMaxBytes: 1, bounded: true }, peakWaitingBytes: 0, rssGrowthPeakBytes: 0, budgetCuts: 0, slowConsumerCloses: 0, busyRefusals: 0 };
      const trials = ws.trials.map((t, i) => (i === 1 ? { ...t, ok: false, problems: ['slots still taken after every client left: streams 2'], soak } : t));
      Object.assign(ws, { trials, summary: { ...ws.summary, ok: false } });
      return withBound;
    };
    const c = compareResults(runOf({ websocket: quiet }), soaked(runOf({ websocket: quiet })), { figures: ['latency.p50'] });
    expect(c.regressions.map((r) => r.label)).toEqual(['the server failed the soak: slots still taken after every client left: streams 2']);
  });

  it('holds figures the user set to the user limit, with its own status', () => {
    const { limits, userSet } = mergeLimits([parseLimit('latency.p99=+10%')]);
    const base = runOf({ websocket: quiet });
    const worse = runOf({ websocket: { ...quiet, 'latency.p99': times(FIVE, 4 * 1.2) } });
    // 20% worse: within the built-in limit of the tail, past the user's 10%.
    expect(compareResults(base, worse).rows.find((r) => r.figure === 'latency.p99')?.status).toBe('unchanged');
    const c = compareResults(base, worse, { limits, userSet });
    expect(c.regressions).toEqual([]);
    expect(c.overLimit.map((r) => r.figure)).toEqual(['latency.p99']);
    expect(c.overLimit[0]?.limit).toEqual({ relative: 0.1, absolute: 0, source: 'user' });
  });
});

describe('noise only', () => {
  it('passes at least 99% of 300 pairs of noisy 6-round runs (the --ci preset) of unchanged code, where each half of the test alone would cry wolf', { timeout: 60_000 }, () => {
    const random = seeded(7);
    let failedPairs = 0;
    let pastLimitOnly = 0;
    let rankTestOnly = 0;
    for (let i = 0; i < 300; i++) {
      const c = compareResults(noisyRun(random, 6), noisyRun(random, 6));
      if (c.regressions.length > 0) failedPairs++;
      for (const r of c.rows) {
        if (!r.limit || r.change <= 0) continue;
        if (pastLimit(r.change, r.baselineMedian, r.limit)) pastLimitOnly++;
        // The plain rank test, with no limit: rounds worse than the baseline's at p ≤ 0.01.
        const plain = mannWhitney(r.baseline, r.current);
        if ((FIGURES[r.figure as FigureKey].better === 'lower' ? plain.pGreater : plain.pLess) <= DEFAULT_ALPHA) rankTestOnly++;
      }
    }
    // About 3 pairs in 1000 fail under this (harsh, uniform) noise (compare-power.test.ts counts
    // more pairs): 10 consecutive pairs then all pass about 97 times in 100.
    expect(failedPairs).toBeLessThanOrEqual(3);
    // Either condition alone would fail many more pairs: the limit alone on dozens of rows, the
    // rank test alone (a drift of the whole run separates its rounds) on dozens.
    expect(pastLimitOnly).toBeGreaterThan(3 * Math.max(failedPairs, 5));
    expect(rankTestOnly).toBeGreaterThan(30);
  });

  it('still catches a 45% regression of server CPU per message (1.5× its limit) with rounds scattered by ±5%, from 5 rounds', () => {
    const random = seeded(11);
    const scatter = (n: number, at: number): number[] => Array.from({ length: n }, () => at * (1 + 0.05 * (2 * random() - 1)));
    for (const n of [5, 10]) {
      const c = compareResults(runOf({ websocket: { 'perDelivered.serverCpuUs': scatter(n, 100) } }), runOf({ websocket: { 'perDelivered.serverCpuUs': scatter(n, 145) } }), { figures: ['perDelivered.serverCpuUs'] });
      expect(c.regressions, `${n} rounds`).toHaveLength(1);
    }
  });
});

describe('the comparison as text and Markdown', () => {
  const c = compareResults(runOf({ websocket: { 'latency.p50': FIVE } }), runOf({ websocket: { 'latency.p50': times(FIVE, 1.8) } }), { figures: ['latency.p50'] });

  it('prints per row the medians, the change, the limit, the p-value and the verdict', () => {
    const text = formatComparisonText(c);
    const lines = text.split('\n');
    expect(lines[0]).toBe('1 regression(s) in scenario default: past the built-in limit, and a one-sided Mann-Whitney U test over the rounds gives p ≤ 0.01.');
    expect(lines[1]).toBe('Rounds: 5 in the baseline, 5 now (the test needs 5 rounds a side, or 4 and 5, to reach p ≤ 0.01). A figure fails only when its median moves past its limit and the rank test says its rounds are worse than the baseline\'s moved by half that limit (the allowance for a drift of the whole run).');
    expect(lines[2]).toBe(
      "Runs made at different times can only catch large changes: the machine drifts between them by as much as a change, so each figure is allowed half its limit for that drift and its rounds must clear it. The smallest change these rounds let it call (the current rounds moved onto the baseline's median, keeping their scatter, and shifted until the gate calls it): websocket: latency p50 +60%. To catch smaller ones, measure the base and the change in one job: npm run bench -- --ci --against <base>.",
    );
    expect(lines[3]).toMatch(/^step\s+transport\s+figure\s+baseline\s+current\s+change\s+limit\s+p\s+verdict$/);
    expect(lines[4]).toMatch(/^step\s+websocket\s+latency p50\s+10\.0 ms\s+18\.0 ms\s+\+80% worse\s+max\(60%, 500 µs\)\s+0\.0040\s+REGRESSED$/);
  });

  it('says "not enough rounds" in place of the p-value, and why nothing failed', () => {
    const few = compareResults(runOf({ websocket: { 'latency.p50': [1000, 1000] } }), runOf({ websocket: { 'latency.p50': [2000, 2000] } }), { figures: ['latency.p50'] });
    const text = formatComparisonText(few);
    expect(text).toContain('No regression in scenario default.');
    expect(text).toContain('Not enough rounds to call a regression (2 in the baseline, 2 now; the test needs 5 rounds a side, or 4 and 5, to reach p ≤ 0.01): 1 figure(s) past their limit are listed as "not enough rounds" and do not fail.');
    expect(text).toMatch(/latency p50\s+1\.00 ms\s+2\.00 ms\s+\+100% worse\s+max\(60%, 500 µs\)\s+not enough rounds\s+not enough rounds$/m);
  });

  it('writes Markdown for a CI job summary', () => {
    const md = formatComparisonMarkdown(c);
    expect(md).toContain('❌ 1 regression(s)');
    expect(md).toContain('| step | transport | figure | baseline | current | change | limit | p | verdict |');
    expect(md).toContain('| step | websocket | latency p50 | 10.0 ms | 18.0 ms | +80% worse | max(60%, 500 µs) | 0.0040 | **REGRESSED** |');
  });

  it('shows a change from zero in the figure\'s unit and marks the user\'s limits', () => {
    const { limits, userSet } = mergeLimits([parseLimit('perDelivered.connections=+0.0001')]);
    const zero = runOf({ 'short-polling': { 'perDelivered.connections': [0, 0, 0, 0, 0] } });
    const some = runOf({ 'short-polling': { 'perDelivered.connections': [0.0002, 0.0003, 0.0002, 0.0002, 0.0002] } });
    const text = formatComparisonText(compareResults(zero, some, { limits, userSet, figures: ['perDelivered.connections'] }));
    expect(text.split('\n')[0]).toBe('1 figure(s) past your limits in scenario default, and a one-sided Mann-Whitney U test over the rounds gives p ≤ 0.01.');
    expect(text).toMatch(/\+0\.00020 worse \(from 0\)\s+0\.00010 \(yours\)\s+0\.0040\s+OVER YOUR LIMIT$/m);
  });
});

describe('the built-in limits', () => {
  it('give every figure a limit, wider for the noisy tails than for the bytes on the wire', () => {
    for (const key of FIGURE_KEYS) expect(DEFAULT_LIMITS[key].relative, key).toBeGreaterThan(0);
    expect(DEFAULT_LIMITS['latency.p99'].relative).toBeGreaterThan(DEFAULT_LIMITS['latency.p50'].relative);
    expect(DEFAULT_LIMITS['latency.p50'].relative).toBeGreaterThan(DEFAULT_LIMITS['perDelivered.bytes'].relative);
  });
});
