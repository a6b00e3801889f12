/**
 * Delivery latency as an HDR histogram of integer microseconds (bench/METHOD.md, "What is measured"):
 * 3 significant digits, from 1 µs to one hour. Histograms from several processes or rounds are
 * merged by adding their counts, never by averaging their percentiles.
 */
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import type { LatencySummary } from './results.ts';

/** Highest latency a histogram tracks, in µs (one hour); longer ones are recorded as this. */
export const LATENCY_HIGHEST_US = 3_600_000_000;

/** Lowest latency a histogram tells apart from zero, in µs; shorter ones are recorded as this. */
export const LATENCY_LOWEST_US = 1;

/** Significant decimal digits kept at every magnitude. */
export const LATENCY_SIGNIFICANT_DIGITS = 3;

// Float64 counts hold exact integers up to 2^53 per bucket; 32-bit counts would silently wrap
// past 4.29e9 once many rounds and processes are added together. The cost is ~190 KB per histogram.
const BIT_BUCKET_SIZE = 64;

function buildHistogram(): Histogram {
  return build({
    bitBucketSize: BIT_BUCKET_SIZE,
    // Values are clamped into range before recording, so the layout never has to change, and
    // every histogram shares it: adding is then a plain sum of two count arrays.
    autoResize: false,
    lowestDiscernibleValue: LATENCY_LOWEST_US,
    highestTrackableValue: LATENCY_HIGHEST_US,
    numberOfSignificantValueDigits: LATENCY_SIGNIFICANT_DIGITS,
    useWebAssembly: false,
  });
}

/**
 * Latencies in µs, recorded as integers from {@link LATENCY_LOWEST_US} to
 * {@link LATENCY_HIGHEST_US} with {@link LATENCY_SIGNIFICANT_DIGITS} significant digits (pure JS,
 * no WebAssembly).
 */
export class LatencyHistogram {
  readonly #histogram: Histogram = buildHistogram();

  /**
   * Records one latency in µs: rounded to an integer, then clamped into
   * [{@link LATENCY_LOWEST_US}, {@link LATENCY_HIGHEST_US}]. Throws a RangeError for NaN.
   */
  record(us: number): void {
    if (Number.isNaN(us)) throw new RangeError('latency must be a number of µs, got NaN');
    this.#histogram.recordValue(Math.min(LATENCY_HIGHEST_US, Math.max(LATENCY_LOWEST_US, Math.round(us))));
  }

  /** Latencies recorded (or added from other histograms). */
  get count(): number {
    return this.#histogram.totalCount;
  }

  /** Adds the counts of `other` to this histogram; `other` is unchanged. */
  add(other: LatencyHistogram): void {
    this.#histogram.add(other.#histogram);
  }

  /**
   * Count, mean, p50, p90, p99, p99.9 and max, in µs; all zero when empty. Percentiles and max
   * are the highest value equivalent to the recorded ones at 3 digits (as HDR reports them), so a
   * histogram gives the same summary before and after an encode and decode.
   */
  summary(): LatencySummary {
    const h = this.#histogram;
    if (h.totalCount === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
    return {
      count: h.totalCount,
      mean: h.mean,
      p50: h.getValueAtPercentile(50),
      p90: h.getValueAtPercentile(90),
      p99: h.getValueAtPercentile(99),
      p999: h.getValueAtPercentile(99.9),
      // The recorded max itself is not kept by an encoding; its bucket's highest value is.
      max: h.getValueAtPercentile(100),
    };
  }

  /** The counts as compressed base64 (HdrHistogram V2 encoding), for {@link LatencyHistogram.decode}. */
  encode(): string {
    return encodeIntoCompressedBase64(this.#histogram);
  }

  /** A histogram holding the counts of one {@link LatencyHistogram.encode} result. */
  static decode(encoded: string): LatencyHistogram {
    return LatencyHistogram.merge([encoded]);
  }

  /** The sum of several encoded histograms (e.g. one per generator process or per round). */
  static merge(encoded: readonly string[]): LatencyHistogram {
    const out = new LatencyHistogram();
    // Adding the decoded counts into a fresh histogram keeps this module's layout and settings
    // whatever the encoding says.
    for (const e of encoded) out.#histogram.add(decodeFromCompressedBase64(e, BIT_BUCKET_SIZE, false, LATENCY_HIGHEST_US));
    return out;
  }

  /** Forgets every recorded latency. */
  reset(): void {
    this.#histogram.reset();
  }
}
