/**
 * Whether a capacity step passed, and if not, what failed (bench/METHOD.md, "Capacity"). Pure: a
 * step's rounds in, a verdict out.
 */
import { formatShare, formatUs } from '../format.ts';
import type { Failure, TrialLimit, TrialResult, VariantResult } from '../results.ts';
import type { Outcome } from './search.ts';

/**
 * A server at or above this share of one core saturated it: a Node server runs its JavaScript on
 * one thread, so past this it has no room left for a burst, and the next step only queues.
 */
export const SERVER_CPU_SATURATED = 0.95;

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
 * The verdict on a step's rounds: every failure that applies, in a fixed order (fd limit,
 * generator, loss, latency, server CPU). Latency is the p99 of all rounds merged; a loss in any
 * round fails the step; the server's CPU is its busiest round.
 */
export function judgeStep(result: VariantResult, sloMs: number): Outcome {
  const failures: Failure[] = [];
  const trials: readonly TrialResult[] = result.trials;
  const limit = trials.map(limitOf).find((l) => l !== undefined);
  if (limit) failures.push(fdFailure(limit));
  if (result.summary.generatorBound) {
    const reasons = [...new Set(trials.flatMap((t) => t.generator.reasons))];
    failures.push({ kind: 'generator', detail: `the generator was the bottleneck: ${reasons.join('; ')}` });
  }
  if (!result.summary.ok) failures.push({ kind: 'loss', detail: [...new Set(trials.flatMap((t) => t.problems))].join('; ') });
  const p99 = result.summary.latency.p99;
  if (p99 > sloMs * 1000) failures.push({ kind: 'latency', detail: `p99 ${formatUs(p99)} > SLO ${sloMs} ms` });
  const cpu = Math.max(...trials.map((t) => t.server?.cpuShare ?? 0));
  if (cpu >= SERVER_CPU_SATURATED) {
    failures.push({ kind: 'server-cpu', detail: `the server used ${formatShare(cpu)} of a core (saturated at ${formatShare(SERVER_CPU_SATURATED)})` });
  }
  return { pass: failures.length === 0, failures };
}
