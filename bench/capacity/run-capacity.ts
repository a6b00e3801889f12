/**
 * The capacity scenario's run: for each chat transport of its template step, a step search
 * (search.ts) whose every step runs the template's workload with the rooms it needs, for the
 * scenario's rounds, judged by judge.ts. It emits events and returns data, like the run loop.
 */
import { summarizeVariant } from '../model/aggregate.ts';
import { TRANSPORT_FACTS, type CapacityResult, type CapacitySpec, type CapacityStep, type Scenario, type Step, type TrialResult, type Variant } from '../model/results.ts';
import { failureOfError, judgeStep } from './judge.ts';
import { searchCapacity, type Outcome } from './search.ts';

/** What the capacity run reports while it steps. */
export type CapacityEvent =
  | { readonly type: 'capacity-step'; readonly variant: Variant; readonly step: CapacityStep }
  | { readonly type: 'capacity-end'; readonly result: CapacityResult };

export interface CapacityHooks {
  /** Runs one round of a step (a trial); throws when it could not run. */
  readonly runRound: (step: Step, variant: Variant, round: number, stepIndex: number) => Promise<TrialResult>;
  readonly onEvent: (event: CapacityEvent) => void;
  /** An error that should stop the whole run (an interruption) rather than fail a step. */
  readonly isFatal: (error: unknown) => boolean;
}

/** A chat transport's variant, not a baseline's. */
export function isChatVariant(v: Variant): boolean {
  return TRANSPORT_FACTS[v.transport].group !== 'baseline';
}

/** The step of `clients` clients made from the template: its rooms set, its one variant. */
export function capacityStep(template: Step, variant: Variant, clients: number): Step {
  const { members } = template.workload;
  return {
    label: `${variant.id}: ${clients.toLocaleString('en-US')} clients`,
    x: { name: 'clients', value: clients, unit: 'clients' },
    workload: { ...template.workload, rooms: Math.round(clients / members) },
    variants: [variant],
  };
}

/** The template and the search of a capacity scenario; throws if it is not one. */
export function capacityOf(scenario: Scenario): { template: Step; spec: CapacitySpec } {
  const template = scenario.steps[0];
  if (!scenario.capacity || !template || scenario.steps.length !== 1) throw new Error(`scenario ${scenario.name} is not a capacity search (one template step and a capacity spec)`);
  return { template, spec: scenario.capacity };
}

/**
 * Searches the capacity of every chat transport of the scenario's template, one after another,
 * adding each finished search to `results` (so that an interruption keeps those already done).
 */
export async function runCapacity(scenario: Scenario, hooks: CapacityHooks, results: CapacityResult[]): Promise<void> {
  const { template, spec } = capacityOf(scenario);
  let stepIndex = 0;
  // The baselines keep no contract: a capacity is a chat transport's.
  for (const variant of template.variants.filter(isChatVariant)) {
    const steps: CapacityStep[] = [];
    const trial = async (clients: number): Promise<Outcome & { readonly step: CapacityStep }> => {
      const step = capacityStep(template, variant, clients);
      const index = stepIndex++;
      const trials: TrialResult[] = [];
      let outcome: Outcome | undefined;
      for (let round = 0; round < scenario.rounds && !outcome; round++) {
        try {
          trials.push(await hooks.runRound(step, variant, round, index));
        } catch (error) {
          if (hooks.isFatal(error)) throw error;
          outcome = { pass: false, failures: [failureOfError(error)] };
        }
      }
      const result = trials.length > 0 ? { variant, trials, summary: summarizeVariant(trials) } : null;
      if (result) {
        const judged = judgeStep(result, spec.sloMs);
        outcome = outcome ? { pass: false, failures: [...(outcome.failures), ...judged.failures] } : judged;
      }
      const done: CapacityStep = { clients, phase: 'up', pass: outcome?.pass ?? false, failures: outcome?.failures ?? [], result };
      return { pass: done.pass, failures: done.failures, step: done };
    };
    const found = await searchCapacity(trial, { startClients: spec.startClients, maxClients: spec.maxClients, unit: template.workload.members, resolution: spec.resolution, factor: spec.factor }, (s) => {
      const step = { ...s.outcome.step, phase: s.phase };
      steps.push(step);
      hooks.onEvent({ type: 'capacity-step', variant, step });
    });
    const result: CapacityResult = { variant, steps, lastPass: found.lastPass, firstFail: found.firstFail, cause: found.cause, stop: found.stop };
    results.push(result);
    hooks.onEvent({ type: 'capacity-end', result });
  }
}
