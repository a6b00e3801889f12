/**
 * Comparing two results files for CI (METHOD.md, "A CI gate must not cry wolf"). Per step,
 * transport and figure, the per-round values of the two runs (one trial = one round) are compared:
 * a figure is worse only when the change of its median passes its limit (relative and absolute,
 * see compare-limits.ts) AND a one-sided Mann-Whitney U test over the rounds says the current
 * rounds are worse than the baseline's moved by a drift allowance of half that limit, at the
 * significance level. With too few rounds for the test to ever reach that level, the figure says
 * "not enough rounds" and does not fail. Rounds in
 * which the load generator was the bottleneck are left out: their figures measure the generator.
 * The paired rounds of one job are judged by the same rules with their own test and limits
 * (compare-paired.ts, through {@link RoundsMethod}). Pure.
 */
import { figureValue, median } from '../bench/model/aggregate.ts';
import { FIGURES, MICRO_FIGURE, figureFacts, generatorSensitive, type BenchResults, type FigureKey, type GatedFigure, type MicroResult, type StepResult, type TrialResult, type VariantResult } from '../bench/model/results.ts';
import { DEFAULT_LIMITS, MICRO_LIMIT, type Limit } from './compare-limits.ts';
import { NOISE_ALPHA, mannWhitney, smallestP } from '../bench/model/mann-whitney.ts';

/**
 * One-sided significance level per figure. A default run gates ~16 figures × 4 transports; under
 * pure noise about 1 test in 126 reaches p ≤ 0.01 at 5 rounds a side, and the limits stop those:
 * a false alarm needs both the rounds separated and the median moved past a limit set above the
 * drift between runs.
 */
export const DEFAULT_ALPHA = NOISE_ALPHA;

/**
 * The share of a figure's limit the rank test allows for a drift of the whole run (the machine
 * busier during one run than the other): the current rounds are tested against the baseline's
 * moved by this much of the limit. Testing against the whole limit (as before) caught a real 30%
 * regression of latency p99 0% of the time; testing against no allowance fails a run that merely
 * drifted. At half the limit, on simulated noise of this machine's size, a regression of 1.5× its
 * limit is caught 51–95% of the time at 6 rounds a side and about 3 pairs of unchanged runs in
 * 1000 fail (test/report/compare-power.test.ts; bench/METHOD.md, "Detection thresholds").
 */
export const DRIFT_SHARE = 0.5;

export type RowStatus =
  /** Past its built-in limit and beyond the noise: exit 1. */
  | 'regressed'
  /** Past a limit the user set and beyond the noise: exit 3. */
  | 'over-limit'
  /** Better by more than the limit, beyond the noise. */
  | 'improved'
  /** Within the limit. */
  | 'unchanged'
  /** Past the limit, but the rounds overlap too much to tell it from noise. */
  | 'noise'
  /** Past the limit, with too few rounds for the test to ever tell: not failed. */
  | 'too-few-rounds'
  /** Messages lost only in rounds whose generator was the bottleneck: shown, not failed. */
  | 'generator-bound'
  /**
   * Messages lost, repeated or reordered by Socket.IO's own Redis adapter (`Variant.adapter`): what
   * the adapter does, measured beside this project's servers and not held to the contract; shown,
   * not failed.
   */
  | 'not-held'
  /** A transport or step of the baseline that the current run lacks: it could not be judged, and should have been: exit 1. */
  | 'missing'
  /** A figure a round did not measure (the server of a --target run): not judged. */
  | 'not-measured'
  | 'new';

