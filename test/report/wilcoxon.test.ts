import { describe, expect, it } from 'vitest';
import { EXACT_PAIRS, signedRank, smallestSignedRankP } from '../../report/wilcoxon.ts';

// Reference values: R's wilcox.test and scipy.stats.wilcoxon 1.17 (method "exact") for differences
// without ties; for differences with ties, a brute-force count over every assignment of signs to
// the mid-ranks (scipy's "exact" refuses ties); for many pairs, scipy's method "approx" with
// correction=True and zero_method "wilcox".
describe('signedRank, exact', () => {
  it('gives W+ = 40, p = 10/512 on Hollander and Wolfe\'s depression scale pairs (R\'s wilcox.test example)', () => {
    const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
    const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
    const t = signedRank(x.map((v, i) => v - (y[i] as number)));
    expect(t).toMatchObject({ wPlus: 40, n: 9, method: 'exact' });
    expect(t.pGreater).toBeCloseTo(0.01953125, 15);
    expect(t.pLess).toBeCloseTo(0.986328125, 15);
  });

  it('gives 1/2^n when every difference has one sign, whatever their sizes', () => {
    const up = signedRank([0.3, 0.1, 0.25, 0.4, 0.2, 0.35, 0.05]);
    expect(up).toMatchObject({ wPlus: 28, n: 7 });
    expect(up.pGreater).toBeCloseTo(1 / 128, 15);
    expect(up.pLess).toBe(1);
    const down = signedRank([-0.3, -0.1, -0.25, -0.4, -0.2, -0.35, -0.05]);
    expect(down.wPlus).toBe(0);
    expect(down.pLess).toBeCloseTo(1 / 128, 15);
    expect(smallestSignedRankP(7)).toBe(1 / 128);
    expect(smallestSignedRankP(6)).toBe(1 / 64);
  });

  it('drops zero differences and counts ties at their mid-ranks', () => {
    const a = signedRank([1, -2, 2, 3, 3, 3, 0, 5]);
    expect(a).toMatchObject({ wPlus: 25.5, n: 7 });
    expect(a.pGreater).toBeCloseTo(0.03125, 15);
    expect(a.pLess).toBeCloseTo(0.984375, 15);
    const b = signedRank([0.5, -0.5, 1, 1.5, -2, 2, 2, 3]);
    expect(b.wPlus).toBe(28.5);
    expect(b.pGreater).toBeCloseTo(0.0859375, 15);
    expect(b.pLess).toBeCloseTo(0.9375, 15);
  });

  it('gives p = 1 both ways when every difference is zero', () => {
    expect(signedRank([0, 0, 0])).toMatchObject({ wPlus: 0, n: 0, pGreater: 1, pLess: 1 });
  });

  it('refuses no differences, NaN and infinity', () => {
    expect(() => signedRank([])).toThrow('at least one difference');
    expect(() => signedRank([1, Number.NaN])).toThrow('NaN or infinite');
    expect(() => signedRank([1, Number.POSITIVE_INFINITY])).toThrow('NaN or infinite');
  });
});

describe('signedRank, normal approximation', () => {
  it(`agrees with scipy on 56 non-zero differences (above ${EXACT_PAIRS}), ties and zeros included`, () => {
    const d = [
      0.6, 1.1, 0.6, -1.0, 1.2, 0.7, -0.2, 0.9, 0.7, 0.6, 0.3, 0.8, -0.4, 0.1, -0.2, 0.9, 0.3, 0.0, -0.5, 0.0, 0.3, 0.0, 1.6, 1.3, -2.4, -1.6, 0.1, -0.1, 0.5,
      0.5, 2.4, -0.8, -0.1, 2.3, 0.9, 1.0, -0.2, -1.3, 0.5, 0.4, -0.9, -0.4, 0.2, -0.6, 0.2, 0.4, 0.3, -0.2, 0.9, 1.2, 0.6, -0.5, 1.0, -0.2, 1.2, -0.8, 1.2, 0.3,
      -0.9, -0.0,
    ];
    const t = signedRank(d);
    expect(t).toMatchObject({ wPlus: 1093.5, n: 56, method: 'normal' });
    // Abramowitz and Stegun's tail is good to 1.5e-7.
    expect(t.pGreater).toBeCloseTo(0.008014082035065338, 6);
    expect(t.pLess).toBeCloseTo(0.992163386061678, 6);
  });
});
