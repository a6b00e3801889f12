import { describe, expect, it } from 'vitest';
import { LATENCY_HIGHEST_US, LatencyHistogram } from '../../bench/model/histogram.ts';

// 3 significant digits: 2048 sub-buckets per power of two, so a value is reported as the highest
// of a bucket at most 1/1024 of it wide, always less than 0.1% above it.
const HDR_RELATIVE_ERROR = 1e-3;

function recordAll(values: Iterable<number>): LatencyHistogram {
  const h = new LatencyHistogram();
  for (const v of values) h.record(v);
  return h;
}

function range(from: number, to: number, step = 1): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

describe('LatencyHistogram', () => {
  it('gives exact percentiles below 2048 µs, where every integer has its own bucket', () => {
    expect(recordAll(range(1, 1000)).summary()).toEqual({
      count: 1000,
      mean: 500.5,
      p50: 500,
      p90: 900,
      p99: 990,
      p999: 999,
      max: 1000,
    });
  });

  it('gives HDR values within 0.1% of the true percentiles at larger magnitudes', () => {
    // 7, 14, ..., 700,000 µs: the true p-th percentile is the ceil(p% × n)-th value × 7.
    const summary = recordAll(range(7, 700_000, 7)).summary();
    expect(summary).toEqual({
      count: 100_000,
      mean: 350_004.02651,
      p50: 350_207,
      p90: 630_271,
      p99: 693_247,
      p999: 699_391,
      max: 700_415,
    });
    const truth = { p50: 350_000, p90: 630_000, p99: 693_000, p999: 699_300, max: 700_000 };
    for (const [key, value] of Object.entries(truth)) {
      const reported = summary[key as keyof typeof truth];
      expect(reported).toBeGreaterThanOrEqual(value);
      expect((reported - value) / value).toBeLessThan(HDR_RELATIVE_ERROR);
    }
  });

  it('merges histograms from two processes by adding counts, as if recorded into one', () => {
    const first = range(1, 5000, 3);
    const second = range(2000, 90_000, 11);
    const encoded = [recordAll(first).encode(), recordAll(second).encode()];

    const merged = LatencyHistogram.merge(encoded);
    const single = recordAll([...first, ...second]);
    expect(merged.count).toBe(first.length + second.length);
    expect(merged.summary()).toEqual(single.summary());
    expect(merged.encode()).toBe(single.encode());

    const added = LatencyHistogram.decode(encoded[0] ?? '');
    added.add(LatencyHistogram.decode(encoded[1] ?? ''));
    expect(added.summary()).toEqual(single.summary());
  });

  it('keeps its summary through an encode and decode', () => {
    const h = recordAll([5003, 5003, 12_345, 1_000_001]);
    expect(LatencyHistogram.decode(h.encode()).summary()).toEqual(h.summary());
    expect(h.summary().max).toBe(1_000_447);
  });

  it('rounds to integers and clamps into [1, LATENCY_HIGHEST_US]', () => {
    expect(recordAll([0, -5, 0.4]).summary()).toMatchObject({ count: 3, p50: 1, max: 1 });
    expect(recordAll([2.5, 2.5]).summary()).toMatchObject({ p50: 3, max: 3 });
    expect(recordAll([2.4]).summary()).toMatchObject({ p50: 2, max: 2 });

    const high = recordAll([1e12, Number.POSITIVE_INFINITY, LATENCY_HIGHEST_US]).summary();
    expect(high.count).toBe(3);
    // The top bucket's highest equivalent value, within HDR's precision of the limit.
    expect(high.max).toBe(3_600_809_983);
    expect(high.p50).toBe(3_600_809_983);
    expect((high.max - LATENCY_HIGHEST_US) / LATENCY_HIGHEST_US).toBeLessThan(HDR_RELATIVE_ERROR);
  });

  it('refuses NaN', () => {
    expect(() => new LatencyHistogram().record(Number.NaN)).toThrow(RangeError);
  });

  it('summarizes as all zero when empty, also after a reset and a round trip', () => {
    const zero = { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
    expect(new LatencyHistogram().summary()).toEqual(zero);

    const h = recordAll([10, 20, 30]);
    h.reset();
    expect(h.count).toBe(0);
    expect(h.summary()).toEqual(zero);
    expect(LatencyHistogram.decode(h.encode()).summary()).toEqual(zero);
    expect(LatencyHistogram.merge([]).summary()).toEqual(zero);
  });
});