export interface CompareRow {
  readonly step: string;
  readonly variant: string;
  /** A figure key (a hot path's `micro.meanNs` among them), or `delivery` for the correctness of the run. */
  readonly figure: GatedFigure | 'delivery';
  readonly label: string;
  /** The figure's value in each round of each run (empty for delivery, missing and new rows). */
  readonly baseline: readonly number[];
  readonly current: readonly number[];
  /** Medians over the rounds (NaN when there are none). */
  readonly baselineMedian: number;
  readonly currentMedian: number;
  /** Change of the median in the bad direction, in the figure's unit: positive is worse. */
  readonly change: number;
  /** The same relative to the baseline's median: +0.2 is 20% worse; ±Infinity from a baseline of 0. */
  readonly worse: number;
  /** The limit the change was held against; `user` when the user set it. */
  readonly limit: (Limit & { readonly source: 'built-in' | 'user' }) | undefined;
  /**
   * One-sided p-value of the test in the direction of the change (worse when the change is 0 or
   * more). Two runs: the rank-sum test of the current rounds against the baseline's moved by the
   * drift allowance (half the limit, {@link DRIFT_SHARE}), how likely rounds this far apart are if
   * the true change were just a drift of the machine. Paired rounds: the signed-rank test of the
   * pairs' log-ratios (compare-paired.ts). Null when there are too few rounds for the test to
   * reach the level.
   */
  readonly p: number | null;
  readonly status: RowStatus;
}

export interface Comparison {
  readonly scenario: string;
  /** How the rounds were read: two runs' rounds as two samples, or the pairs of one job (compare-paired.ts). */
  readonly method: RoundsMethod['name'];
  readonly alpha: number;
  /** Fewest rounds of a compared variant on each side, generator-bound rounds left out. */
  readonly rounds: { readonly baseline: number; readonly current: number };
  /** The same with generator-bound rounds kept: what the figures other than latencies are judged on. */
  readonly roundsAll: { readonly baseline: number; readonly current: number };
  /** Rounds of all compared variants on each side, and of those how many were generator-bound (left out). */
  readonly roundsSeen: { readonly baseline: number; readonly current: number };
  readonly generatorBound: { readonly baseline: number; readonly current: number };
  /** Rounds a side (pairs, when paired) from which the test can call a change at `alpha`. */
  readonly roundsNeeded: number;
  readonly rows: readonly CompareRow[];
  /** Rows past a built-in limit (or lost messages): exit 1. */
  readonly regressions: readonly CompareRow[];
  /** Rows past a limit the user set: exit 3. */
  readonly overLimit: readonly CompareRow[];
  /** Transports (per step) of the baseline that the current run lacks: exit 1, as a CI run that lost one must not pass. */
  readonly missing: readonly CompareRow[];
}

export interface CompareOptions {
  /** Limits per figure (default: {@link DEFAULT_LIMITS}). */
  readonly limits?: Readonly<Record<FigureKey, Limit>>;
  /** Figures whose limit the user set: crossing them is `over-limit`, not `regressed`. */
  readonly userSet?: ReadonlySet<FigureKey>;
  /** Figures to compare (default: all, the hot paths' `micro.meanNs` among them). */
  readonly figures?: readonly GatedFigure[];
  readonly alpha?: number;
  /** Names of the two runs in refusals, e.g. their file paths (default: "the baseline", "the current run"). */
  readonly names?: { readonly baseline: string; readonly current: string };
  /** How the rounds are read (default: {@link UNPAIRED}, two runs made at different times). */
  readonly method?: RoundsMethod;
}

/** The verdict on one figure: what {@link judgeFigure} and its paired counterpart return. */
export type FigureVerdict = Pick<CompareRow, 'baselineMedian' | 'currentMedian' | 'change' | 'worse' | 'p' | 'status'>;

/** Judges one figure's rounds against its limit; `alpha` defaults to {@link DEFAULT_ALPHA}, `user` says the limit is the user's. */
export type FigureJudge = (
  key: GatedFigure,
  baseline: readonly number[],
  current: readonly number[],
  limit: Limit,
  options?: { readonly alpha?: number; readonly user?: boolean },
) => FigureVerdict;

/**
 * How a comparison reads the rounds of its two sides: which rounds it judges, the limit each
 * figure is held to, and the test. Two runs made at different times ({@link UNPAIRED}) or the
 * paired rounds of one job (compare-paired.ts).
 */
