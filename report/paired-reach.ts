/**
 * The smallest change the paired gate catches, from jobs of unchanged code (the README's detection
 * table): each job's pairs replayed with the change's rounds made worse by a growing share, judged
 * by the gate itself, until it calls the shift a regression in at least 90% of the jobs. The
 * pairs keep the scatter this machine gave them; only the shift is made up. Pure.
 */
import { FIGURES, type FigureKey } from '../bench/model/results.ts';
import type { Limit } from './compare-limits.ts';
import { judgePaired } from './compare-paired.ts';

/** One job's paired rounds of one figure (`current[i]` measured beside `baseline[i]`). */
export interface JobPairs {
  readonly baseline: readonly number[];
  readonly current: readonly number[];
}

/** The shares tried, in order: 1% steps up to 10× (+900%). */
const STEP = 0.01;
const MOST = 9;

/**
 * The smallest share (0.25 = 25% worse) by which the change's rounds of every job must be worse
 * for the gate to call a regression in at least `rate` of the jobs, to the nearest 1%; null when
 * no share up to +900% does (a figure judged by its absolute part, whose baseline is 0, is not
 * moved by a share). `limit` is the one the paired gate holds the figure to.
 */
export function smallestCaught(key: FigureKey, jobs: readonly JobPairs[], limit: Limit, options: { readonly alpha?: number; readonly rate?: number } = {}): number | null {
  if (jobs.length === 0) return null;
  const rate = options.rate ?? 0.9;
  const sign = FIGURES[key].better === 'lower' ? 1 : -1;
  for (let k = 1; k * STEP <= MOST + 1e-9; k++) {
    const factor = 1 + sign * k * STEP;
    const caught = jobs.filter((j) => judgePaired(key, j.baseline, j.current.map((v) => v * factor), limit, options.alpha === undefined ? {} : { alpha: options.alpha }).status === 'regressed').length;
    if (caught >= rate * jobs.length) return Math.round(k * STEP * 100) / 100;
  }
  return null;
}
