import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../report/compare-limits.ts';
import { compareResults, judgeFigure } from '../../report/compare.ts';
import { formatComparisonText } from '../../report/compare-format.ts';
import { smallestCatchable } from '../../report/compare-reach.ts';
import { runOf } from './rounds.ts';

const limit = { relative: 0.1, absolute: 0 };
const WIDE = [900, 1000, 1100, 1200, 800];

describe('smallestCatchable: the smallest change two runs made at different times can call', () => {
  it('is the drift allowance plus what the rounds need to clear it, when that is above the limit', () => {
    // Limit 100 (10%), allowance 50. With 5 rounds a side at 0.01 the rank test needs all but one
    // of the 25 pairs in order: the shifted rounds must pass the second largest gap between a
    // baseline round and a current one, 300 (1200 − 900 and 1100 − 800). So 50 + 300.
    const change = smallestCatchable('latency.p50', WIDE, WIDE, limit, 0.01);
    expect(change).toBeCloseTo(350, 5);
    // And it is the smallest: 1 µs less is not called.
    expect(judgeFigure('latency.p50', WIDE, WIDE.map((v) => v + 349), limit).status).not.toBe('regressed');
    expect(judgeFigure('latency.p50', WIDE, WIDE.map((v) => v + (change ?? 0)), limit).status).toBe('regressed');
  });

  it('moves the current rounds onto the baseline\'s median first: a drift already there does not count', () => {
    expect(smallestCatchable('latency.p50', WIDE, WIDE.map((v) => v * 1.5 - 200), limit, 0.01)).toBeGreaterThan(350);
    expect(smallestCatchable('latency.p50', WIDE, WIDE.map((v) => v + 5000), limit, 0.01)).toBeCloseTo(350, 5);
  });

  it('is the limit itself when the rounds barely scatter', () => {
    expect(smallestCatchable('latency.p50', [1000, 1001, 999, 1000, 1000], [1000, 1000, 1001, 999, 1000], limit, 0.01)).toBeCloseTo(100, 5);
  });

  it('works in the figure\'s unit where the baseline is zero', () => {
    const zero = [0, 0, 0, 0, 0];
    expect(smallestCatchable('perDelivered.connections', zero, zero, DEFAULT_LIMITS['perDelivered.connections'], 0.01)).toBeCloseTo(0.01, 9);
  });

  it('is null with too few rounds for the test', () => {
    expect(smallestCatchable('latency.p50', [1000, 1100], [1000, 1100], limit, 0.01)).toBeNull();
  });
});

describe('bench:compare says what two runs can catch', () => {
  it('names the size per transport for the headline figures, and the paired gate for smaller changes', () => {
    const cpu = [100, 110, 90, 105, 95, 100];
    const run = runOf({ websocket: { 'perDelivered.serverCpuUs': cpu } });
    const text = formatComparisonText(compareResults(run, run, { figures: ['perDelivered.serverCpuUs'] }));
    // Limit 30 µs (30%), allowance 15 µs. 6 rounds a side at 0.01 allow 3 of the 36 pairs out of
    // order (p = 7/924): past the fourth largest gap, 10. 15 + 10 is below the limit: +30%.
    expect(text).toContain('Runs made at different times can only catch large changes');
    expect(text).toContain('websocket: server CPU per delivered message +30%.');
    expect(text).toContain('npm run bench -- --ci --against <base>');
  });
});
