/**
 * The power of the CI gate: how often it calls a real regression, and how rarely it calls one in
 * unchanged code, at the --ci preset's 6 rounds a side, on simulated noise as large as the shared
 * 2-core machine shows (SCATTER in rounds.ts: latency scattered by ±30–60% between rounds, whole
 * runs drifting by 10–25%). The "Detection thresholds" table of bench/METHOD.md comes from the same model.
 */
import { describe, expect, it } from 'vitest';
import type { FigureKey } from '../../bench/model/results.ts';
import { DEFAULT_LIMITS } from '../../report/compare-limits.ts';
import { compareResults } from '../../report/compare.ts';
import { SCATTER, catchRate, noisyRun, seeded } from './rounds.ts';

const ROUNDS = 6;

/** Figures judged by their relative limit at their typical value (the others sit on their absolute part). */
const RELATIVE = (Object.keys(SCATTER) as FigureKey[]).filter((key) => DEFAULT_LIMITS[key].relative * SCATTER[key].value > DEFAULT_LIMITS[key].absolute);

describe('the gate at 6 rounds a side', () => {
  it('judges most figures by their relative limit', () => {
    expect(RELATIVE).toEqual(expect.arrayContaining(['latency.p50', 'latency.p99', 'perDelivered.serverCpuUs', 'server.cpuShare']));
  });

  it('catches a real regression of 1.5× the limit at least half the time, on every figure judged by its relative limit but event-loop delay', { timeout: 120_000 }, () => {
    const random = seeded(2026);
    const rates: Record<string, number> = {};
    for (const key of RELATIVE) rates[key] = catchRate(random, key, 1 + 1.5 * DEFAULT_LIMITS[key].relative, ROUNDS, 300);
    for (const key of RELATIVE) {
      // Event-loop delay scatters by ±90% a round: no limit a 6-round gate can hold is both quiet and sharp.
      if (key === 'server.eventLoopDelay.p99') continue;
      expect(rates[key], key).toBeGreaterThanOrEqual(0.5);
    }
    // Server CPU and bytes scatter little: caught nearly always.
    expect(rates['perDelivered.serverCpuUs']).toBeGreaterThanOrEqual(0.8);
    expect(rates['perDelivered.bytes']).toBeGreaterThanOrEqual(0.9);
  });

  it('calls a 30% change of latency p99 almost never (below its detection threshold), 2.5× most of the time, and 45% more server CPU nearly always', { timeout: 60_000 }, () => {
    const random = seeded(7);
    // 30% is within p99's limit (90%): called only when the noise lifts the median past the limit.
    expect(catchRate(random, 'latency.p99', 1.3, ROUNDS, 200)).toBeLessThan(0.05);
    // 2.5× (+150%, 1.7× its limit) is called most of the time.
    expect(catchRate(random, 'latency.p99', 2.5, ROUNDS, 300)).toBeGreaterThan(0.6);
    expect(catchRate(random, 'perDelivered.serverCpuUs', 1.45, ROUNDS, 300)).toBeGreaterThan(0.8);
  });

  it('fails at most 6 of 1000 pairs of unchanged runs, over every figure of 4 transports', { timeout: 180_000 }, () => {
    const random = seeded(99);
    let failed = 0;
    for (let i = 0; i < 1000; i++) {
      if (compareResults(noisyRun(random, ROUNDS), noisyRun(random, ROUNDS)).regressions.length > 0) failed++;
    }
    // About 3.5 in 1000 (7 of 2000 with another seed): ten consecutive pairs all pass about 96 times in 100.
    expect(failed).toBeLessThanOrEqual(6);
  });
});
