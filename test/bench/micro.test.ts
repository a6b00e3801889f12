import { describe, expect, it } from 'vitest';
import { MICRO_TASKS, runMicro } from '../../bench/micro/hot-paths.ts';
import { runBench } from '../../bench/run/run.ts';

describe('runMicro', () => {
  it('measures every hot path once, under its own name', async () => {
    const results = await runMicro({ timeMs: 20, warmupMs: 5 });
    expect(results.map((r) => r.name)).toEqual([
      'encode messages frame',
      'encode SSE event',
      'decode send frame',
      'decode post body',
      'room-log append',
      'room-log append of a retry',
      'room-log append past the stored-bytes budget',
      'room-log read 100 after cursor',
      'cursor resolve',
      'short-poll GET route (empty poll, injected)',
      'short-poll POST route (injected)',
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

  it('runs once a round when a run asks for rounds (--ci), each result numbered by its round', async () => {
    const scenario = { name: 'micro', description: 'hot paths only', rounds: 2, generators: 1, steps: [] };
    const outcome = await runBench({ scenario, seed: 7, pin: false, micro: { timeMs: 10, rounds: 2 }, ceiling: null }, () => undefined);
    expect(outcome.micro.map((m) => `${m.round} ${m.name}`)).toEqual([0, 1].flatMap((round) => MICRO_TASKS.map((name) => `${round} ${name}`)));
  });

  it('refuses an option out of range and names it', async () => {
    await expect(runMicro({ timeMs: 0 })).rejects.toThrow(/timeMs/);
  });
});
