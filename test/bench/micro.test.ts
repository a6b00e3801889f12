import { describe, expect, it } from 'vitest';
import { MICRO_TASKS, runMicro } from '../../bench/micro/hot-paths.ts';

describe('runMicro', () => {
  it('measures every hot path once, under its own name', async () => {
    const results = await runMicro({ timeMs: 20, warmupMs: 5 });
    expect(results.map((r) => r.name)).toEqual([
      'encode messages frame',
      'decode send frame',
      'decode post body',
      'room-log append',
      'room-log read 100 after cursor',
      'cursor resolve',
    ]);
    expect(results.map((r) => r.name)).toEqual([...MICRO_TASKS]);
    for (const result of results) {
      expect(result.opsPerSecond, result.name).toBeGreaterThan(0);
      expect(result.samples, result.name).toBeGreaterThan(0);
      expect(Number.isFinite(result.meanNs), result.name).toBe(true);
      expect(Number.isFinite(result.p99Ns), result.name).toBe(true);
      expect(result.p99Ns, result.name).toBeGreaterThanOrEqual(0);
    }
  });

  it('refuses an option out of range and names it', async () => {
    await expect(runMicro({ timeMs: 0 })).rejects.toThrow(/timeMs/);
  });
});
