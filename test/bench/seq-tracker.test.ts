import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../servers/contract/index.ts';
import { SeqTracker, emptyGapCounts } from '../../servers/clients/seq-tracker.ts';

const message = (seq: number): ChatMessage => ({ room: 'r', seq, id: `m${seq}`, from: 'f', body: 'x', ts: 0 });
const frame = (...seqs: number[]): ChatMessage[] => seqs.map(message);
const seqsOf = (messages: readonly ChatMessage[]): number[] => messages.map((m) => m.seq);

describe('SeqTracker (a room on chat-lossy)', () => {
  it('lets each seq through once, counts gaps, late arrivals and duplicates', () => {
    const counts = emptyGapCounts();
    const tracker = new SeqTracker(counts);
    expect(seqsOf(tracker.accept(frame(5), 'c5'))).toEqual([5]);
    expect(seqsOf(tracker.accept(frame(6, 7), 'c7'))).toEqual([6, 7]);
    expect(seqsOf(tracker.accept(frame(10), 'c10'))).toEqual([10]);
    expect(counts).toEqual({ gaps: 2, late: 0, fetched: 0, duplicates: 0 });
    expect(tracker.missingCount).toBe(2);
    expect(tracker.gap()).toEqual({ cursor: 'c7', count: 3 });
    expect(seqsOf(tracker.accept(frame(9), 'c9'))).toEqual([9]);
    expect(seqsOf(tracker.accept(frame(9, 10), 'c10'))).toEqual([]);
    expect(counts).toEqual({ gaps: 2, late: 1, fetched: 0, duplicates: 2 });
    expect(tracker.gap()).toEqual({ cursor: 'c7', count: 3 });
    expect(seqsOf(tracker.accept(frame(8, 9, 10), 'c10', true))).toEqual([8]);
    expect(counts, 'the known seqs of a fetched page are not duplicates').toEqual({ gaps: 2, late: 1, fetched: 1, duplicates: 2 });
    expect(tracker.missingCount).toBe(0);
    expect(tracker.gap()).toBeUndefined();
  });

  it('takes a seq below the first one seen once (reordered at the very start), without calling it a gap', () => {
    const counts = emptyGapCounts();
    const tracker = new SeqTracker(counts);
    tracker.accept(frame(3), 'c3');
    expect(seqsOf(tracker.accept(frame(2), 'c2'))).toEqual([2]);
    expect(seqsOf(tracker.accept(frame(2), 'c2'))).toEqual([]);
    expect(counts).toEqual({ gaps: 0, late: 0, fetched: 0, duplicates: 1 });
  });

  it('fetches a gap from the cursor after the contiguous part, the end of a frame', () => {
    const tracker = new SeqTracker(emptyGapCounts());
    tracker.accept(frame(1, 2, 3), 'c3');
    tracker.accept(frame(6), 'c6');
    expect(tracker.gap()).toEqual({ cursor: 'c3', count: 3 });
  });
});
