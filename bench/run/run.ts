import { join, relative } from 'node:path';
/**
 * The run loop: micro-benchmarks, then every step's variants in rotated order for each round,
 * then the route ceilings. It emits events and returns data; printing is progress.ts's job.
 */
import { summarizeVariant, rotate } from '../model/aggregate.ts';
import { isChatVariant, runCapacity, type CapacityEvent } from '../capacity/run-capacity.ts';
import type { BenchTransport, CapacityResult, CeilingResult, MicroResult, Scenario, Step, StepResult, TrialResult, Variant } from '../model/results.ts';
import { brokerNeeds } from '../cluster/cluster.ts';
import { runTrial, startTrialProcesses, startsAhead, type TrialOptions, type TrialProcesses, type TrialProgress } from './trial.ts';
import type { CeilingServers } from '../ceilings/run-ceilings.ts';
import { monotonicUs } from '../../servers/common/self-report.ts';
import type { BrokerControl } from './server-under-test.ts';

export type RunEvent =
  | { readonly type: 'phase'; readonly phase: 'micro' | 'trials' | 'ceilings'; readonly detail: string }
  | { readonly type: 'trial-start'; readonly index: number; readonly total: number; readonly step: string; readonly variant: Variant; readonly round: number; readonly rounds: number }
  | { readonly type: 'trial-progress'; readonly index: number; readonly total: number; readonly progress: TrialProgress }
  | { readonly type: 'trial-end'; readonly index: number; readonly total: number; readonly variant: Variant; readonly trial: TrialResult }
  | { readonly type: 'ceiling'; readonly target: string }
  /**
   * During trial `index`'s warm-up (index 0: the micro-benchmarks'), what comes next (the next
   * trial's processes, or the ceilings' servers) was started: `kept` when it was loaded before the
   * window, else it was killed.
   */
  | { readonly type: 'ahead'; readonly index: number; readonly what: 'trial' | 'ceilings'; readonly kept: boolean }
  | { readonly type: 'warning'; readonly message: string }
  | CapacityEvent;

export interface RunPlan {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly pin: boolean;
  /** `null` skips the micro-benchmarks; `rounds` (default 1) runs them that many times, each result numbered by its round. */
  readonly micro: { readonly timeMs: number; readonly rounds?: number } | null;
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
  /** The Redis the steps on Redis share (started by the bench, or `--redis-url`). */
  readonly broker?: BrokerControl;
  /** `null` skips the route ceilings. */
  readonly ceiling: { readonly durationMs: number; readonly warmupMs: number; readonly connections: number; readonly rounds: number } | null;
  /**
   * `--profile`: write each trial's server CPU profile over the window into `dir`; each trial's
   * results give its path relative to `resultsDir` (where the results file and the report are).
   */
  readonly profiles?: { readonly dir: string; readonly resultsDir: string };
}

