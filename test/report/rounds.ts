/**
 * Hand-made results files with chosen per-round values, for the CI comparison: every trial of a
 * variant is one round, and each figure of a round is set exactly (the rest as in fixture.ts).
 * The summary is computed from the trials as the harness does, so the two never disagree.
 */
import { summarizeVariant } from '../../bench/model/aggregate.ts';
import { FIGURES, type BenchResults, type FigureKey, type StepResult, type TrialResult, type Variant } from '../../bench/model/results.ts';
import { DEFAULT_LIMITS } from '../../report/compare-limits.ts';
import { judgeFigure } from '../../report/compare.ts';
import { LONG, RAW, SHORT, WORKLOAD, WS, results, variant } from './fixture.ts';

export const VARIANTS: readonly Variant[] = [SHORT, LONG, WS, RAW];
export const FIGURE_KEYS = Object.keys(FIGURES) as readonly FigureKey[];

/** A trial with one figure set to `value`; latency percentiles are set as reported, not re-derived. */
export function withFigure(trial: TrialResult, key: FigureKey, value: number): TrialResult {
  const [group, name] = key.split('.') as [string, string];
  switch (group) {
    case 'latency':
      return { ...trial, latency: { ...trial.latency, [name]: value } };
    case 'perDelivered':
      return { ...trial, perDelivered: { ...trial.perDelivered, [name]: value } };
    case 'server': {
      if (!trial.server) throw new RangeError(`the fixture's trial has no server figures to set ${key} on`);
      // Held connections per client are the server's open connections over the trial's clients.
      if (key === 'server.connectionsPerClient') return { ...trial, server: { ...trial.server, connections: value * trial.clients } };
      if (key === 'server.eventLoopDelay.p99') return { ...trial, server: { ...trial.server, eventLoopDelay: { p50: value, max: value, ...trial.server.eventLoopDelay, p99: value } } };
      return { ...trial, server: { ...trial.server, [name]: value } };
    }
    case 'wire':
      return { ...trial, wire: { ...trial.wire, requests: 1_000_000, emptyPolls: Math.round(value * 1_000_000) } };
    default:
      throw new RangeError(`no way to set ${key}`);
  }
}

/** Per-round values of some figures of one variant; a figure not given keeps the fixture's value. */
export type Rounds = Partial<Record<FigureKey, readonly number[]>>;

const templates = new Map<string, TrialResult>();
/** The fixture's trial of a variant, made once: its histogram is the costly part of a run of a thousand. */
function templateOf(v: Variant): TrialResult {
  let template = templates.get(v.id);
  if (!template) templates.set(v.id, (template = variant(v, {}, [800]).trials[0] as TrialResult));
  return template;
}

/**
 * A results file of the fixture's one step: each variant given gets as many rounds as its longest
 * list of values (a shorter list repeats its last value).
 */
export function runOf(byVariant: Readonly<Record<string, Rounds>>, status: BenchResults['status'] = 'complete'): BenchResults {
  const variants = VARIANTS.filter((v) => byVariant[v.id]).map((v) => {
    const rounds = byVariant[v.id] as Rounds;
    const template = templateOf(v);
    const count = Math.max(1, ...Object.values(rounds).map((values) => values.length));
    const trials = Array.from({ length: count }, (_, round) => {
      let t: TrialResult = { ...template, round };
      for (const [key, values] of Object.entries(rounds) as [FigureKey, readonly number[]][]) {
        t = withFigure(t, key, values[Math.min(round, values.length - 1)] as number);
      }
      return t;
    });
    return { variant: v, trials, summary: summarizeVariant(trials) };
  });
  const step: StepResult = { step: { label: 'step', workload: WORKLOAD, variants: variants.map((v) => v.variant) }, variants };
  return { ...results([step]), status };
}

/** The same run with the generator marked as the bottleneck in some rounds of one variant. */
export function generatorBound(run: BenchResults, variantId: string, rounds: readonly number[]): BenchResults {
  const steps = run.steps.map((step) => ({
    ...step,
    variants: step.variants.map((v) =>
      v.variant.id !== variantId
        ? v
        : { ...v, trials: v.trials.map((t, i) => (rounds.includes(i) ? { ...t, generator: { ...t.generator, bound: true, reasons: ['sends left 200 ms late at p99 (limit 10 ms)'] } } : t)) },
    ),
  }));
  return { ...run, steps };
}

/**
 * Noise only: each round of each run is the figure's typical value, times a drift of the whole run
 * (the machine busier or quieter than during the other run), times the scatter of one round,
 * uniform. The sizes follow what rounds of the default scenario scattered by on the shared 2-core
 * machine (server CPU and bytes by a few percent to 10%, latency by a third and more, connections
 * and RSS per client by their whole value).
 */
