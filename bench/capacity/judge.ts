/**
 * Whether a capacity step passed, and if not, what failed (bench/METHOD.md, "Capacity"). Pure: a
 * step's rounds in, a verdict out.
 */
import { formatShare, formatUs } from '../format.ts';
import { GENERATOR_CPU_LIMIT, GENERATOR_SEND_LAG_LIMIT_US } from '../generator-limits.ts';
import type { Failure, TrialLimit, TrialResult, VariantResult } from '../results.ts';
import type { Outcome } from './search.ts';

/**
 * A server at or above this share of one core saturated it: a Node server runs its JavaScript on
 * one thread, so past this it has no room left for a burst, and the next step only queues.
 */
export const SERVER_CPU_SATURATED = 0.95;

/**
 * In a capacity step, sends later than this share of the SLO at p99 (and never less than a trial's
 * own limit, 10 ms) mean the generator fell behind the load it was to offer. A trial calls its
 * generator the bottleneck from 10 ms, a limit made for latencies of a few ms; against an SLO of
 * 250 ms a send 12 ms late changes nothing the step is judged on, while its sends still all left
 * (open loop): the step can be judged. A step that failed on latency by less than the send lag is
 * still the generator's (see {@link generatorFailure}).
 */
export const CAPACITY_SEND_LAG_SHARE = 0.1;

/**
 * Why the generator, rather than the transport, may have decided a step: a generator process at
 * {@link GENERATOR_CPU_LIMIT} of a core, sends later at p99 than a tenth of the SLO, or a p99 over
 * the SLO by no more than how late sends left. `undefined` when none holds.
 */
export function generatorFailure(trials: readonly TrialResult[], p99Us: number, sloMs: number): Failure | undefined {
  const lagLimitUs = Math.max(GENERATOR_SEND_LAG_LIMIT_US, CAPACITY_SEND_LAG_SHARE * sloMs * 1000);
  const cpu = Math.max(0, ...trials.map((t) => t.generator.cpuShare));
  const lag = Math.max(0, ...trials.map((t) => t.generator.sendLagP99));
  const reasons: string[] = [];
  if (cpu >= GENERATOR_CPU_LIMIT) reasons.push(`a generator used ${formatShare(cpu)} of a core (limit ${formatShare(GENERATOR_CPU_LIMIT)})`);
  if (lag > lagLimitUs) reasons.push(`sends left ${formatUs(lag)} late at p99 (limit ${formatUs(lagLimitUs)}, a tenth of the SLO)`);
  else if (p99Us > sloMs * 1000 && p99Us - lag <= sloMs * 1000) reasons.push(`p99 ${formatUs(p99Us)} is over the SLO by less than the sends' lag (${formatUs(lag)} at p99)`);
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
 * The verdict on a step's rounds: every failure that applies, in a fixed order (fd limit,
 * generator, loss, latency, server CPU). Latency is the p99 of all rounds merged; a loss in any
 * round fails the step; the server's CPU is its busiest round.
 */
export function judgeStep(result: VariantResult, sloMs: number): Outcome {
  const failures: Failure[] = [];
  const trials: readonly TrialResult[] = result.trials;
  const limit = trials.map(limitOf).find((l) => l !== undefined);
  if (limit) failures.push(fdFailure(limit));
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
