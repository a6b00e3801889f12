/**
 * The Mann-Whitney U test (Wilcoxon rank-sum test) of two small samples: is one sample's values
 * stochastically larger than the other's, or could the difference be the noise of the rounds?
 * Pure and exact for the sample sizes a benchmark has: the null distribution of U is counted over
 * every way of splitting the pooled values, ties given their mid-ranks. Above
 * {@link EXACT_LIMIT} values in all, the normal approximation with tie and continuity correction.
 */

/**
 * The one-sided significance level at which rounds are told from noise: the CI gate's
 * (report/compare.ts) and the targets' (bench/run/targets.ts), so that both call the same thing noise.
 */
export const NOISE_ALPHA = 0.01;

/** Pooled sample sizes up to this are tested exactly; larger ones with the normal approximation. */
export const EXACT_LIMIT = 60;

export interface RankTest {
  /** U of `y`: the number of pairs (x, y) with y > x, ties counting ½. 0 … n·m. */
  readonly u: number;
  /** One-sided p-value for "y tends to be larger than x": P(U ≥ u) under the null. */
  readonly pGreater: number;
  /** One-sided p-value for "y tends to be smaller than x": P(U ≤ u) under the null. */
  readonly pLess: number;
  /** `exact` (counted) or `normal` (approximation, large samples). */
  readonly method: 'exact' | 'normal';
}

/** Ranks from 1 of the values, ties given their mid-rank, doubled so that every rank is an integer; and the sizes of the groups of ties. */
export function doubledRanks(values: readonly number[]): { ranks: number[]; tieGroups: number[] } {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length).fill(0);
  const tieGroups: number[] = [];
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]?.[0] === order[start]?.[0]) end++;
    // Positions start…end (from 0) share the ranks start+1…end+1: doubled mid-rank start+end+2.
    for (let k = start; k <= end; k++) ranks[order[k]?.[1] ?? 0] = start + end + 2;
    tieGroups.push(end - start + 1);
    start = end + 1;
  }
  return { ranks, tieGroups };
}

/**
 * How many ways of choosing `m` of the pooled values give each doubled rank sum: index s of the
 * result is the count for sum s. Counted as floats (they can exceed 2^53; only ratios are used).
 */
function rankSumCounts(ranks: readonly number[], m: number): number[] {
  const total = ranks.reduce((a, b) => a + b, 0);
  // ways[k][s]: ways of choosing k of the values seen so far with doubled rank sum s.
  const ways = Array.from({ length: m + 1 }, () => new Array<number>(total + 1).fill(0));
  (ways[0] as number[])[0] = 1;
  let seen = 0;
  for (const r of ranks) {
    seen++;
    for (let k = Math.min(seen, m); k >= 1; k--) {
      const into = ways[k] as number[];
      const from = ways[k - 1] as number[];
      for (let s = total - r; s >= 0; s--) {
        const w = from[s] as number;
        if (w !== 0) into[s + r] = (into[s + r] as number) + w;
      }
    }
  }
  return ways[m] as number[];
}

/** The standard normal's upper tail, P(Z ≥ z) (Abramowitz and Stegun 7.1.26 via erfc; error < 1.5e-7). */
export function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erfc = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

/**
 * Tests whether `y` tends to be larger (or smaller) than `x`. Both samples need at least one
 * value; NaN values are refused (a figure that was not measured is not a sample).
 */
export function mannWhitney(x: readonly number[], y: readonly number[]): RankTest {
  const n = x.length;
  const m = y.length;
  if (n === 0 || m === 0) throw new RangeError(`mannWhitney needs values on both sides, got ${n} and ${m}`);
  if ([...x, ...y].some((v) => Number.isNaN(v))) throw new RangeError('mannWhitney: a sample holds NaN');
  const { ranks, tieGroups } = doubledRanks([...x, ...y]);
  const ySum2 = ranks.slice(n).reduce((a, b) => a + b, 0);
  // U = R_y − m(m+1)/2, with R_y the rank sum of y; in doubled ranks: (2R_y − m(m+1)) / 2.
  const u = (ySum2 - m * (m + 1)) / 2;
  if (n + m <= EXACT_LIMIT) {
    const counts = rankSumCounts(ranks, m);
    let all = 0;
    let atLeast = 0;
    let atMost = 0;
    for (let s = 0; s < counts.length; s++) {
      const c = counts[s] as number;
      if (c === 0) continue;
      all += c;
      if (s >= ySum2) atLeast += c;
      if (s <= ySum2) atMost += c;
    }
    return { u, pGreater: atLeast / all, pLess: atMost / all, method: 'exact' };
  }
  const total = n + m;
  const ties = tieGroups.reduce((a, t) => a + (t * t * t - t), 0);
  const variance = ((n * m) / 12) * (total + 1 - ties / (total * (total - 1)));
  const mean = (n * m) / 2;
  if (variance === 0) return { u, pGreater: 1, pLess: 1, method: 'normal' };
  const sd = Math.sqrt(variance);
  return { u, pGreater: normalUpperTail((u - mean - 0.5) / sd), pLess: 1 - normalUpperTail((u - mean + 0.5) / sd), method: 'normal' };
}

/**
 * The smallest one-sided p-value samples of these sizes can reach (all of one side above all of
 * the other, no ties): 1 ÷ C(n+m, n). When it is above the significance level, no outcome of the
 * rounds could be called significant: there are not enough rounds.
 */
export function smallestP(n: number, m: number): number {
  let c = 1;
  for (let k = 1; k <= Math.min(n, m); k++) c = (c * (n + m - Math.min(n, m) + k)) / k;
  return 1 / c;
}
