/**
 * One side's results of a paired job, from the results files of its rounds: a job runs each
 * round as a run of its own (`--rounds 1`, servers started fresh), and the side's results hold
 * them as the rounds of one run, each trial numbered by its pair so that the comparison pairs
 * round k of one side with round k of the other. Pure.
 */
import { summarizeVariant } from '../model/aggregate.ts';
import type { BenchResults, StepResult, TrialResult, VariantResult } from '../model/results.ts';
import { checkTargets } from '../run/targets.ts';

/** A round's results and the pair it was measured in. */
export interface PairedRound {
  readonly pair: number;
  readonly results: BenchResults;
}

const WORST: readonly BenchResults['status'][] = ['complete', 'interrupted', 'failed'];

/**
 * The rounds of one side as one run: every step and variant of the first round, each variant's
 * trials taken from every round in pair order (renumbered by pair), summaries computed again. The
 * status is the worst of the rounds'; warnings keep the pair they came from.
 */
export function mergeRounds(rounds: readonly PairedRound[], argv: readonly string[]): BenchResults {
  const sorted = [...rounds].sort((a, b) => a.pair - b.pair);
  const first = sorted[0]?.results;
  const last = sorted[sorted.length - 1]?.results;
  if (!first || !last) throw new RangeError('mergeRounds needs at least one round');
  const steps: StepResult[] = first.steps.map((step) => ({
    step: step.step,
    variants: step.variants.flatMap((v): VariantResult[] => {
      const trials: TrialResult[] = sorted.flatMap(({ pair, results }) => {
        const same = results.steps.find((s) => s.step.label === step.step.label)?.variants.find((x) => x.variant.id === v.variant.id);
        return (same?.trials ?? []).map((t) => ({ ...t, round: pair }));
      });
      return trials.length > 0 ? [{ variant: v.variant, trials, summary: summarizeVariant(trials) }] : [];
    }),
  }));
  const status = sorted.reduce<BenchResults['status']>((worst, r) => (WORST.indexOf(r.results.status) > WORST.indexOf(worst) ? r.results.status : worst), 'complete');
  const ceilings = sorted.flatMap((r) => r.results.ceilings);
  return {
    ...first,
    startedAt: first.startedAt,
    finishedAt: last.finishedAt,
    status,
    config: { ...first.config, scenario: { ...first.config.scenario, rounds: sorted.length }, options: { ...first.config.options, rounds: sorted.length }, argv: [...argv] },
    steps,
    ceilings,
    // Each round's hot paths numbered by its pair, so that the gate pairs them as it pairs trials.
    micro: sorted.flatMap(({ pair, results }) => results.micro.map((m) => ({ ...m, round: pair }))),
    targets: checkTargets(steps, ceilings),
    warnings: sorted.flatMap(({ pair, results }) => results.warnings.map((w) => `pair ${pair + 1}: ${w}`)),
  };
}
