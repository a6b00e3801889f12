import { describe, expect, it } from 'vitest';
import { formatNs, formatUs } from '../../bench/model/format.ts';

describe('durations below a microsecond', () => {
  it('are written in ns, so a sub-µs hot path is never "0 µs"', () => {
    expect(formatUs(0.468)).toBe('468 ns');
    expect(formatUs(0.9996)).toBe('1.00 µs');
    expect(formatUs(5.4)).toBe('5.40 µs');
    expect(formatUs(-1.5)).toBe('-1.50 µs');
  });

  it("are read from tinybench's ns by formatNs", () => {
    expect(formatNs(468)).toBe('468 ns');
    expect(formatNs(1500)).toBe('1.50 µs');
    expect(formatNs(2_500_000)).toBe('2.50 ms');
  });
});