export const SCATTER: Readonly<Record<FigureKey, { value: number; round: number; run: number }>> = {
  'latency.p50': { value: 8000, round: 0.3, run: 0.1 },
  'latency.p90': { value: 25_000, round: 0.35, run: 0.12 },
  'latency.p99': { value: 60_000, round: 0.4, run: 0.15 },
  'latency.p999': { value: 80_000, round: 0.5, run: 0.2 },
  'latency.max': { value: 90_000, round: 0.6, run: 0.25 },
  'latency.mean': { value: 10_000, round: 0.3, run: 0.1 },
  'perDelivered.requests': { value: 0.9, round: 0.15, run: 0.05 },
  'perDelivered.bytes': { value: 600, round: 0.05, run: 0.03 },
  'perDelivered.connections': { value: 0.002, round: 1, run: 0.5 },
  'server.connectionsPerClient': { value: 1.5, round: 0.05, run: 0.02 },
  'perDelivered.serverCpuUs': { value: 150, round: 0.1, run: 0.08 },
  'perDelivered.generatorCpuUs': { value: 150, round: 0.1, run: 0.08 },
  'server.cpuShare': { value: 0.15, round: 0.1, run: 0.08 },
  'server.rssWindowBytes': { value: 100_000_000, round: 0.04, run: 0.04 },
  'server.perClientRssBytes': { value: 60_000, round: 1, run: 0.5 },
  'server.perClientHeapBytes': { value: 5000, round: 0.1, run: 0.05 },
  'server.eventLoopDelay.p99': { value: 20_000, round: 0.9, run: 0.3 },
  'wire.emptyPollShare': { value: 0.01, round: 1, run: 0.5 },
};

export function noisyRun(random: () => number, rounds: number): ReturnType<typeof runOf> {
  const byVariant: Record<string, Rounds> = {};
  for (const v of VARIANTS) {
    const figures: Rounds = {};
    for (const key of FIGURE_KEYS) {
      figures[key] = noisyRounds(random, key, rounds);
    }
    byVariant[v.id] = figures;
  }
  return runOf(byVariant);
}

/** One run's rounds of one figure under the noise of {@link SCATTER}, its true value times `factor`. */
export function noisyRounds(random: () => number, key: FigureKey, rounds: number, factor = 1): number[] {
  const s = SCATTER[key];
  const drift = 1 + s.run * (2 * random() - 1);
  return Array.from({ length: rounds }, () => Math.max(0, s.value * factor * drift * (1 + s.round * (2 * random() - 1))));
}

/**
 * How often the gate calls a real regression of one figure (its true value times `factor`) with
 * its built-in limit, each side drifting and scattering as {@link SCATTER} says: a share of `trials`.
 */
export function catchRate(random: () => number, key: FigureKey, factor: number, rounds: number, trials: number): number {
  let caught = 0;
  for (let i = 0; i < trials; i++) {
    const judged = judgeFigure(key, noisyRounds(random, key, rounds), noisyRounds(random, key, rounds, factor), DEFAULT_LIMITS[key]);
    if (judged.status === 'regressed') caught++;
  }
  return caught / trials;
}

export { seededRandom as seeded } from '../../bench/generator/schedule.ts';

/**
 * One job's paired rounds of one figure under the noise of {@link SCATTER}: each pair shares a
 * drift of the machine (as large as {@link SCATTER}'s drift between whole runs, drawn anew for
 * every pair), each round scatters on its own; the change's true value is the base's times `factor`.
 */
export function noisyPairs(random: () => number, key: FigureKey, pairs: number, factor = 1): { baseline: number[]; current: number[] } {
  const s = SCATTER[key];
  const baseline: number[] = [];
  const current: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const drift = 1 + s.run * (2 * random() - 1);
    baseline.push(Math.max(0, s.value * drift * (1 + s.round * (2 * random() - 1))));
    current.push(Math.max(0, s.value * factor * drift * (1 + s.round * (2 * random() - 1))));
  }
  return { baseline, current };
}

/** A base and a change of one job, `pairs` rounds each, every figure of every variant under paired noise. */
export function noisyPairedRuns(random: () => number, pairs: number): { baseline: BenchResults; current: BenchResults } {
  const b: Record<string, Rounds> = {};
  const c: Record<string, Rounds> = {};
  for (const v of VARIANTS) {
    const bf: Rounds = {};
    const cf: Rounds = {};
    for (const key of FIGURE_KEYS) {
      const p = noisyPairs(random, key, pairs);
      bf[key] = p.baseline;
      cf[key] = p.current;
    }
    b[v.id] = bf;
    c[v.id] = cf;
  }
  return { baseline: runOf(b), current: runOf(c) };
}