export interface RoundsMethod {
  readonly name: 'unpaired' | 'paired';
  /**
   * The rounds of each side to judge (a paired method keeps the two sides aligned, round by
   * round), generator-bound rounds left out when `dropBound` (for a figure the generator's
   * lateness can change: `generatorSensitive`).
   */
  readonly pick: (baseline: readonly TrialResult[], current: readonly TrialResult[], dropBound: boolean) => { readonly baseline: TrialResult[]; readonly current: TrialResult[] };
  /** The limit a figure is held to, from the limit in force; `user` when the user set it. */
  readonly limit: (limit: Limit, user: boolean) => Limit;
  readonly judge: FigureJudge;
  /** Rounds a side (or pairs) from which the test can reach `alpha`. */
  readonly roundsNeeded: (alpha: number) => number;
}

/** Results that cannot be compared: the message says which and why. */
export class IncomparableError extends Error {
  override readonly name = 'IncomparableError';
}

/** How much worse `current` is than `baseline`, relative, in the figure's bad direction. */
export function worsening(key: GatedFigure, baseline: number, current: number): number {
  const sign = figureFacts(key).better === 'lower' ? 1 : -1;
  if (baseline === 0) return current === 0 ? 0 : sign * (current - baseline) > 0 ? Infinity : -Infinity;
  return (sign * (current - baseline)) / Math.abs(baseline);
}

/** The smallest number of rounds a side at which the exact test can reach `alpha`. */
export function roundsNeeded(alpha: number): number {
  let k = 1;
  while (smallestP(k, k) > alpha) k++;
  return k;
}

/** Whether a change (in the bad direction, the figure's unit) passes a limit: beyond both parts. */
export function pastLimit(change: number, baselineMedian: number, limit: Limit): boolean {
  return Math.abs(change) > Math.max(limit.absolute, limit.relative * Math.abs(baselineMedian));
}

/**
 * One figure across the rounds of two runs: its change, the rank test and the verdict. `user`
 * says the limit is the user's (crossing it is `over-limit`).
 */
export const judgeFigure: FigureJudge = (key, baseline, current, limit, options = {}) => {
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const baselineMedian = median(baseline);
  const currentMedian = median(current);
  const sign = figureFacts(key).better === 'lower' ? 1 : -1;
  const change = sign * (currentMedian - baselineMedian);
  const worse = worsening(key, baselineMedian, currentMedian);
  const testable = baseline.length > 0 && current.length > 0 && smallestP(baseline.length, current.length) <= alpha;
  let p: number | null = null;
  if (testable) {
    // Tested against the baseline moved by the drift allowance: is the change larger than a drift
    // of the whole run, beyond the scatter of the rounds? (A non-inferiority margin: a drift smaller
    // than the allowance cannot fail however cleanly the rounds separate, and the median must still
    // pass the whole limit.)
    const margin = DRIFT_SHARE * Math.max(limit.absolute, limit.relative * Math.abs(baselineMedian));
    const worseDir = change >= 0 ? 1 : -1;
    const shifted = baseline.map((v) => v + worseDir * sign * margin);
    const t = mannWhitney(shifted, current);
    p = sign * worseDir > 0 ? t.pGreater : t.pLess;
  }
  return { baselineMedian, currentMedian, change, worse, p, status: verdict(change, baselineMedian, limit, p, alpha, options.user === true) };
};

/**
 * The rules every method shares: within the limit is unchanged; past it, too few rounds for the
 * test to reach `alpha` do not fail, a p-value above it is noise, and only then is a change an
 * improvement, a regression or (for a limit the user set) over the user's limit.
 */
export function verdict(change: number, baselineMedian: number, limit: Limit, p: number | null, alpha: number, user: boolean): RowStatus {
  if (!pastLimit(change, baselineMedian, limit)) return 'unchanged';
  if (p === null) return 'too-few-rounds';
  if (p > alpha) return 'noise';
  if (change < 0) return 'improved';
  return user ? 'over-limit' : 'regressed';
}

const notBound = (t: TrialResult): boolean => !t.generator.bound;

