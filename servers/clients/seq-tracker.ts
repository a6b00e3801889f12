import type { ChatMessage } from '../contract/index.ts';

/** What a client of a lossy channel counted, over all its rooms. */
export interface GapCounts {
  /** Seqs found missing when a later one arrived (each counted once). */
  gaps: number;
  /** Of those, seqs that arrived later on the channel (reordered, not lost). */
  late: number;
  /** Of those, seqs fetched over HTTP (`GET /rooms/:room/messages?cursor=`). */
  fetched: number;
  /** Messages that came again on the channel and were dropped (a resubscription's replay); a fetched page's known ones are not counted. */
  duplicates: number;
}

export function emptyGapCounts(): GapCounts {
  return { gaps: 0, late: 0, fetched: 0, duplicates: 0 };
}

/**
 * One room's messages as they come on a channel that may lose or reorder frames (`chat-lossy`):
 * each seq is let through once, whatever the order; a seq beyond the highest so far marks the ones
 * between as gaps. Cursors are opaque, so the first message of the room sets where counting starts:
 * a loss before it cannot be seen here (the bench's ledger sees it). The cursor after the contiguous
 * part is kept, for fetching what is missing.
 */
export class SeqTracker {
  /** The first seq seen: counting starts there. */
  private first: number | undefined;
  private highest: number | undefined;
  private readonly missing = new Set<number>();
  /** The seqs below the first one seen that came later (out of order at the very start). */
  private readonly early = new Set<number>();
  /** The cursor after each frame's last seq, above the contiguous part (and at it). */
  private readonly cursorAfter = new Map<number, string>();

  constructor(private readonly counts: GapCounts) {}

  /**
   * The messages of one frame not seen before (in the order given), and the frame's cursor noted.
   * `fetched`: they came over HTTP, not on the channel.
   */
  accept(messages: readonly ChatMessage[], cursor: string, fetched = false): ChatMessage[] {
    const fresh: ChatMessage[] = [];
    for (const message of messages) if (this.take(message.seq, fetched)) fresh.push(message);
    const last = messages.at(-1);
    if (last !== undefined) this.cursorAfter.set(last.seq, cursor);
    this.prune();
    return fresh;
  }

  /** Seqs missing right now. */
  get missingCount(): number {
    return this.missing.size;
  }

  /**
   * Where a fetch of the missing seqs starts: the cursor after the contiguous part, and how many
   * seqs from there up to the highest one seen. `undefined` when nothing is missing.
   */
  gap(): { readonly cursor: string; readonly count: number } | undefined {
    if (this.missing.size === 0 || this.highest === undefined) return undefined;
    const contiguous = this.contiguous();
    const cursor = this.cursorAfter.get(contiguous);
    return cursor === undefined ? undefined : { cursor, count: this.highest - contiguous };
  }

  private take(seq: number, fetched: boolean): boolean {
    if (this.first === undefined || this.highest === undefined) {
      this.first = this.highest = seq;
      return true;
    }
    if (seq > this.highest) {
      for (let s = this.highest + 1; s < seq; s++) this.missing.add(s);
      this.counts.gaps += seq - this.highest - 1;
      this.highest = seq;
      return true;
    }
    if (this.missing.delete(seq)) {
      if (fetched) this.counts.fetched++;
      else this.counts.late++;
      return true;
    }
    if (seq < this.first && !this.early.has(seq)) {
      this.early.add(seq);
      return true;
    }
    if (!fetched) this.counts.duplicates++;
    return false;
  }

  /** The highest seq up to which nothing is missing (from the first one seen). */
  private contiguous(): number {
    let lowest = (this.highest ?? 0) + 1;
    for (const seq of this.missing) if (seq < lowest) lowest = seq;
    return lowest - 1;
  }

  /** Keeps only the cursors from the contiguous part up. */
  private prune(): void {
    const contiguous = this.contiguous();
    for (const seq of this.cursorAfter.keys()) if (seq < contiguous) this.cursorAfter.delete(seq);
  }
}
