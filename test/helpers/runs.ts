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