/** Two runs made at different times: each side's rounds a sample, a rank-sum test with a drift allowance. */
export const UNPAIRED: RoundsMethod = {
  name: 'unpaired',
  pick: (baseline, current, dropBound) => (dropBound ? { baseline: baseline.filter(notBound), current: current.filter(notBound) } : { baseline: [...baseline], current: [...current] }),
  limit: (limit) => limit,
  judge: judgeFigure,
  roundsNeeded,
};

function describeWorkload(step: StepResult): string {
  const w = step.step.workload;
  return `${w.rooms}×${w.members}, ${w.ratePerMember}/s, ${w.bodyBytes} B, ${w.warmupMs}+${w.durationMs} ms`;
}

function knobs(v: VariantResult): string {
  return JSON.stringify([v.variant.transport, v.variant.pollIntervalMs ?? null, v.variant.waitMs ?? null, v.variant.keepAlive ?? null]);
}

const WHY_NOT_COMPLETE: Readonly<Record<BenchResults['status'], string>> = {
  complete: '',
  interrupted: 'was interrupted (stopped before every round ran), so its figures cover only part of the run',
  failed: 'failed, so its figures are not a measurement of the code',
};

/**
 * Refuses an interrupted or failed run on either side, and results of different scenarios or
 * workloads: their differences would not be changes.
 */
function checkComparable(baseline: BenchResults, current: BenchResults, names: { baseline: string; current: string }): void {
  for (const [name, run] of [[names.baseline, baseline], [names.current, current]] as const) {
    if (run.status !== 'complete') {
      throw new IncomparableError(`${name} ${WHY_NOT_COMPLETE[run.status] || `has status ${JSON.stringify(run.status)}`} (status "${run.status}"): compare complete runs only; run the benchmark again`);
    }
  }
  const a = baseline.config.scenario;
  const b = current.config.scenario;
  if (a.name !== b.name) throw new IncomparableError(`the baseline ran scenario "${a.name}" and the current run "${b.name}": compare results of the same scenario`);
  for (const step of current.steps) {
    const base = baseline.steps.find((s) => s.step.label === step.step.label);
    if (!base) continue;
    if (describeWorkload(base) !== describeWorkload(step)) {
      throw new IncomparableError(
        `step "${step.step.label}" ran a different workload (baseline ${describeWorkload(base)}; current ${describeWorkload(step)}): compare runs made with the same options (e.g. both --quick)`,
      );
    }
    for (const v of step.variants) {
      const bv = base.variants.find((x) => x.variant.id === v.variant.id);
      if (bv && knobs(bv) !== knobs(v)) throw new IncomparableError(`step "${step.step.label}", ${v.variant.id}: the transport's settings differ between the runs`);
    }
  }
}

