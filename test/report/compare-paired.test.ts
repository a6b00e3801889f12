/**
 * The paired gate on hand-made rounds: the base and the change of one job, round k of each
 * measured one after the other. An injected shift of the size issue 25 measured (+35% server CPU
 * per message, +40% CPU share) is caught; a drift of the machine that both sides share is not;
 * too few pairs say so.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../report/compare-limits.ts';
import { compareResults, judgeFigure } from '../../report/compare.ts';
import { PAIRED_LIMIT_SHARE, comparePaired, judgePaired, pairRounds, pairsNeeded } from '../../report/compare-paired.ts';
import { formatComparisonText } from '../../report/compare-format.ts';
import { generatorBound, noisyPairedRuns, noisyPairs, runOf, seeded, type Rounds } from './rounds.ts';

const CPU = 'perDelivered.serverCpuUs';
/** Server CPU per message over 7 rounds of a machine growing busier: 100 µs to 140 µs. */
const DRIFTING = [100, 104, 111, 118, 125, 133, 140];
/** The same rounds' own scatter, ±3%, different on each side of a pair. */
const JITTER_A = [1.02, 0.98, 1.01, 0.99, 1.03, 0.97, 1.0];
const JITTER_B = [0.99, 1.01, 0.98, 1.03, 1.0, 1.02, 0.97];
const base = DRIFTING.map((v, i) => v * (JITTER_A[i] as number));
const same = DRIFTING.map((v, i) => v * (JITTER_B[i] as number));
const slower = same.map((v) => v * 1.35);
const paired = { relative: DEFAULT_LIMITS[CPU].relative * PAIRED_LIMIT_SHARE, absolute: DEFAULT_LIMITS[CPU].absolute };

describe('judgePaired', () => {
  it('needs 7 pairs at 0.01, 5 at 0.05', () => {
    expect(pairsNeeded(0.01)).toBe(7);
    expect(pairsNeeded(0.05)).toBe(5);
  });

  it('catches +35% server CPU per message on a drifting machine, every pair worse: p = 1/128', () => {
    const j = judgePaired(CPU, base, slower, paired);
    expect(j.status).toBe('regressed');
    expect(j.p).toBeCloseTo(1 / 128, 15);
    // The median of the seven ratios is pair 5's: 125 × 1.00 × 1.35 ÷ (125 × 1.03).
    expect(j.worse).toBeCloseTo(1.35 / 1.03 - 1, 12);
  });

  it('where the two-run rank test, on the same rounds, calls it noise: the drift hides it', () => {
    const j = judgeFigure(CPU, base, slower, DEFAULT_LIMITS[CPU]);
    expect(j.status).toBe('noise');
    expect(j.p).toBeGreaterThan(0.01);
  });

  it('passes a drift of 40% that both sides share', () => {
    const j = judgePaired(CPU, base, same, paired);
    expect(j.status).toBe('unchanged');
    expect(Math.abs(j.worse)).toBeLessThan(0.05);
  });

  it('tests the log-ratios: a pair that is better does not fail the gate alone', () => {
    // Six pairs 35% worse, one 10% better: W+ = 28 − rank of the better pair.
    const mixed = slower.map((v, i) => (i === 0 ? (base[0] as number) * 0.9 : v));
    const j = judgePaired(CPU, base, mixed, paired);
    expect(j.status).toBe('noise');
    // The better pair has the smallest |log-ratio| (ln 0.9), rank 1: P(W+ ≥ 27) = 2/128.
    expect(j.p).toBeCloseTo(2 / 128, 15);
  });

  it('says "not enough rounds" with 6 pairs, however clear the change', () => {
    expect(judgePaired(CPU, base.slice(0, 6), slower.slice(0, 6), paired)).toMatchObject({ status: 'too-few-rounds', p: null });
  });

  it('calls an improvement improved', () => {
    const j = judgePaired(CPU, base, same.map((v) => v * 0.6), paired);
    expect(j.status).toBe('improved');
    expect(j.p).toBeCloseTo(1 / 128, 15);
  });

  it('calls a change past a user limit over-limit', () => {
    expect(judgePaired(CPU, base, slower, { relative: 0.2, absolute: 0 }, { user: true }).status).toBe('over-limit');
  });

  it('judges a figure near zero by its differences against the absolute limit: 0 → 0.0002 passes, 0 → 0.02 fails', () => {
    const limit = DEFAULT_LIMITS['perDelivered.connections'];
    const zero = [0, 0, 0, 0, 0, 0, 0];
    const few = judgePaired('perDelivered.connections', zero, zero.map(() => 0.0002), limit);
    expect(few).toMatchObject({ status: 'unchanged', worse: Infinity });
    expect(few.change).toBeCloseTo(0.0002, 15);
    const many = judgePaired('perDelivered.connections', zero, zero.map(() => 0.02), limit);
    expect(many.status).toBe('regressed');
    expect(many.p).toBeCloseTo(1 / 128, 15);
  });

  it('gives the change in the figure\'s unit and relative to the baseline\'s median', () => {
    const j = judgePaired('latency.p50', [10, 10, 10, 10, 10, 10, 10], [14, 14, 14, 14, 14, 14, 14], { relative: 0.2, absolute: 0 });
    expect(j.worse).toBeCloseTo(0.4, 12);
    expect(j.change).toBeCloseTo(4, 12);
  });

  it('refuses sides of different lengths', () => {
    expect(() => judgePaired(CPU, [1, 2], [1], paired)).toThrow('needs pairs');
  });
});

