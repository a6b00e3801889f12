/**
 * The run loop: micro-benchmarks, then every step's variants in rotated order for each round,
 * then the route ceilings. It emits events and returns data; printing is progress.ts's job.
 */
import { summarizeVariant, rotate } from './aggregate.ts';
import { runCeilings } from './ceilings/run-ceilings.ts';
import { runMicro } from './micro/hot-paths.ts';
import type { BenchTransport, CeilingResult, MicroResult, Scenario, Step, StepResult, TrialResult, Variant } from './results.ts';
import { runTrial, type TrialProgress } from './trial.ts';

export type RunEvent =
  | { readonly type: 'phase'; readonly phase: 'micro' | 'trials' | 'ceilings'; readonly detail: string }
  | { readonly type: 'trial-start'; readonly index: number; readonly total: number; readonly step: string; readonly variant: Variant; readonly round: number; readonly rounds: number }
  | { readonly type: 'trial-progress'; readonly index: number; readonly total: number; readonly progress: TrialProgress }
  | { readonly type: 'trial-end'; readonly index: number; readonly total: number; readonly variant: Variant; readonly trial: TrialResult }
  | { readonly type: 'ceiling'; readonly target: string }
  | { readonly type: 'warning'; readonly message: string };

export interface RunPlan {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly pin: boolean;
  /** `null` skips the micro-benchmarks. */
  readonly micro: { readonly timeMs: number } | null;
  /**
   * Servers already running, by transport (`--target`): no server is started for those variants.
   * `runTag` makes their room names unique to this run, since the servers keep rooms between runs.
   */
  readonly target?: {
    readonly urls: Readonly<Partial<Record<BenchTransport, string>>>;
    /** Process ids of the target servers, by transport (`--target-pid`): their CPU and RSS are read from /proc. */
    readonly pids?: Readonly<Partial<Record<BenchTransport, number>>>;
    readonly token?: string;
    readonly runTag: string;
  };
  /** `null` skips the route ceilings. */
  readonly ceiling: { readonly durationMs: number; readonly warmupMs: number; readonly connections: number; readonly rounds: number } | null;
}

export interface RunOutcome {
  readonly status: 'complete' | 'interrupted' | 'failed';
  readonly steps: StepResult[];
  readonly ceilings: CeilingResult[];
  readonly micro: MicroResult[];
  readonly warnings: string[];
}

/** `1 thing`, `2 things`. */
function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * The run's trials in real counts: `1 step × 4 transports × 3 rounds = 12 trials`. Variants are
 * called transports when each step runs each transport once; steps with different numbers of
 * variants are counted as a sum (`7 steps, 8 variants in all × 2 rounds = 16 trials`).
 */
export function describeTrials(scenario: Scenario): string {
  const perStep = scenario.steps.map((step) => step.variants.length);
  const variants = perStep.reduce((a, b) => a + b, 0);
  const total = variants * scenario.rounds;
  const oneEach = scenario.steps.every((step) => new Set(step.variants.map((v) => v.transport)).size === step.variants.length);
  const what = oneEach ? 'transport' : 'variant';
  const rounds = count(scenario.rounds, 'round');
  const same = perStep.every((n) => n === perStep[0]);
  const shape = same
    ? `${count(scenario.steps.length, 'step')} × ${count(perStep[0] ?? 0, what)} × ${rounds}`
    : `${count(scenario.steps.length, 'step')}, ${count(variants, what)} in all × ${rounds}`;
  return `${shape} = ${count(total, 'trial')}`;
}

/**
 * The order of a scenario's (step, round) pairs: every round of a step before the next step, or,
 * for a scenario that sets `roundsAcrossSteps`, round by round through all its steps, so that a
 * machine whose load drifts over the run spreads that drift over every step instead of favouring
 * the first ones (a sweep compared step against step, such as packet loss).
 */
