/**
 * Sequence accounting of one receiver in one room (bench/METHOD.md, "What is measured"): the server numbers
 * each room's messages without gaps, so a gap is a lost message, a repeat a duplicate and a step
 * back a reorder.
 */

/** What one receipt was: the next or a later seq, one already received, or one that was missing. */
export type Receipt = 'new' | 'duplicate' | 'reordered';

/**
 * The seqs one receiver got in one room. Memory grows with the number of gaps still open, not
 * with the number of messages: in order, it holds a few counters.
 */
export class ReceiverLedger {
  /** Next seq expected in order (`last + 1`); NaN until the first receipt when no start was given. */
  #next: number;
  /** The start was set by the first receipt rather than given: a lower seq may still come. */
  readonly #floating: boolean;
  #start: number;
  /** Skipped seqs not received yet: sorted, disjoint, non-adjacent inclusive [from, to] ranges. */
  readonly #gaps: [number, number][] = [];
  #received = 0;
  #duplicated = 0;
  #reordered = 0;
  #missing = 0;

  /**
   * @param startSeq The first seq expected: seqs from it up to a received one count as missing.
   *   When omitted, the first receipt sets it; a lower seq received later then lowers it (that
   *   seq counts as reordered, and the seqs between it and the old start become missing).
   */
  constructor(startSeq?: number) {
    if (startSeq !== undefined) checkSeq('startSeq', startSeq);
    this.#floating = startSeq === undefined;
    this.#start = startSeq ?? Number.NaN;
    this.#next = this.#start;
  }

  /**
   * Accounts one received seq: `new` for the next seq or a jump forward (the seqs skipped become
   * missing), `reordered` for a seq that was missing (it no longer is), `duplicate` for a seq
   * already received. A seq below a given `startSeq` was never expected: it counts as a
   * `duplicate` (an extra delivery), not as received. Throws a TypeError for a seq that is not a
   * safe integer.
   */
  receive(seq: number): Receipt {
    checkSeq('seq', seq);
    if (Number.isNaN(this.#next)) {
      this.#start = seq;
      this.#next = seq;
    }
    if (seq >= this.#next) {
      if (seq > this.#next) this.#addGap(this.#next, seq - 1);
      this.#next = seq + 1;
      this.#received++;
      return 'new';
    }
    if (seq < this.#start) {
      if (!this.#floating) {
        // Before the given start: not expected, so not missing; a step back all the same.
        this.#duplicated++;
        return 'duplicate';
      }
      if (seq < this.#start - 1) this.#gaps.unshift([seq + 1, this.#start - 1]);
      this.#missing += this.#start - 1 - seq;
      this.#start = seq;
      this.#received++;
      this.#reordered++;
      return 'reordered';
    }
    if (this.#fill(seq)) {
      this.#received++;
      this.#reordered++;
      return 'reordered';
    }
    this.#duplicated++;
    return 'duplicate';
  }

  /** Unique seqs received. */
  get received(): number {
    return this.#received;
  }

  /** Receipts of a seq already received. */
  get duplicated(): number {
    return this.#duplicated;
  }

  /** Seqs received after a higher one (they had been missing). */
  get reordered(): number {
    return this.#reordered;
  }

  /** Seqs skipped and not (yet) received. */
  get missing(): number {
    return this.#missing;
  }

  /** Highest seq received: `startSeq - 1` before any, NaN before any when no start was given. */
  get last(): number {
    return this.#next - 1;
  }

  /** Whether `seq` was received. */
  has(seq: number): boolean {
    if (Number.isNaN(this.#next) || seq < this.#start || seq >= this.#next) return false;
    return this.#gapIndex(seq) < 0;
  }

  /** The index of the gap holding `seq`, or -1. */
  #gapIndex(seq: number): number {
    const gaps = this.#gaps;
    let lo = 0;
    let hi = gaps.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const [from, to] = gaps[mid] as [number, number];
      if (seq < from) hi = mid - 1;
      else if (seq > to) lo = mid + 1;
      else return mid;
    }
    return -1;
  }

  #addGap(from: number, to: number): void {
    // Gaps open only at the top, so appending keeps the list sorted.
    this.#gaps.push([from, to]);
    this.#missing += to - from + 1;
  }

  /** Removes `seq` from the gaps; false when it was not missing. */
  #fill(seq: number): boolean {
    const gaps = this.#gaps;
    const mid = this.#gapIndex(seq);
    const gap = gaps[mid];
    if (!gap) return false;
    const [from, to] = gap;
    if (from === to) gaps.splice(mid, 1);
    else if (seq === from) gap[0] = from + 1;
    else if (seq === to) gap[1] = to - 1;
    else gaps.splice(mid, 1, [from, seq - 1], [seq + 1, to]);
    this.#missing--;
    return true;
  }
}

function checkSeq(name: string, value: number): void {
  if (!Number.isSafeInteger(value)) throw new TypeError(`${name} must be a safe integer, got ${String(value)}`);
}