describe('comparePaired', () => {
  const cpu = (values: readonly number[]): Rounds => ({ [CPU]: values, 'server.cpuShare': values.map((v) => v / 1000) });

  it('fails the injected regression on exactly its transport and figures, and says it was paired', () => {
    const c = comparePaired(runOf({ websocket: cpu(base), 'short-polling': cpu(base) }), runOf({ websocket: cpu(slower), 'short-polling': cpu(same) }));
    expect(c.method).toBe('paired');
    expect(c.roundsNeeded).toBe(7);
    expect(c.rounds).toEqual({ baseline: 7, current: 7 });
    expect(c.regressions.map((r) => `${r.variant} ${r.figure}`)).toEqual(['websocket perDelivered.serverCpuUs', 'websocket server.cpuShare']);
    // Held to half the built-in limit: 15% of the baseline's median.
    expect(c.regressions[0]?.limit).toEqual({ relative: 0.15, absolute: 10, source: 'built-in' });
    const text = formatComparisonText(c);
    expect(text.split('\n')[0]).toBe('2 regression(s) in scenario default: past the built-in limit, and a one-sided Wilcoxon signed-rank test over the paired rounds gives p ≤ 0.01.');
    expect(text).toContain('Pairs: 7, the base and the change measured alternately in this job');
    // The same files compared as two runs made at different times: the drift hides it.
    expect(compareResults(runOf({ websocket: cpu(base) }), runOf({ websocket: cpu(slower) })).regressions).toEqual([]);
  });

  it('says there are not enough pairs with 6, and does not fail', () => {
    const c = comparePaired(runOf({ websocket: cpu(base.slice(0, 6)) }), runOf({ websocket: cpu(slower.slice(0, 6)) }));
    expect(c.regressions).toEqual([]);
    expect(formatComparisonText(c)).toContain('Not enough pairs to call a regression (6; the signed-rank test needs 7 pairs to reach p ≤ 0.01): 2 figure(s) past their limit');
  });

  it('leaves out a pair whose generator was the bottleneck on either side, and counts it', () => {
    const eight = [...base, 120];
    const c = comparePaired(generatorBound(runOf({ websocket: cpu(eight) }), 'websocket', [7]), runOf({ websocket: cpu([...slower, 500]) }));
    expect(c.rounds).toEqual({ baseline: 7, current: 7 });
    expect(c.generatorBound).toEqual({ baseline: 1, current: 0 });
    expect(c.regressions).toHaveLength(2);
    expect(formatComparisonText(c)).toContain('The generator was the bottleneck in 1 of 8 rounds of the baseline and 0 of 8 now: the pairs of those rounds are left out');
    const all = comparePaired(generatorBound(runOf({ websocket: cpu(base) }), 'websocket', [0, 2, 4, 6]), generatorBound(runOf({ websocket: cpu(slower) }), 'websocket', [1, 3, 5]));
    expect(all.rows.find((r) => r.variant === 'websocket')?.label).toBe('no pair to compare its latencies: in every pair the generator was the bottleneck on one side or the other');
    // The server's own CPU per message is no latency: a late generator cannot change it, and every pair still judges it.
    const cpuRow = all.rows.find((r) => r.figure === 'perDelivered.serverCpuUs');
    expect(cpuRow?.baseline).toHaveLength(7);
    expect(cpuRow?.status).toBe('regressed');
  });

  it('pairs rounds by their number, not their place in the file', () => {
    const run = runOf({ websocket: cpu(base) });
    const trials = run.steps[0]?.variants[0]?.trials ?? [];
    const shuffled = [trials[3], trials[0], trials[2]].filter((t) => t !== undefined);
    const pairs = pairRounds(shuffled, [trials[2], trials[3]].filter((t) => t !== undefined));
    expect(pairs.baseline.map((t) => t.round)).toEqual([2, 3]);
    expect(pairs.current.map((t) => t.round)).toEqual([2, 3]);
  });
});

describe('the paired gate on simulated noise of this machine, 7 pairs', () => {
  it('catches +35% server CPU per message and +40% CPU share nearly always, where the whole built-in limit would miss 1 in 10 or more', () => {
    const random = seeded(25);
    const caught = (key: 'perDelivered.serverCpuUs' | 'server.cpuShare', factor: number, share = PAIRED_LIMIT_SHARE): number => {
      let n = 0;
      for (let i = 0; i < 300; i++) {
        const p = noisyPairs(random, key, 7, factor);
        if (judgePaired(key, p.baseline, p.current, { ...DEFAULT_LIMITS[key], relative: DEFAULT_LIMITS[key].relative * share }).status === 'regressed') n++;
      }
      return n / 300;
    };
    expect(caught(CPU, 1.35)).toBeGreaterThanOrEqual(0.95);
    expect(caught('server.cpuShare', 1.4)).toBeGreaterThanOrEqual(0.95);
    // Held to the whole 30%, the median ratio of 7 pairs falls short of 1.30 too often.
    expect(caught(CPU, 1.35, 1)).toBeLessThan(0.9);
  });

  it('fails at most 1 job in 20 of unchanged code, over every figure of 4 transports (the CI preset runs 2)', { timeout: 60_000 }, () => {
    const random = seeded(52);
    let failed = 0;
    for (let i = 0; i < 500; i++) {
      const { baseline, current } = noisyPairedRuns(random, 7);
      if (comparePaired(baseline, current).regressions.length > 0) failed++;
    }
    // About 36 in 1000 with this seed, mostly latency's middle (scattered by ±30% a round, held to
    // 30%): ten jobs of the CI preset's 2 transports all pass about 83 times in 100.
    expect(failed).toBeLessThanOrEqual(25);
  });
});
