/**
 * The paired job without load: the order of its rounds, and its loop driven by a fake runner that
 * returns hand-made one-round results and a fake clock that advances as the rounds "run".
 */
import { describe, expect, it } from 'vitest';
import { mergeRounds } from '../../../bench/against/merge-rounds.ts';
import { nextFirst, pairOrder, type PlannedRound } from '../../../bench/against/order.ts';
import { runAgainst, type AgainstEvent } from '../../../bench/against/run-against.ts';
import type { BenchResults } from '../../../bench/model/results.ts';
import { generatorBound, runOf } from '../../report/rounds.ts';
import { comparePaired } from '../../../report/compare-paired.ts';

const CPU = 'perDelivered.serverCpuUs';
/** A one-round run of both CI transports with this server CPU per message. */
const oneRound = (cpu: number, status: BenchResults['status'] = 'complete'): BenchResults =>
  runOf({ 'short-polling': { [CPU]: [cpu] }, websocket: { [CPU]: [cpu * 2] } }, status);
const short = (r: PlannedRound): string => `${r.pair}${r.side === 'change' ? 'C' : 'B'}`;

describe('pairOrder', () => {
  it('alternates the side that goes first from pair to pair', () => {
    expect(pairOrder(4, 'change').map(short)).toEqual(['0C', '0B', '1B', '1C', '2C', '2B', '3B', '3C']);
    expect(pairOrder(3, 'base').map(short)).toEqual(['0B', '0C', '1C', '1B', '2B', '2C']);
  });

  it('numbers the rounds in the order they run', () => {
    expect(pairOrder(2, 'change').map((r) => r.index)).toEqual([0, 1, 2, 3]);
  });

  it('refuses no pairs', () => {
    expect(() => pairOrder(0, 'change')).toThrow('needs 1 pair or more, got 0');
  });

  it('starts the next job with the other side, and a first job with the change', () => {
    expect(nextFirst(undefined)).toBe('change');
    expect(nextFirst('change')).toBe('base');
    expect(nextFirst('base')).toBe('change');
    expect(nextFirst('garbage')).toBe('change');
  });
});

describe('mergeRounds', () => {
  it('holds the rounds as one run, each trial numbered by its pair, summaries computed again', () => {
    const merged = mergeRounds([{ pair: 1, results: oneRound(120) }, { pair: 0, results: oneRound(100) }, { pair: 2, results: oneRound(110) }], ['--ci', '--against', 'main']);
    const ws = merged.steps[0]?.variants.find((v) => v.variant.id === 'websocket');
    expect(ws?.trials.map((t) => [t.round, t.perDelivered.serverCpuUs])).toEqual([[0, 200], [1, 240], [2, 220]]);
    expect(ws?.summary.figures[CPU]).toEqual({ median: 220, min: 200, max: 240 });
    expect(ws?.summary.rounds).toBe(3);
    expect(merged.config.scenario.rounds).toBe(3);
    expect(merged.config.argv).toEqual(['--ci', '--against', 'main']);
    expect(merged.status).toBe('complete');
  });

  it('takes the worst status and keeps each warning\'s pair', () => {
    const bad = { ...oneRound(100, 'failed'), warnings: ['a trial could not run'] };
    const merged = mergeRounds([{ pair: 0, results: oneRound(100) }, { pair: 1, results: bad }], []);
    expect(merged.status).toBe('failed');
    expect(merged.warnings).toEqual(['pair 2: a trial could not run']);
  });
});

/** A fake job: the clock moves 10 s per round; the runner answers from `answer`. */
function fakeJob(answer: (round: PlannedRound) => BenchResults | Error) {
  let clock = 0;
  const ran: string[] = [];
  const events: AgainstEvent[] = [];
  const runner = async (round: PlannedRound): Promise<BenchResults> => {
    ran.push(short(round));
    clock += 10_000;
    const a = answer(round);
    if (a instanceof Error) throw a;
    return a;
  };
  return { runner, ran, events, onEvent: (e: AgainstEvent) => events.push(e), now: () => clock };
}

