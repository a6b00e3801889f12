/**
 * What a comparison of two runs made at different times can catch, from its rounds' own spread.
 * The two-run gate allows each figure half its limit for a drift of the whole machine between the
 * runs (DRIFT_SHARE) and calls a change only when the current rounds clear the baseline's moved
 * by that allowance. So the smallest change it can call on a figure is found by replaying its
 * rounds: the current rounds moved onto the baseline's median (keeping their own scatter), then
 * shifted by a growing change, judged by the gate itself until it calls the shift a regression.
 * Below that size, a change passes however real it is; the paired gate measures both sides in
 * one job for that (compare-paired.ts). Pure.
 */
import { median } from '../bench/model/aggregate.ts';
import { figureFacts, type FigureKey, type GatedFigure } from '../bench/model/results.ts';
import type { Limit } from './compare-limits.ts';
import { DRIFT_SHARE, judgeFigure, type CompareRow } from './compare.ts';

/**
 * The smallest change (in the figure's bad direction and unit) the two-run gate calls on these
 * rounds, or null when no change could be called (too few rounds). Strictly above the limit.
 */
export function smallestCatchable(key: GatedFigure, baseline: readonly number[], current: readonly number[], limit: Limit, alpha: number): number | null {
  if (baseline.length === 0 || current.length === 0) return null;
  const sign = figureFacts(key).better === 'lower' ? 1 : -1;
  const mb = median(baseline);
  const centred = current.map((v) => v - median(current) + mb);
  const size = Math.max(limit.absolute, limit.relative * Math.abs(mb));
  const margin = DRIFT_SHARE * size;
  // The rank test's verdict changes only where a shifted current round passes a baseline round
  // moved by the margin: those shifts, and none, are the candidates, in increasing order.
  const passes = baseline.flatMap((b) => centred.map((c) => sign * (b - c)));
  const candidates = [0, ...passes.filter((s) => s > 0)].sort((x, y) => x - y);
  for (const s of candidates) {
    // Just past the point, so that the round passes rather than ties.
    const change = Math.max(size, margin + s) * (1 + 1e-9) + 1e-12;
    const shifted = centred.map((c) => c + sign * change);
    if (judgeFigure(key, baseline, shifted, limit, { alpha }).status === 'regressed') return change;
  }
  return null;
}

/** The figures a comparison's sentence about its reach names, when measured: the ones a reader checks first. */
export const HEADLINE_FIGURES: readonly FigureKey[] = ['perDelivered.serverCpuUs', 'server.cpuShare', 'latency.p50', 'latency.p99'];

/** A row's reach in words: `+41%`, or in the figure's unit where the baseline is 0; null when none. */
export function reachOf(row: CompareRow, alpha: number, format: (key: GatedFigure, value: number) => string): string | null {
  if (row.figure === 'delivery' || !row.limit || row.baseline.length === 0) return null;
  const change = smallestCatchable(row.figure, row.baseline, row.current, row.limit, alpha);
  if (change === null) return null;
  const scale = Math.abs(row.baselineMedian);
  return scale > 0 ? `+${Math.round((change / scale) * 100)}%` : `+${format(row.figure, change)}`;
}