export function compareResults(baseline: BenchResults, current: BenchResults, options: CompareOptions = {}): Comparison {
  const method = options.method ?? UNPAIRED;
  checkComparable(baseline, current, options.names ?? { baseline: 'the baseline', current: 'the current run' });
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const limits = options.limits ?? DEFAULT_LIMITS;
  const userSet = options.userSet ?? new Set<FigureKey>();
  const figures = (options.figures ?? (Object.keys(FIGURES) as FigureKey[])).filter((key): key is FigureKey => key !== MICRO_FIGURE.key);
  const rows: CompareRow[] = [];
  const rounds = { baseline: Infinity, current: Infinity };
  const roundsAll = { baseline: Infinity, current: Infinity };
  const roundsSeen = { baseline: 0, current: 0 };
  const generatorBound = { baseline: 0, current: 0 };
  const note = (step: string, variant: string, status: RowStatus, label: string): void => {
    rows.push({ step, variant, figure: 'delivery', label, baseline: [], current: [], baselineMedian: NaN, currentMedian: NaN, change: 0, worse: 0, limit: undefined, p: null, status });
  };
  for (const step of current.steps) {
    const base = baseline.steps.find((s) => s.step.label === step.step.label);
    for (const v of step.variants) {
      const bv = base?.variants.find((x) => x.variant.id === v.variant.id);
      if (!bv) {
        note(step.step.label, v.variant.id, 'new', 'not in the baseline');
        continue;
      }
      if (bv.summary.ok && !v.summary.ok) {
        // Lost messages fail the gate, unless only rounds whose generator was the bottleneck lost
        // them: its own late timers and receipts may be what went missing.
        const bad = v.trials.filter((t) => !t.ok);
        const problems = [...new Set(bad.flatMap((t) => t.problems))].join('; ') || `${v.summary.lost} lost`;
        // A soak's server fault (a slot kept, memory that grew) is the server's, whatever the generator did.
        const soakFault = bad.some((t) => t.soak !== undefined && (Object.keys(t.soak.leftAfter).length > 0 || !t.soak.rss.bounded));
        const busy = !soakFault && bad.length > 0 && bad.every((t) => t.generator.bound);
        // Socket.IO's own Redis adapters reorder and lose by their design (servers/socketio/README.md): not this code's regression.
        const adapter = v.variant.adapter !== undefined;
        rows.push({
          step: step.step.label, variant: v.variant.id, figure: 'delivery',
          label: `${soakFault ? 'the server failed the soak' : 'not everything delivered'}: ${problems}${busy ? ', only in rounds where the generator was the bottleneck' : adapter ? ", by Socket.IO's own Redis adapter" : ''}`,
          baseline: [], current: [], baselineMedian: NaN, currentMedian: NaN, change: Infinity, worse: Infinity, limit: undefined, p: null,
          status: busy ? 'generator-bound' : adapter ? 'not-held' : 'regressed',
        });
      }
      // A round whose generator was the bottleneck timed the generator's delay, not the server's:
      // left out of the latencies. Its counts per message and the server's own readings stand.
      const { baseline: b, current: c } = method.pick(bv.trials, v.trials, true);
      const all = method.pick(bv.trials, v.trials, false);
      generatorBound.baseline += bv.trials.filter((t) => !notBound(t)).length;
      generatorBound.current += v.trials.filter((t) => !notBound(t)).length;
      roundsSeen.baseline += bv.trials.length;
      roundsSeen.current += v.trials.length;
      rounds.baseline = Math.min(rounds.baseline, b.length);
      rounds.current = Math.min(rounds.current, c.length);
      roundsAll.baseline = Math.min(roundsAll.baseline, all.baseline.length);
      roundsAll.current = Math.min(roundsAll.current, all.current.length);
      const noLatency = b.length === 0 || c.length === 0;
      if (noLatency) {
        const side = b.length === 0 ? (c.length === 0 ? 'both runs' : 'the baseline') : 'the current run';
        const why = method.name === 'paired' ? 'no pair to compare its latencies: in every pair the generator was the bottleneck on one side or the other' : `no round to compare its latencies: the generator was the bottleneck in every round of ${side}`;
        note(step.step.label, v.variant.id, 'too-few-rounds', why);
      }
      for (const key of figures) {
        const sensitive = generatorSensitive(key);
        if (sensitive && noLatency) continue;
        const user = userSet.has(key);
        const limit = method.limit(limits[key], user);
        const bValues = measured(sensitive ? b : all.baseline, key);
        const cValues = measured(sensitive ? c : all.current, key);
        if (!bValues || !cValues) {
          // A server the bench did not start (--target) has no CPU or memory figures to judge.
          note(step.step.label, v.variant.id, 'not-measured', `${FIGURES[key].label}: not measured in ${!bValues ? (!cValues ? 'either run' : 'the baseline') : 'the current run'}`);
          continue;
        }
        const judged = method.judge(key, bValues, cValues, limit, { alpha, user });
        rows.push({ step: step.step.label, variant: v.variant.id, figure: key, label: FIGURES[key].label, baseline: bValues, current: cValues, limit: { ...limit, source: user ? 'user' : 'built-in' }, ...judged });
      }
    }
  }
  for (const base of baseline.steps) {
    const step = current.steps.find((s) => s.step.label === base.step.label);
    for (const bv of base.variants) {
      if (!step?.variants.some((v) => v.variant.id === bv.variant.id)) note(base.step.label, bv.variant.id, 'missing', 'not in the current run');
    }
  }
  if (!options.figures || options.figures.includes(MICRO_FIGURE.key)) rows.push(...compareHotPaths(baseline.micro, current.micro, method, alpha, note));
  return {
    scenario: current.config.scenario.name,
    method: method.name,
    alpha,
    rounds: { baseline: Number.isFinite(rounds.baseline) ? rounds.baseline : 0, current: Number.isFinite(rounds.current) ? rounds.current : 0 },
    roundsAll: { baseline: Number.isFinite(roundsAll.baseline) ? roundsAll.baseline : 0, current: Number.isFinite(roundsAll.current) ? roundsAll.current : 0 },
    roundsNeeded: method.roundsNeeded(alpha),
    roundsSeen,
    generatorBound,
    rows,
    regressions: rows.filter((r) => r.status === 'regressed'),
    overLimit: rows.filter((r) => r.status === 'over-limit'),
    missing: rows.filter((r) => r.status === 'missing'),
  };
}

