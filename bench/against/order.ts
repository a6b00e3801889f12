/**
 * The order in which a paired job runs its rounds. Pair k runs one round of each side; the side
 * that goes first alternates from pair to pair (A B, B A, A B, …), so that a machine warming up
 * or cooling down over the job bills each side for it equally: with A B in every pair, the side
 * always run second would carry the drift within each pair in the same direction, seven pairs
 * out of seven, which is what the signed-rank test calls a change. The first pair's order
 * alternates between jobs as well ({@link nextFirst}).
 */

/** The two sides of a paired job: the code checked out (the change) and the reference it is held against (the base). */
export type Side = 'change' | 'base';

export const SIDES: readonly Side[] = ['change', 'base'];

/** One round of the job: its pair (from 0), the side it measures, its place in the job (from 0). */
export interface PlannedRound {
  readonly pair: number;
  readonly side: Side;
  readonly index: number;
}

export function otherSide(side: Side): Side {
  return side === 'change' ? 'base' : 'change';
}

/** Every round of a job of `pairs` pairs, in the order it runs them, the first pair starting with `first`. */
export function pairOrder(pairs: number, first: Side): PlannedRound[] {
  if (!Number.isInteger(pairs) || pairs < 1) throw new RangeError(`a paired job needs 1 pair or more, got ${pairs}`);
  const rounds: PlannedRound[] = [];
  for (let pair = 0; pair < pairs; pair++) {
    const lead = pair % 2 === 0 ? first : otherSide(first);
    for (const side of [lead, otherSide(lead)]) rounds.push({ pair, side, index: rounds.length });
  }
  return rounds;
}

/**
 * The side the next job starts with, from the one the last job started with (read from where the
 * job keeps it); a first job, with nothing kept, starts with the change.
 */
export function nextFirst(last: string | undefined): Side {
  return last === 'change' ? 'base' : 'change';
}
