/** `--profile`: the window profiler writes a CPU profile DevTools can open, and refuses to start twice or stop unstarted. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WindowProfiler } from '../../servers/common/profiler.ts';
import { profilesSection } from '../../report/profiles-section.ts';
import { LONG, results, step, variant } from '../report/fixture.ts';

describe('the window profiler', () => {
  it('writes a .cpuprofile of what ran between start and stop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'profile-'));
    try {
      const profiler = new WindowProfiler();
      await profiler.start();
      await expect(profiler.start()).rejects.toThrow('the CPU profiler is already running');
      let x = 0;
      for (let i = 0; i < 2_000_000; i++) x += Math.sqrt(i);
      expect(x).toBeGreaterThan(0);
      const file = join(dir, 'w.cpuprofile');
      const bytes = await profiler.stop(file);
      const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: unknown[]; samples: number[]; startTime: number; endTime: number };
      expect(bytes).toBe(readFileSync(file).length);
      expect(profile.nodes.length).toBeGreaterThan(1);
      expect(profile.samples.length).toBeGreaterThan(0);
      expect(profile.endTime).toBeGreaterThan(profile.startTime);
      await expect(profiler.stop(file)).rejects.toThrow('the CPU profiler was not started');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is linked from the report, one link per trial, relative to the results file', () => {
    const v = variant(LONG, {}, [1000]);
    const withProfile = { ...v, trials: v.trials.map((t) => ({ ...t, profile: { file: 'run.profiles/s1-long-polling-r1.cpuprofile', bytes: 2048 } })) };
    const html = String(profilesSection(results([step('one step', [withProfile])])));
    expect(html).toContain('<a href="run.profiles/s1-long-polling-r1.cpuprofile">one step: long polling (wait 25 s), round 1</a> (2.00 KiB)');
    expect(profilesSection(results([step('one step', [v])]))).toBe('');
  });
});
