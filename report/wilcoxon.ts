/**
 * The Wilcoxon signed-rank test of paired differences: do the differences tend to be above zero
 * (or below), or could their signs be the noise of the pairs? Zero differences are dropped
 * (Wilcoxon's own rule), the rest ranked by size with ties given their mid-ranks. Pure and exact
 * for the pair counts a benchmark has: the null distribution of W+ is counted over every
 * assignment of signs to the ranks. Above {@link EXACT_PAIRS} non-zero differences, the normal
 * approximation with tie and continuity correction.
 */
import { doubledRanks, normalUpperTail } from '../bench/model/mann-whitney.ts';

/** Up to this many non-zero differences are tested exactly; more with the normal approximation. */
export const EXACT_PAIRS = 50;

export interface SignedRankTest {
  /** W+: the sum of the ranks of the positive differences, 0 … n(n+1)/2. */
  readonly wPlus: number;
  /** Non-zero differences: the pairs the test is over. */
  readonly n: number;
  /** One-sided p-value for "the differences tend to be positive": P(W+ ≥ wPlus) under the null. */
  readonly pGreater: number;
  /** One-sided p-value for "the differences tend to be negative": P(W+ ≤ wPlus) under the null. */
  readonly pLess: number;
  /** `exact` (counted) or `normal` (approximation, many pairs). */
  readonly method: 'exact' | 'normal';
}

/**
 * Tests whether the paired differences tend to be above (or below) zero. Needs at least one
 * difference; NaN and infinite differences are refused (a pair that was not measured is not a pair).
 * With every difference zero there is nothing to test: both p-values are 1.
 */
export function signedRank(differences: readonly number[]): SignedRankTest {
  if (differences.length === 0) throw new RangeError('signedRank needs at least one difference');
  if (differences.some((d) => !Number.isFinite(d))) throw new RangeError('signedRank: a difference is NaN or infinite');
  const nonZero = differences.filter((d) => d !== 0);
  const n = nonZero.length;
  if (n === 0) return { wPlus: 0, n: 0, pGreater: 1, pLess: 1, method: 'exact' };
  const { ranks, tieGroups } = doubledRanks(nonZero.map(Math.abs));
  const plus2 = nonZero.reduce((sum, d, i) => (d > 0 ? sum + (ranks[i] as number) : sum), 0);
  const wPlus = plus2 / 2;
  if (n <= EXACT_PAIRS) {
    // ways[s]: the sign assignments whose positive ranks sum to s (doubled). Floats: only ratios are used.
    const total = ranks.reduce((a, b) => a + b, 0);
    const ways = new Array<number>(total + 1).fill(0);
    ways[0] = 1;
    for (const r of ranks) {
      for (let s = total - r; s >= 0; s--) {
        const w = ways[s] as number;
        if (w !== 0) ways[s + r] = (ways[s + r] as number) + w;
      }
    }
    let all = 0;
    let atLeast = 0;
    let atMost = 0;
    for (let s = 0; s <= total; s++) {
      const c = ways[s] as number;
      if (c === 0) continue;
      all += c;
      if (s >= plus2) atLeast += c;
      if (s <= plus2) atMost += c;
    }
    return { wPlus, n, pGreater: atLeast / all, pLess: atMost / all, method: 'exact' };
  }
  const mean = (n * (n + 1)) / 4;
  const ties = tieGroups.reduce((a, t) => a + (t * t * t - t), 0);
  const variance = (n * (n + 1) * (2 * n + 1)) / 24 - ties / 48;
  const sd = Math.sqrt(variance);
  return { wPlus, n, pGreater: normalUpperTail((wPlus - mean - 0.5) / sd), pLess: 1 - normalUpperTail((wPlus - mean + 0.5) / sd), method: 'normal' };
}

/**
 * The smallest one-sided p-value `n` non-zero differences can reach (all of one sign): 1 ÷ 2^n.
 * When it is above the significance level, no outcome of the pairs could be called significant.
 */
export function smallestSignedRankP(n: number): number {
  return 2 ** -n;
}
