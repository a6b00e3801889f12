/** Tiny real runs in the end-to-end tests: run a scenario once, and read one variant's trial. */
import type { Scenario, TrialResult } from '../../bench/model/results.ts';
import { runBench, type RunOutcome } from '../../bench/run/run.ts';

/** Runs a scenario with seed 7, no ceilings or micro-benchmarks, and no progress output. */
export function runTiny(scenario: Scenario): Promise<RunOutcome> {
  return runBench({ scenario, seed: 7, pin: false, micro: null, ceiling: null }, () => undefined);
}

/** The first trial of the variant `id` of the run's first step; throws if it did not run. */
export function trialOf(outcome: RunOutcome, id: string): TrialResult {
  const t = outcome.steps[0]?.variants.find((v) => v.variant.id === id)?.trials[0];
  if (!t) throw new Error(`no trial for ${id}`);
  return t;
}

/**
 * Runs the first step of a scenario of one round as `parts` runs side by side, each with a share of
 * its variants, and answers as one run: the variants in the scenario's order. For the end-to-end
 * tests whose trials are counted rather than timed (requests, bytes, connections): a trial spends
 * most of its seconds waiting for its window, so two side by side take about the time of one.
 */
export async function runTinyInParts(scenario: Scenario, parts: number): Promise<RunOutcome> {
  const [step, ...rest] = scenario.steps;
  if (!step || rest.length > 0 || scenario.rounds !== 1) throw new Error('runTinyInParts runs one step of one round');
  const shares = Array.from({ length: parts }, (_, k) => step.variants.filter((_, i) => i % parts === k)).filter((share) => share.length > 0);
  const outcomes = await Promise.all(shares.map((variants) => runTiny({ ...scenario, steps: [{ ...step, variants }] })));
  const variants = step.variants.flatMap((variant) => outcomes.flatMap((o) => o.steps[0]?.variants.filter((v) => v.variant.id === variant.id) ?? []));
  const first = outcomes[0] as RunOutcome;
  return {
    status: outcomes.find((o) => o.status !== 'complete')?.status ?? 'complete',
    steps: first.steps[0] ? [{ ...first.steps[0], variants }] : [],
    ceilings: [],
    micro: [],
    warnings: outcomes.flatMap((o) => o.warnings),
  };
}