export interface RunOutcome {
  readonly status: 'complete' | 'interrupted' | 'failed';
  readonly steps: StepResult[];
  /** A capacity run's searches (absent from other runs). */
  readonly capacity?: CapacityResult[];
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

/** Where a trial is in the run: its step, variant, round and place in the round's order. */
interface TrialAt {
  readonly step: Step;
  readonly s: number;
  readonly variant: Variant;
  readonly round: number;
  readonly position: number;
  readonly runTag: string;
}

/** One trial of a variant on a step in a round, against the servers of the plan. */
function runOne(
  plan: RunPlan,
  at: TrialAt,
  signal: AbortSignal | undefined,
  onProgress: (progress: TrialProgress) => void,
  around: Pick<TrialOptions, 'ahead' | 'onSchedule'> = {},
): Promise<TrialResult> {
  const trial = runTrial({ ...trialOptions(plan, at), ...(signal ? { signal } : {}), onProgress, ...around });
  const profiles = plan.profiles;
  // The results name the profile from where they are, so that the report beside them links it.
  return profiles ? trial.then((t) => (t.profile ? { ...t, profile: { ...t.profile, file: relative(profiles.resultsDir, t.profile.file) } } : t)) : trial;
}

/** The options of a trial of the plan, but its signal and callbacks. */
function trialOptions(plan: RunPlan, at: TrialAt): TrialOptions {
  const { step, s, variant, round } = at;
  const url = plan.target?.urls[variant.transport];
  if (plan.target && url === undefined) throw new Error(`no --target URL for ${variant.transport}`);
  const pid = plan.target?.pids?.[variant.transport];
  const target =
    plan.target && url
      ? { url, roomPrefix: `${plan.target.runTag}-s${s}-r${round}-room-`, ...(plan.target.token ? { token: plan.target.token } : {}), ...(pid !== undefined ? { pid } : {}) }
      : undefined;
  const profileFile = plan.profiles ? join(plan.profiles.dir, `s${s + 1}-${variant.id.replace(/[^A-Za-z0-9._-]+/g, '_')}-r${round + 1}.cpuprofile`) : undefined;
  return {
    variant,
    workload: step.workload,
    round,
    position: at.position,
    generators: plan.scenario.generators,
    seed: plan.seed + s,
    pin: plan.pin,
    ...(target ? { target } : {}),
    ...(step.lossPct !== undefined ? { lossPct: step.lossPct } : {}),
    ...(step.distance ? { distance: step.distance } : {}),
    ...(step.serverOptions ? { serverOptions: step.serverOptions } : {}),
    ...(step.cluster ? { cluster: step.cluster } : {}),
    // Redis keeps rooms between trials (and runs): each trial posts to rooms of its own, named by
    // the variant's place in the step (its id may hold a '/', which no room id may, or be long).
    ...(step.cluster?.backplane === 'redis' && plan.broker ? { broker: plan.broker, roomPrefix: `${at.runTag}-s${s}-r${round}-v${step.variants.indexOf(variant)}-room-` } : {}),
    ...(profileFile !== undefined ? { profileFile } : {}),
  };
}

/** The options of a trial, or undefined for one that cannot even be described: it fails in its own turn, saying why. */
function optionsOrNone(plan: RunPlan, at: TrialAt): TrialOptions | undefined {
  try {
    return trialOptions(plan, at);
  } catch {
    return undefined;
  }
}

/** How long before a window begins the processes started ahead during its warm-up must be loaded. */
export const AHEAD_MARGIN_US = 250_000;

/**
 * The least time a warm-up must leave before that margin for processes to be started ahead at all:
 * a trial's server and generators were loaded 0.4 to 0.85 s after their spawn on this idle 2-core
 * machine (2026-12-08), so a shorter warm-up (`--quick`'s and `--ci`'s 0.5 s) would only start
 * processes to kill them.
 */
export const AHEAD_LEAST_US = 1_000_000;

/**
 * Starts what comes next (the next trial's processes, or the ceilings' servers) while a trial warms
 * up (or the first trial's while the micro-benchmarks do), and keeps it only if it is loaded
 * {@link AHEAD_MARGIN_US} before that trial's window begins (`windowStartUs`, monotonic µs), or
 * before the micro-benchmarks measure (a promise that resolves then): otherwise every process of
 * it is killed there, and what comes next starts its own as it would have. So no window is
 * measured beside a process loading its code; what idle processes cost a window is a timer or two
 * (bench/METHOD.md). Resolves to what was started, or undefined.
 */
export async function startAhead<T extends { readonly loaded: Promise<void>; stop(): Promise<void> }>(start: (signal: AbortSignal) => T | Promise<T>, windowStartUs: number | Promise<void>): Promise<T | undefined> {
  const late = new AbortController();
  // A window at a known moment, or one that begins when `windowStartUs` resolves (the micro-benchmarks' first measurement).
  const timer = typeof windowStartUs === 'number' ? setTimeout(() => late.abort(), Math.max(0, (windowStartUs - AHEAD_MARGIN_US - monotonicUs()) / 1000)) : undefined;
  // Decided once loaded (or not): processes handed over must never be killed by a late abort.
  let decided = false;
  if (typeof windowStartUs !== 'number') void windowStartUs.then(() => decided || late.abort());
  const starting = Promise.resolve().then(() => start(late.signal));
  try {
    const started = await starting;
    await started.loaded;
    if (!late.signal.aborted) return started;
  } catch {
    // Killed for being late, or could not start: what comes next starts its own, and says why if it cannot.
  } finally {
    decided = true;
    clearTimeout(timer);
  }
  await (await starting.catch(() => undefined))?.stop();
  return undefined;
}

/** The capacity scenario's line for the progress: what it searches, and how. */
function describeCapacity(scenario: Scenario): string {
  const c = scenario.capacity;
  const template = scenario.steps[0];
  if (!c || !template) return '';
  const w = template.workload;
  const transports = template.variants.filter(isChatVariant).map((v) => v.id).join(', ');
  return `capacity of ${transports}: rooms of ${w.members}, ${w.ratePerMember} msg/s per member, clients from ${c.startClients.toLocaleString('en-US')} ×${c.factor} up to ${c.maxClients.toLocaleString('en-US')}, then halved to within ${Math.round(c.resolution * 100)}%; a step passes with p99 ≤ ${c.sloMs} ms, nothing lost, the generator not the bottleneck; ${count(scenario.rounds, 'round')} per step`;
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
  const micro: MicroResult[] = [];
  let ceilings: CeilingResult[] = [];
  const capacity: CapacityResult[] = [];
  const { scenario } = plan;
  const trials = scenario.steps.map((step) => new Map<string, TrialResult[]>(step.variants.map((v) => [v.id, []])));
  if (brokerNeeds(scenario).redis && !plan.broker) throw new Error(`scenario ${scenario.name} runs instances on Redis, but no Redis was given to the run`);
  // Redis keeps rooms between trials (and runs): each trial posts to rooms of its own.
  const runTag = `b${Date.now().toString(36)}`;
  // What was started during the last trial's warm-up for the next one, or for the ceilings.
  let trialAhead: Promise<TrialProcesses | undefined> | undefined;
  let ceilingsAhead: Promise<CeilingServers | undefined> | undefined;

  try {
    const queue: TrialAt[] = (scenario.capacity ? [] : trialOrder(scenario)).flatMap(({ s, step, round }) => rotate(step.variants, round).map((variant, position) => ({ s, step, variant, round, position, runTag })));
    const told = <T>(index: number, what: 'trial' | 'ceilings', started: Promise<T | undefined>): Promise<T | undefined> =>
      started.then((kept) => {
        onEvent({ type: 'ahead', index, what, kept: kept !== undefined });
        return kept;
      });
    if (plan.micro) {
      const rounds = plan.micro.rounds ?? 1;
      // The first trial's processes load while the micro-benchmarks warm up, and must be idle when they measure.
      const first = queue[0] && optionsOrNone(plan, queue[0]);
      let measuring: () => void = () => undefined;
      if (first && startsAhead(first)) trialAhead = told(0, 'trial', startAhead((aborted) => startTrialProcesses(first, {}, aborted), new Promise<void>((resolve) => (measuring = resolve))));
      onEvent({ type: 'phase', phase: 'micro', detail: `hot paths (tinybench${rounds > 1 ? `, ${rounds} rounds` : ''})` });
      // Loaded when asked for, as the ceilings below: tinybench and autocannon cost every run's start otherwise.
      const { runMicro } = await import('../micro/hot-paths.ts');
      for (let round = 0; round < rounds; round++) {
        if (signal?.aborted) throw new DOMException('interrupted', 'AbortError');
        micro.push(...(await runMicro({ timeMs: plan.micro.timeMs, onMeasuring: () => measuring() })).map((m) => (rounds > 1 ? { ...m, round } : m)));
      }
    }

    const total = scenario.capacity ? 0 : scenario.steps.reduce((n, s) => n + s.variants.length, 0) * scenario.rounds;
    if (scenario.capacity) {
      onEvent({ type: 'phase', phase: 'trials', detail: describeCapacity(scenario) });
      let index = 0;
      await runCapacity(
        scenario,
        {
          runRound: (step, variant, round, s) => {
            if (signal?.aborted) throw new DOMException('interrupted', 'AbortError');
            index++;
            return runOne(plan, { step, s, variant, round, position: 0, runTag }, signal, (progress) => onEvent({ type: 'trial-progress', index, total, progress }));
          },
          onEvent,
          isFatal: (error) => isAbort(error) || signal?.aborted === true,
        },
        capacity,
      );
    }
    if (!scenario.capacity) onEvent({ type: 'phase', phase: 'trials', detail: describeTrials(scenario) });
    for (const [i, at] of queue.entries()) {
      const { step, variant, round } = at;
      if (signal?.aborted) throw new DOMException('interrupted', 'AbortError');
      const index = i + 1;
      onEvent({ type: 'trial-start', index, total, step: step.label, variant, round, rounds: scenario.rounds });
      const given = await trialAhead;
      trialAhead = undefined;
      // During this trial's warm-up, the next trial's processes start, or the ceilings' servers after the last.
      const next = queue[i + 1];
      const onSchedule = ({ windowStartUs }: { readonly windowStartUs: number }): void => {
        if (windowStartUs - AHEAD_MARGIN_US - monotonicUs() < AHEAD_LEAST_US) return;
        const nextOptions = next && optionsOrNone(plan, next);
        if (nextOptions && startsAhead(nextOptions)) trialAhead = told(index, 'trial', startAhead((aborted) => startTrialProcesses(nextOptions, {}, aborted), windowStartUs));
        else if (!next && plan.ceiling) ceilingsAhead = told(index, 'ceilings', startAhead(async (aborted) => (await import('../ceilings/run-ceilings.ts')).startCeilingServers(aborted), windowStartUs));
      };
      try {
        const trial = await runOne(plan, at, signal, (progress) => onEvent({ type: 'trial-progress', index, total, progress }), { ...(given ? { ahead: given } : {}), onSchedule });
        trials[at.s]?.get(variant.id)?.push(trial);
        onEvent({ type: 'trial-end', index, total, variant, trial });
      } catch (error) {
        if (isAbort(error)) throw error;
        status = 'failed';
        warn(`${step.label} · ${variant.id} · round ${round + 1}: the trial could not run: ${(error as Error).message}`);
      }
    }

    if (plan.ceiling) {
      onEvent({
        type: 'phase',
        phase: 'ceilings',
        detail: `route ceilings (autocannon, ${plan.ceiling.connections} connections, ${plan.ceiling.rounds} rounds of ${plan.ceiling.durationMs} ms per route)`,
      });
      const { runCeilings } = await import('../ceilings/run-ceilings.ts');
      const servers = await ceilingsAhead;
      ceilingsAhead = undefined;
      ceilings = await runCeilings({
        ...plan.ceiling,
        ...(servers ? { servers } : {}),
        ...(signal ? { signal } : {}),
        onTarget: (target, round) => onEvent({ type: 'ceiling', target: `${target} · round ${round + 1}/${plan.ceiling?.rounds ?? 1}` }),
      });
    }
  } catch (error) {
    if (!isAbort(error) && !signal?.aborted) throw error;
    status = 'interrupted';
    warn('interrupted: the results hold what was measured until then');
  } finally {
    // Started ahead for a trial or the ceilings that did not come.
    await (await trialAhead)?.stop();
    await (await ceilingsAhead)?.stop();
  }

  if (scenario.capacity) {
    const searched = new Set(capacity.map((c) => c.variant.id));
    const left = (scenario.steps[0]?.variants ?? []).filter((v) => isChatVariant(v) && !searched.has(v.id));
    if (left.length > 0 && status === 'interrupted') warn(`capacity: not searched to the end: ${left.map((v) => v.id).join(', ')}`);
    for (const c of capacity) if (c.stop === 'error') status = 'failed';
    return { status, steps: [], capacity, ceilings, micro, warnings };
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
