/**
 * The paired job's loop: one round of the change and one of the base per pair, in the order of
 * order.ts, each round a run of its own made by `runRound` (in the job, a bench process started in
 * that side's tree, so that each side's servers are its own code, started fresh). It emits events
 * and returns each side's rounds; printing is progress.ts's job, writing and comparing the
 * command's. A round that fails stops the job: pairs with a hole cannot be compared.
 *
 * A pair in which either round had a trial whose generator was the bottleneck is left out of the
 * comparison's latencies (report/compare-paired.ts), so the job runs another pair in its place, up to
 * `spares` of them: one such round in seven pairs left 6, too few for the signed-rank test to
 * reach p ≤ 0.01, and a regression of +21% in WebSocket's server CPU per message passed (a
 * power job of issue 25, 2026-12-07).
 */
import type { BenchResults } from '../model/results.ts';
import { mergeRounds, type PairedRound } from './merge-rounds.ts';
import { pairOrder, type PlannedRound, type Side } from './order.ts';

export type AgainstEvent =
  | { readonly type: 'round-start'; readonly round: PlannedRound; readonly total: number; readonly elapsedMs: number; readonly leftMs: number | undefined }
  | { readonly type: 'round-end'; readonly round: PlannedRound; readonly total: number; readonly tookMs: number }
  /** Pair `pair` had a generator-bound round: pair `spare` runs in its place, `left` spares remain. */
  | { readonly type: 'spare'; readonly pair: number; readonly spare: number; readonly left: number };

/** Runs one round of one side as a run of its own and returns its results (whatever their status). */
export type RoundRunner = (round: PlannedRound, signal: AbortSignal | undefined) => Promise<BenchResults>;

export interface AgainstPlan {
  readonly pairs: number;
  readonly first: Side;
  /** The command line the sides' results record. */
  readonly argv: readonly string[];
  /** At most this many pairs run in place of pairs a generator-bound round left out (default {@link SPARE_PAIRS}). */
  readonly spares?: number;
}

/** How many pairs a job runs at most in place of pairs left out. */
export const SPARE_PAIRS = 3;

/** Whether any trial of the run was limited by its generator: its pair cannot be compared. */
export function generatorBound(results: BenchResults): boolean {
  return results.steps.some((s) => s.variants.some((v) => v.trials.some((t) => t.generator.bound)));
}

export interface AgainstOutcome {
  /** `complete` when every round of every pair ran to the end and said so. */
  readonly status: BenchResults['status'];
  /** Each side's rounds as one run (absent for a side with no round yet). */
  readonly sides: Readonly<Partial<Record<Side, BenchResults>>>;
  /** What stopped the job, when it did not complete. */
  readonly stopped?: string;
}

/** A clock in milliseconds (injectable: tests give a fake one). */
export type Clock = () => number;

export async function runAgainst(
  plan: AgainstPlan,
  runRound: RoundRunner,
  onEvent: (event: AgainstEvent) => void,
  options: { readonly now?: Clock; readonly signal?: AbortSignal } = {},
): Promise<AgainstOutcome> {
  const now = options.now ?? Date.now;
  const { signal } = options;
  const order = pairOrder(plan.pairs, plan.first);
  // Appended to while the job runs: a pair left out gets another in its place (the loop reads it).
  let spares = plan.spares ?? SPARE_PAIRS;
  const bound = new Set<number>();
  const done: Record<Side, PairedRound[]> = { change: [], base: [] };
  const start = now();
  let status: BenchResults['status'] = 'complete';
  let stopped: string | undefined;
  for (const round of order) {
    if (signal?.aborted) {
      status = 'interrupted';
      stopped = `interrupted before pair ${round.pair + 1} of ${plan.pairs}`;
      break;
    }
    const elapsedMs = now() - start;
    // Rounds so far took this long each, on average: the rest will too.
    const leftMs = round.index > 0 ? (elapsedMs / round.index) * (order.length - round.index) : undefined;
    onEvent({ type: 'round-start', round, total: order.length, elapsedMs, leftMs });
    const began = now();
    let results: BenchResults;
    try {
      results = await runRound(round, signal);
    } catch (error) {
      status = signal?.aborted ? 'interrupted' : 'failed';
      stopped = `pair ${round.pair + 1}, ${round.side}: ${(error as Error).message}`;
      break;
    }
    onEvent({ type: 'round-end', round, total: order.length, tookMs: now() - began });
    done[round.side].push({ pair: round.pair, results });
    if (generatorBound(results)) bound.add(round.pair);
    // The pair's second round is in: if the pair will be left out, one more pair takes its place.
    const pairDone = done.change.some((r) => r.pair === round.pair) && done.base.some((r) => r.pair === round.pair);
    if (results.status === 'complete' && pairDone && bound.has(round.pair) && spares > 0) {
      spares--;
      const pair = Math.max(...order.map((r) => r.pair)) + 1;
      const [lead, second] = pairOrder(pair + 1, plan.first).slice(-2) as [PlannedRound, PlannedRound];
      order.push({ ...lead, index: order.length }, { ...second, index: order.length + 1 });
      onEvent({ type: 'spare', pair: round.pair, spare: pair, left: spares });
    }
    if (results.status !== 'complete') {
      status = results.status;
      stopped = `pair ${round.pair + 1}, ${round.side}: the round's run ${results.status === 'failed' ? 'failed' : 'was interrupted'}${results.warnings.length > 0 ? ` (${results.warnings.join('; ')})` : ''}`;
      break;
    }
  }
  const sides: Partial<Record<Side, BenchResults>> = {};
  for (const side of ['change', 'base'] as const) {
    if (done[side].length === 0) continue;
    const merged = mergeRounds(done[side], plan.argv);
    // A job that stopped leaves each side short of pairs, whatever its own rounds said.
    sides[side] = status === 'complete' || merged.status === 'failed' ? merged : { ...merged, status };
  }
  return { status, sides, ...(stopped !== undefined ? { stopped } : {}) };
}