export function trialOrder(scenario: Scenario): { s: number; step: Step; round: number }[] {
  const pairs = scenario.steps.flatMap((step, s) => Array.from({ length: scenario.rounds }, (_, round) => ({ s, step, round })));
  return scenario.roundsAcrossSteps ? pairs.sort((a, b) => a.round - b.round || a.s - b.s) : pairs;
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

export async function runBench(plan: RunPlan, onEvent: (event: RunEvent) => void, signal?: AbortSignal): Promise<RunOutcome> {
  const warnings: string[] = [];
  const warn = (message: string): void => {
    warnings.push(message);
    onEvent({ type: 'warning', message });
  };
  let status: RunOutcome['status'] = 'complete';
  let micro: MicroResult[] = [];
  let ceilings: CeilingResult[] = [];
  const { scenario } = plan;
  const trials = scenario.steps.map((step) => new Map<string, TrialResult[]>(step.variants.map((v) => [v.id, []])));

  try {
    if (plan.micro) {
      onEvent({ type: 'phase', phase: 'micro', detail: 'hot paths (tinybench)' });
      micro = await runMicro({ timeMs: plan.micro.timeMs });
    }

    const total = scenario.steps.reduce((n, s) => n + s.variants.length, 0) * scenario.rounds;
    onEvent({ type: 'phase', phase: 'trials', detail: describeTrials(scenario) });
    let index = 0;
    for (const { s, step, round } of trialOrder(scenario)) {
      for (const [position, variant] of rotate(step.variants, round).entries()) {
        if (signal?.aborted) throw new DOMException('interrupted', 'AbortError');
        index++;
        onEvent({ type: 'trial-start', index, total, step: step.label, variant, round, rounds: scenario.rounds });
        try {
          const url = plan.target?.urls[variant.transport];
          if (plan.target && url === undefined) throw new Error(`no --target URL for ${variant.transport}`);
          const pid = plan.target?.pids?.[variant.transport];
          const target =
            plan.target && url
              ? { url, roomPrefix: `${plan.target.runTag}-s${s}-r${round}-room-`, ...(plan.target.token ? { token: plan.target.token } : {}), ...(pid !== undefined ? { pid } : {}) }
              : undefined;
          const trial = await runTrial({
            variant,
            workload: step.workload,
            round,
            position,
            generators: scenario.generators,
            seed: plan.seed + s,
            pin: plan.pin,
            ...(step.lossPct !== undefined ? { lossPct: step.lossPct } : {}),
            ...(signal ? { signal } : {}),
            ...(target ? { target } : {}),
            onProgress: (progress) => onEvent({ type: 'trial-progress', index, total, progress }),
          });
          trials[s]?.get(variant.id)?.push(trial);
          onEvent({ type: 'trial-end', index, total, variant, trial });
        } catch (error) {
          if (isAbort(error)) throw error;
          status = 'failed';
          warn(`${step.label} · ${variant.id} · round ${round + 1}: the trial could not run: ${(error as Error).message}`);
        }
      }
    }

    if (plan.ceiling) {
      onEvent({
        type: 'phase',
        phase: 'ceilings',
        detail: `route ceilings (autocannon, ${plan.ceiling.connections} connections, ${plan.ceiling.rounds} rounds of ${plan.ceiling.durationMs} ms per route)`,
      });
      ceilings = await runCeilings({
        ...plan.ceiling,
        ...(signal ? { signal } : {}),
        onTarget: (target, round) => onEvent({ type: 'ceiling', target: `${target} · round ${round + 1}/${plan.ceiling?.rounds ?? 1}` }),
      });
    }
  } catch (error) {
    if (!isAbort(error) && !signal?.aborted) throw error;
    status = 'interrupted';
    warn('interrupted: the results hold what was measured until then');
  }

  const steps: StepResult[] = scenario.steps.map((step, s) => ({
    step,
    variants: step.variants.flatMap((variant) => {
      const done = trials[s]?.get(variant.id) ?? [];
      return done.length > 0 ? [{ variant, trials: done, summary: summarizeVariant(done) }] : [];
    }),
  }));
  for (const step of steps) {
    for (const v of step.variants) {
      if (!v.summary.ok) warn(`${step.step.label} · ${v.variant.id}: ${[...new Set(v.trials.flatMap((t) => t.problems))].join('; ')}`);
      if (v.summary.generatorBound) {
        warn(`${step.step.label} · ${v.variant.id}: the generator was the bottleneck (${[...new Set(v.trials.flatMap((t) => t.generator.reasons))].join('; ')}); these numbers say more about the generator than the server`);
      }
    }
  }
  return { status, steps, ceilings, micro, warnings };
}
