import { describe, expect, it } from 'vitest';
import { EXACT_LIMIT, mannWhitney, normalUpperTail, smallestP } from '../../bench/model/mann-whitney.ts';

// Reference values: scipy.stats.mannwhitneyu(y, x) 1.17 for samples without ties; for samples with
// ties, a brute-force count over every split of the pooled mid-ranks (scipy's "exact" ignores ties).
describe('mannWhitney, exact', () => {
  it('gives 1/C(10,5) for five rounds all above five others', () => {
    const t = mannWhitney([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
    expect(t).toMatchObject({ u: 25, method: 'exact' });
    expect(t.pGreater).toBeCloseTo(1 / 252, 15);
    expect(t.pGreater).toBeCloseTo(0.003968253968253968, 15);
    expect(t.pLess).toBe(1);
  });

  it('gives 2/252 when one pair is out of order, whatever the order of the values', () => {
    const t = mannWhitney([6, 1, 4, 3, 2], [10, 5, 8, 9, 7]);
    expect(t.u).toBe(24);
    expect(t.pGreater).toBeCloseTo(0.007936507936507936, 15);
    expect(t.pLess).toBeCloseTo(0.996031746031746, 15);
  });

  it('is symmetric: swapping the samples swaps the tails', () => {
    const t = mannWhitney([6, 7, 8, 9, 10], [1, 2, 3, 4, 5]);
    expect(t.u).toBe(0);
    expect(t.pLess).toBeCloseTo(1 / 252, 15);
    expect(t.pGreater).toBe(1);
  });

  it('counts ties at their mid-ranks', () => {
    const a = mannWhitney([1, 2, 2, 3, 4], [2, 3, 4, 5, 5]);
    expect(a.u).toBe(20);
    expect(a.pGreater).toBeCloseTo(0.0873015873015873, 14);
    expect(a.pLess).toBeCloseTo(0.9642857142857143, 14);
    const b = mannWhitney([3, 1, 4, 1, 5, 9, 2, 6], [5, 3, 5, 8, 9, 7, 9]);
    expect(b.u).toBe(43.5);
    expect(b.pGreater).toBeCloseTo(0.03776223776223776, 14);
    expect(b.pLess).toBeCloseTo(0.9684537684537684, 14);
  });

  it('gives p = 1 both ways for identical rounds', () => {
    expect(mannWhitney([7, 7, 7], [7, 7, 7])).toMatchObject({ u: 4.5, pGreater: 1, pLess: 1 });
  });

  it('cannot go below 0.05 with three rounds a side', () => {
    expect(mannWhitney([10, 12, 11], [13, 14, 15]).pGreater).toBeCloseTo(0.05, 15);
    expect(smallestP(3, 3)).toBeCloseTo(0.05, 15);
  });

  it('counts larger samples exactly too', () => {
    const x = Array.from({ length: 11 }, (_, i) => i + 1);
    const t = mannWhitney(x, x.map((v) => v + 3.5));
    expect(t).toMatchObject({ u: 93, method: 'exact' });
    expect(t.pGreater).toBeCloseTo(0.016798217262613546, 14);
  });

  it('refuses an empty sample and NaN', () => {
    expect(() => mannWhitney([], [1])).toThrow('needs values on both sides, got 0 and 1');
    expect(() => mannWhitney([1, Number.NaN], [1])).toThrow('NaN');
  });
});

describe('mannWhitney, normal approximation above the exact limit', () => {
  it('matches scipy asymptotic with ties and continuity correction', () => {
    const x = Array.from({ length: 31 }, (_, i) => i + 1);
    const y = x.map((v) => v + 7.5);
    y[3] = 6;
    expect(x.length + y.length).toBeGreaterThan(EXACT_LIMIT);
    const t = mannWhitney(x, y);
    expect(t).toMatchObject({ u: 679.5, method: 'normal' });
    // scipy: 0.0025979408767489256 and 0.9975129845983338; the tail is accurate to about 1e-7.
    expect(t.pGreater).toBeCloseTo(0.0025979408767489256, 6);
    expect(t.pLess).toBeCloseTo(0.9975129845983338, 6);
  });

  it('has the right normal tail', () => {
    expect(normalUpperTail(0)).toBeCloseTo(0.5, 6);
    expect(normalUpperTail(1.959963984540054)).toBeCloseTo(0.025, 6);
    expect(normalUpperTail(-1.6448536269514722)).toBeCloseTo(0.95, 6);
  });
});

describe('smallestP', () => {
  it('is 1 / C(n+m, n)', () => {
    expect(smallestP(5, 5)).toBeCloseTo(1 / 252, 15);
    expect(smallestP(4, 5)).toBeCloseTo(1 / 126, 15);
    expect(smallestP(4, 4)).toBeCloseTo(1 / 70, 15);
    expect(smallestP(2, 2)).toBeCloseTo(1 / 6, 15);
    expect(smallestP(1, 9)).toBeCloseTo(1 / 10, 15);
  });
});
