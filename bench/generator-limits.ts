/**
 * When a trial's numbers measure the load generator rather than the server: pure constants, read
 * by the trial's accounting (bench/trial-result.ts) and quoted by the report.
 */

/**
 * A generator using this much of one core (or more) may be what limits the run: its timers and
 * receipts then queue behind each other, and latencies measure the generator.
 */
export const GENERATOR_CPU_LIMIT = 0.85;
/**
 * Sends leaving more than this late against their schedule (p99) mean the generator fell behind.
 * At light load timers fire within 1–2 ms here, so 10 ms is well past noise.
 */
export const GENERATOR_SEND_LAG_LIMIT_US = 10_000;