/** The step name of the hot paths' rows: each hot path is a row's variant. */
export const HOT_PATHS = 'hot paths';

/** Each hot path's mean time per call by round (`MicroResult.round`, absent: 0). */
function hotPathRounds(micro: readonly MicroResult[]): Map<string, Map<number, number>> {
  const byName = new Map<string, Map<number, number>>();
  for (const m of micro) {
    const rounds = byName.get(m.name) ?? new Map<number, number>();
    rounds.set(m.round ?? 0, m.meanNs);
    byName.set(m.name, rounds);
  }
  return byName;
}

/** The values of the rounds `keep` keeps, in round order. */
function inRoundOrder(byRound: ReadonlyMap<number, number>, keep: (round: number) => boolean): number[] {
  return [...byRound].filter(([round]) => keep(round)).sort(([a], [b]) => a - b).map(([, value]) => value);
}

/**
 * The hot paths (the micro-benchmarks, `--ci` runs them once a round) judged like any figure, on
 * their mean time per call by round against {@link MICRO_LIMIT}: a path the baseline measured and
 * the current run did not is missing, as a transport would be. Paired rounds are matched by round.
 */
function compareHotPaths(
  baseline: readonly MicroResult[],
  current: readonly MicroResult[],
  method: RoundsMethod,
  alpha: number,
  note: (step: string, variant: string, status: RowStatus, label: string) => void,
): CompareRow[] {
  const rows: CompareRow[] = [];
  const before = hotPathRounds(baseline);
  const now = hotPathRounds(current);
  const key = MICRO_FIGURE.key;
  const limit = method.limit(MICRO_LIMIT, false);
  const paired = method.name === 'paired';
  for (const [name, rounds] of now) {
    const base = before.get(name);
    if (!base) {
      note(HOT_PATHS, name, 'new', 'not in the baseline');
      continue;
    }
    // Paired rounds only where both sides have that round.
    const b = inRoundOrder(base, (r) => !paired || rounds.has(r));
    const c = inRoundOrder(rounds, (r) => !paired || base.has(r));
    const judged = method.judge(key, b, c, limit, { alpha });
    rows.push({ step: HOT_PATHS, variant: name, figure: key, label: MICRO_FIGURE.label, baseline: b, current: c, limit: { ...limit, source: 'built-in' }, ...judged });
  }
  for (const name of before.keys()) if (!now.has(name)) note(HOT_PATHS, name, 'missing', 'not in the current run (its micro-benchmarks did not run: --ci runs them, --skip-micro drops them)');
  return rows;
}

/** The per-round values of a figure, or undefined when a round did not measure it. */
function measured(trials: readonly TrialResult[], key: FigureKey): number[] | undefined {
  const values = trials.map((t) => figureValue(t, key));
  return values.every((x): x is number => x !== null) ? values : undefined;
}
