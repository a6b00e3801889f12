import { describe, expect, it } from 'vitest';
import { ReceiverLedger } from '../../bench/generator/ledger.ts';
import type { Receipt } from '../../bench/generator/ledger.ts';

function feed(ledger: ReceiverLedger, seqs: readonly number[]): Receipt[] {
  return seqs.map((seq) => ledger.receive(seq));
}

function counts(ledger: ReceiverLedger): Record<string, number> {
  const { received, duplicated, reordered, missing, last } = ledger;
  return { received, duplicated, reordered, missing, last };
}

describe('ReceiverLedger', () => {
  it('counts an in-order stream as all new, with nothing missing', () => {
    const ledger = new ReceiverLedger(1);
    expect(counts(ledger)).toEqual({ received: 0, duplicated: 0, reordered: 0, missing: 0, last: 0 });
    expect(feed(ledger, [1, 2, 3, 4, 5])).toEqual(['new', 'new', 'new', 'new', 'new']);
    expect(counts(ledger)).toEqual({ received: 5, duplicated: 0, reordered: 0, missing: 0, last: 5 });
  });

  it('counts a gap as missing until it is filled, then as reordered', () => {
    const ledger = new ReceiverLedger(1);
    expect(feed(ledger, [1, 2, 5])).toEqual(['new', 'new', 'new']);
    expect(counts(ledger)).toEqual({ received: 3, duplicated: 0, reordered: 0, missing: 2, last: 5 });
    expect(feed(ledger, [4, 6, 3])).toEqual(['reordered', 'new', 'reordered']);
    expect(counts(ledger)).toEqual({ received: 6, duplicated: 0, reordered: 2, missing: 0, last: 6 });
  });

  it('counts a repeat of an in-order seq as a duplicate', () => {
    const ledger = new ReceiverLedger(1);
    expect(feed(ledger, [1, 2, 2, 3, 1, 3])).toEqual(['new', 'new', 'duplicate', 'new', 'duplicate', 'duplicate']);
    expect(counts(ledger)).toEqual({ received: 3, duplicated: 3, reordered: 0, missing: 0, last: 3 });
  });

  it('counts a repeat of a reordered seq as a duplicate', () => {
    const ledger = new ReceiverLedger(1);
    expect(feed(ledger, [1, 3, 2, 2, 3])).toEqual(['new', 'new', 'reordered', 'duplicate', 'duplicate']);
    expect(counts(ledger)).toEqual({ received: 3, duplicated: 2, reordered: 1, missing: 0, last: 3 });
  });

  it('tracks several gaps, filled from the middle, the edges and out of order', () => {
    const ledger = new ReceiverLedger(1);
    // Gaps: 2..4, 6..9, 11.
    expect(feed(ledger, [1, 5, 10, 12])).toEqual(['new', 'new', 'new', 'new']);
    expect(counts(ledger)).toEqual({ received: 4, duplicated: 0, reordered: 0, missing: 8, last: 12 });

    expect(feed(ledger, [11, 7, 3, 6, 9, 2, 4, 8])).toEqual(Array(8).fill('reordered'));
    expect(counts(ledger)).toEqual({ received: 12, duplicated: 0, reordered: 8, missing: 0, last: 12 });

    expect(feed(ledger, [7, 11, 12, 13])).toEqual(['duplicate', 'duplicate', 'duplicate', 'new']);
    expect(counts(ledger)).toEqual({ received: 13, duplicated: 3, reordered: 8, missing: 0, last: 13 });
  });

  it('counts a jump before the first receipt as missing when the start is given', () => {
    const ledger = new ReceiverLedger(1);
    expect(feed(ledger, [5, 6])).toEqual(['new', 'new']);
    expect(counts(ledger)).toEqual({ received: 2, duplicated: 0, reordered: 0, missing: 4, last: 6 });
    expect(feed(ledger, [1])).toEqual(['reordered']);
    expect(counts(ledger)).toEqual({ received: 3, duplicated: 0, reordered: 1, missing: 3, last: 6 });
    // Below the given start: never expected, an extra delivery.
    expect(feed(ledger, [0])).toEqual(['duplicate']);
    expect(counts(ledger)).toEqual({ received: 3, duplicated: 1, reordered: 1, missing: 3, last: 6 });
  });

  it('starts at the first receipt when no start is given', () => {
    const ledger = new ReceiverLedger();
    expect(ledger.last).toBeNaN();
    expect(feed(ledger, [5, 6])).toEqual(['new', 'new']);
    expect(counts(ledger)).toEqual({ received: 2, duplicated: 0, reordered: 0, missing: 0, last: 6 });
    // A lower seq moves the start down: it arrived after later ones, and 3..4 are now missing.
    expect(feed(ledger, [2, 4, 2])).toEqual(['reordered', 'reordered', 'duplicate']);
    expect(counts(ledger)).toEqual({ received: 4, duplicated: 1, reordered: 2, missing: 1, last: 6 });
    expect(feed(ledger, [1, 3])).toEqual(['reordered', 'reordered']);
    expect(counts(ledger)).toEqual({ received: 6, duplicated: 1, reordered: 4, missing: 0, last: 6 });
  });

  it('refuses a seq or start that is not a safe integer', () => {
    expect(() => new ReceiverLedger(1.5)).toThrow(TypeError);
    expect(() => new ReceiverLedger().receive(Number.NaN)).toThrow(TypeError);
  });
});