describe('runAgainst', () => {
  it('runs the pairs in order and returns each side as one run, round k of each side from pair k', async () => {
    const job = fakeJob((r) => oneRound(r.side === 'change' ? 135 + r.pair : 100 + r.pair));
    const outcome = await runAgainst({ pairs: 3, first: 'base', argv: ['--ci'] }, job.runner, job.onEvent, { now: job.now });
    expect(job.ran).toEqual(['0B', '0C', '1C', '1B', '2B', '2C']);
    expect(outcome.status).toBe('complete');
    expect(outcome.stopped).toBeUndefined();
    const cpu = (side: 'change' | 'base'): (number | null)[] => outcome.sides[side]?.steps[0]?.variants[0]?.trials.map((t) => t.perDelivered.serverCpuUs) ?? [];
    expect(cpu('base')).toEqual([100, 101, 102]);
    expect(cpu('change')).toEqual([135, 136, 137]);
  });

  it('reports each round with the time so far and the time left, from the rounds so far', async () => {
    const job = fakeJob(() => oneRound(100));
    await runAgainst({ pairs: 2, first: 'change', argv: [] }, job.runner, job.onEvent, { now: job.now });
    const starts = job.events.filter((e) => e.type === 'round-start');
    expect(starts.map((e) => [e.round.index, e.total, e.elapsedMs, e.leftMs])).toEqual([
      [0, 4, 0, undefined],
      [1, 4, 10_000, 30_000],
      [2, 4, 20_000, 20_000],
      [3, 4, 30_000, 10_000],
    ]);
    expect(job.events.filter((e) => e.type === 'round-end').map((e) => e.tookMs)).toEqual([10_000, 10_000, 10_000, 10_000]);
  });

  it('runs another pair in place of each pair a generator-bound round leaves out, alternating as before, up to its spares', async () => {
    // Pair 1's change round and pair 3's base round are generator-bound.
    const bound = new Set(['1C', '3B', '4C', '5B']);
    const job = fakeJob((r) => {
      const run = oneRound(r.side === 'change' ? 135 : 100);
      return bound.has(short(r)) ? generatorBound(run, 'websocket', [0]) : run;
    });
    const outcome = await runAgainst({ pairs: 4, first: 'change', argv: [], spares: 2 }, job.runner, job.onEvent, { now: job.now });
    // Pairs 4 and 5 replace 1 and 3; pair 4 and 5 were bound too, but the spares are spent.
    expect(job.ran).toEqual(['0C', '0B', '1B', '1C', '2C', '2B', '3B', '3C', '4C', '4B', '5B', '5C']);
    expect(job.events.filter((e) => e.type === 'spare')).toEqual([
      { type: 'spare', pair: 1, spare: 4, left: 1 },
      { type: 'spare', pair: 3, spare: 5, left: 0 },
    ]);
    expect(outcome.sides.change?.steps[0]?.variants.find((v) => v.variant.id === 'websocket')?.trials.map((t) => t.round)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('keeps seven comparable pairs of latencies where one round of seven was generator-bound, so that a clear regression is still called', async () => {
    const P50 = 'latency.p50';
    const job = fakeJob((r) => {
      const run = runOf({ websocket: { [P50]: [r.side === 'change' ? 15_000 + r.pair : 10_000 + r.pair] } });
      return short(r) === '3C' ? generatorBound(run, 'websocket', [0]) : run;
    });
    const verdict = async (spares: number): Promise<string | undefined> => {
      const outcome = await runAgainst({ pairs: 7, first: 'change', argv: [], spares }, job.runner, job.onEvent, { now: job.now });
      const comparison = comparePaired(outcome.sides.base as BenchResults, outcome.sides.change as BenchResults);
      return comparison.rows.find((row) => row.figure === P50 && row.variant === 'websocket')?.status;
    };
    expect(await verdict(3)).toBe('regressed');
    expect(job.ran).toHaveLength(16);
    // Without a spare, six pairs of latencies are left: too few for p ≤ 0.01, and the +50% passes.
    expect(await verdict(0)).not.toBe('regressed');
  });

  it('stops at a round that fails, saying which, and marks both sides failed', async () => {
    const job = fakeJob((r) => (r.pair === 1 && r.side === 'base' ? new Error('the bench exited with code 1') : oneRound(100)));
    const outcome = await runAgainst({ pairs: 3, first: 'change', argv: [] }, job.runner, job.onEvent, { now: job.now });
    expect(job.ran).toEqual(['0C', '0B', '1B']);
    expect(outcome.status).toBe('failed');
    expect(outcome.stopped).toBe('pair 2, base: the bench exited with code 1');
    expect(outcome.sides.change?.status).toBe('failed');
    expect(outcome.sides.base?.steps[0]?.variants[0]?.trials).toHaveLength(1);
  });

  it('stops at a round whose run did not complete', async () => {
    const job = fakeJob((r) => (r.index === 2 ? { ...oneRound(100, 'failed'), warnings: ['websocket · round 1: the trial could not run'] } : oneRound(100)));
    const outcome = await runAgainst({ pairs: 3, first: 'change', argv: [] }, job.runner, job.onEvent, { now: job.now });
    expect(outcome.status).toBe('failed');
    expect(outcome.stopped).toBe('pair 2, base: the round\'s run failed (websocket · round 1: the trial could not run)');
  });

  it('stops before the next round once aborted, as interrupted', async () => {
    const controller = new AbortController();
    const job = fakeJob((r) => {
      if (r.index === 1) controller.abort();
      return oneRound(100);
    });
    const outcome = await runAgainst({ pairs: 3, first: 'change', argv: [] }, job.runner, job.onEvent, { now: job.now, signal: controller.signal });
    expect(job.ran).toEqual(['0C', '0B']);
    expect(outcome.status).toBe('interrupted');
    expect(outcome.stopped).toBe('interrupted before pair 2 of 3');
    expect(outcome.sides.base?.status).toBe('interrupted');
  });
});
