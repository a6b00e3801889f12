/**
 * The capacity step search (bench/METHOD.md, "Capacity"): clients stepped up by ×1.5 from a start
 * until a step fails (or, when the start itself fails, down by ÷1.5 until one passes), then the
 * interval between the last pass and the first fail halved until it is within a resolution. Pure:
 * it is given the trial as a function, so that its tests drive it with a fake one and assert the
 * exact steps.
 *
 * Clients come in whole rooms (`unit` clients each), so every step is a multiple of `unit`.
 */

import type { CapacityResult, Failure, FailureKind } from '../model/results.ts';
import { stopOf } from '../model/capacity-words.ts';

export type { Failure, FailureKind } from '../model/results.ts';

/**
 * The failures that are a verdict on the transport. The others say the step could not be judged:
 * the generator was the bottleneck (`generator`), one server process cannot hold that many sockets
 * (`fd-limit`), or the trial could not run (`error`).
 */
export const VERDICT_FAILURES: readonly FailureKind[] = ['latency', 'loss', 'server-cpu'];

/** What a step's trial came to: it passed, or these failed. */
export interface Outcome {
  readonly pass: boolean;
  /** Empty when it passed. */
  readonly failures: readonly Failure[];
}

/** Why the search stopped, and so what its number means: see {@link CapacityResult.stop}. */
export type StopReason = CapacityResult['stop'];

export interface SearchOptions {
  /** Clients of the first step; rounded up to whole rooms. */
  readonly startClients: number;
  /** The most clients a step may have (rounded down to whole rooms). */
  readonly maxClients: number;
  /** Clients per room: every step is a multiple of it. */
  readonly unit: number;
  /**
   * Stop halving once the interval between the last pass and the first fail is at most this share
   * of the last pass (0.1: within 10%), or one room.
   */
  readonly resolution: number;
  /** Growth factor of the steps up: 1.5 by default. */
  readonly factor?: number;
}

export interface SearchStep<T extends Outcome> {
  readonly clients: number;
  /** `up` while stepping up, `down` below a start that failed, `halving` between the last pass and the first fail. */
  readonly phase: 'up' | 'down' | 'halving';
  readonly outcome: T;
}

export interface SearchResult<T extends Outcome> {
  /** Every step tried, in order. */
  readonly steps: readonly SearchStep<T>[];
  /** The most clients that passed (`null`: none did). */
  readonly lastPass: number | null;
  /** The fewest clients that failed (`null`: none did). */
  readonly firstFail: number | null;
  /** What failed at `firstFail` (empty when nothing failed). */
  readonly cause: readonly Failure[];
  readonly stop: StopReason;
}

/** The growth factor when not given. */
export const STEP_FACTOR = 1.5;

/** Checks the options; throws a RangeError naming the one that is wrong. */
export function checkSearchOptions(o: SearchOptions): void {
  const factor = o.factor ?? STEP_FACTOR;
  if (!Number.isInteger(o.unit) || o.unit < 1) throw new RangeError(`unit (clients per room) must be a whole number ≥ 1, got ${o.unit}`);
  if (!(o.startClients >= o.unit)) throw new RangeError(`the start (${o.startClients} clients) must be at least one room of ${o.unit}`);
  if (!(o.maxClients >= o.startClients)) throw new RangeError(`the most clients (${o.maxClients}) must be at least the start (${o.startClients})`);
  if (!(o.resolution > 0)) throw new RangeError(`the resolution must be a share above 0, got ${o.resolution}`);
  if (!(factor > 1)) throw new RangeError(`the step factor must be above 1, got ${factor}`);
}

/**
 * Runs the search. `trial(clients)` runs one step; it may throw only to stop the run (an
 * interruption): a step that could not run should come back as a failure of kind `error`.
 * `onStep` hears of each step as it is done.
 */
export async function searchCapacity<T extends Outcome>(
  trial: (clients: number) => Promise<T>,
  options: SearchOptions,
  onStep?: (step: SearchStep<T>) => void,
): Promise<SearchResult<T>> {
  checkSearchOptions(options);
  const { unit } = options;
  const factor = options.factor ?? STEP_FACTOR;
  const startRooms = Math.ceil(options.startClients / unit);
  const maxRooms = Math.max(startRooms, Math.floor(options.maxClients / unit));
  const steps: SearchStep<T>[] = [];
  // The bracket so far: the most rooms that passed, the fewest that failed.
  const bracket: { pass: number | null; fail: { rooms: number; outcome: T } | null } = { pass: null, fail: null };

  const run = async (rooms: number, phase: SearchStep<T>['phase']): Promise<T> => {
    const outcome = await trial(rooms * unit);
    const step = { clients: rooms * unit, phase, outcome };
    steps.push(step);
    onStep?.(step);
    if (outcome.pass) bracket.pass = rooms;
    else bracket.fail = { rooms, outcome };
    return outcome;
  };
  const finish = (stop: StopReason): SearchResult<T> => ({
    steps,
    lastPass: bracket.pass === null ? null : bracket.pass * unit,
    firstFail: bracket.fail === null ? null : bracket.fail.rooms * unit,
    cause: bracket.fail === null ? [] : bracket.fail.outcome.failures,
    stop,
  });

  // Up by the factor (at least one room more each step) until a step fails or the cap passes.
  let rooms = startRooms;
  for (;;) {
    const outcome = await run(rooms, 'up');
    if (!outcome.pass) break;
    if (rooms >= maxRooms) return finish('max-clients');
    rooms = Math.min(maxRooms, Math.max(rooms + 1, Math.ceil(rooms * factor)));
  }
  // The start failed: down by the factor (at least one room fewer each step) until a step passes.
  // Every step down that fails is the fewest clients failed so far, so the bracket stays tight.
  while (bracket.pass === null && rooms > 1) {
    rooms = Math.max(1, Math.min(rooms - 1, Math.floor(rooms / factor)));
    await run(rooms, 'down');
  }
  const failed = bracket.fail as { rooms: number; outcome: T } | null;
  if (bracket.pass === null || failed === null) return finish('below-start');

  // Halve the interval until it is within the resolution of the last pass, or one room. A halving
  // step that fails becomes the first fail, so the cause is always that of the fewest clients failed.
  for (;;) {
    const low: number = bracket.pass;
    const high = (bracket.fail ?? failed).rooms;
    // Rounded up to whole rooms, as the steps up are: at `--quick`'s resolution of 100% a step up
    // by ×2 (⌈2 × low⌉ rooms) is already within it, so `--quick` never halves.
    if (high - low <= Math.max(1, Math.ceil(options.resolution * low))) break;
    await run(Math.floor((low + high) / 2), 'halving');
  }
  return finish(stopOf((bracket.fail ?? failed).outcome.failures));
}
