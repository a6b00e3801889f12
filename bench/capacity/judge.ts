/**
 * Whether a capacity step passed, and if not, what failed (bench/METHOD.md, "Capacity"). Pure: a
 * step's rounds in, a verdict out.
 */
import { formatShare, formatUs } from '../model/format.ts';
import { GENERATOR_CPU_LIMIT } from '../model/generator-limits.ts';
import type { Failure, TrialLimit, TrialResult, VariantResult } from '../model/results.ts';
import type { Outcome } from './search.ts';

/**
 * A server at or above this share of one core saturated it: a Node server runs its JavaScript on
 * one thread, so past this it has no room left for a burst, and the next step only queues.
 */
export const SERVER_CPU_SATURATED = 0.95;

/**
 * Why the generator, rather than the transport, may have decided a capacity step: a generator
 * process at {@link GENERATOR_CPU_LIMIT} of a core (it may not have kept to its schedule), or a p99
 * over the SLO by no more than the generator's own delays at p99 (how late its sends left, or its
 * event loop's delay, which holds receipts back as much). `undefined` when neither holds.
 *
 * A trial calls its generator the bottleneck from 10 ms of send lag, a limit made for latencies of
 * a few ms. A capacity step is judged against the SLO instead, and the generator's delays only add
 * to the latency it measures: a step that passes passed in spite of them, and every send still
 * left (open loop). With 2.5 s steps a p99 of send lag is the third-latest of ~250 sends, so a
 * single pause of 20–30 ms (its cause not traced) set it in the first runs, with the generator at
 * 13–72% of a core.
 */
export function generatorFailure(trials: readonly TrialResult[], p99Us: number, sloMs: number): Failure | undefined {
  const cpu = Math.max(0, ...trials.map((t) => t.generator.cpuShare));
  const delay = Math.max(0, ...trials.map((t) => Math.max(t.generator.sendLagP99, t.generator.eventLoopDelayP99)));
  const reasons: string[] = [];
  if (cpu >= GENERATOR_CPU_LIMIT) reasons.push(`a generator used ${formatShare(cpu)} of a core (limit ${formatShare(GENERATOR_CPU_LIMIT)})`);
  if (p99Us > sloMs * 1000 && p99Us - delay <= sloMs * 1000) {
    reasons.push(`p99 ${formatUs(p99Us)} is over the SLO by less than the generator's own delay (${formatUs(delay)} at p99)`);
  }
  return reasons.length > 0 ? { kind: 'generator', detail: `the generator was the bottleneck: ${reasons.join('; ')}` } : undefined;
}

/**
 * The structured reason a trial gives when one server process cannot hold the sockets a step needs
 * (`trial.limit`, set by the generator side; absent when the step fitted). A thrown error may carry
 * it too, when the trial refused to start.
 */
export type FdLimit = TrialLimit;

function limitOf(value: unknown): FdLimit | undefined {
  const limit = (value as { limit?: unknown } | null)?.limit as Partial<FdLimit> | undefined;
  return limit?.kind === 'fd' && typeof limit.needed === 'number' && typeof limit.available === 'number' ? (limit as FdLimit) : undefined;
}

function fdFailure(limit: FdLimit): Failure {
  return { kind: 'fd-limit', detail: `needs ${limit.needed} sockets; one server process holds at most ${limit.available} (fd limit)` };
}

/** A step none of whose rounds could run, or whose last round could not: an fd limit, or an error. */
export function failureOfError(error: unknown): Failure {
  const limit = limitOf(error);
  if (limit) return fdFailure(limit);
  return { kind: 'error', detail: `the trial could not run: ${error instanceof Error ? error.message : String(error)}` };
}

/**
 * The verdict on a step's rounds: an fd limit alone (the step did not run), or every failure that
 * applies, in a fixed order (generator, loss, latency, server CPU). Latency is the p99 of all
 * rounds merged; a loss in any round fails the step; the server's CPU is its busiest round.
 */
export function judgeStep(result: VariantResult, sloMs: number): Outcome {
  const failures: Failure[] = [];
  const trials: readonly TrialResult[] = result.trials;
  const limit = trials.map(limitOf).find((l) => l !== undefined);
  // A step one server process cannot hold is not run: there is nothing else to judge.
  if (limit) return { pass: false, failures: [fdFailure(limit)] };
  const p99 = result.summary.latency.p99;
  const generator = generatorFailure(trials, p99, sloMs);
  if (generator) failures.push(generator);
  if (!result.summary.ok) failures.push({ kind: 'loss', detail: [...new Set(trials.flatMap((t) => t.problems))].join('; ') });
  if (p99 > sloMs * 1000) failures.push({ kind: 'latency', detail: `p99 ${formatUs(p99)} > SLO ${sloMs} ms` });
  const cpu = Math.max(...trials.map((t) => t.server?.cpuShare ?? 0));
  if (cpu >= SERVER_CPU_SATURATED) {
    failures.push({ kind: 'server-cpu', detail: `the server used ${formatShare(cpu)} of a core (saturated at ${formatShare(SERVER_CPU_SATURATED)})` });
  }
  return { pass: failures.length === 0, failures };
}
