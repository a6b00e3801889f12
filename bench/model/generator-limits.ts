/**
 * When a trial's numbers measure the load generator rather than the server: pure constants, read
 * by the trial's accounting (bench/model/trial-result.ts) and quoted by the report.
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

/**
 * The delay line of a network with distance is late when packets leave more than this after their
 * due time at p99: a late packet adds its lateness to every delivery it carries, so the trial then
 * measures the line's scheduling, not the transport. Woken by an exact timer at real-time priority
 * it leaves 50–100 µs late at p50 here (a virtual machine's wake-up); 2 ms is twenty times that.
 */
export const DELAY_LINE_LATE_LIMIT_US = 2000;
