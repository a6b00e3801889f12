/** The detection table's numbers: the smallest shift the paired gate calls in 90% of jobs of unchanged code. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { smallestCaught } from '../../report/paired-reach.ts';
import { runOf } from './rounds.ts';
import { runScript } from './run-script.ts';

const CPU = 'perDelivered.serverCpuUs';
const HALF = { relative: 0.15, absolute: 10 };
const FLAT = [100, 100, 100, 100, 100, 100, 100];
/** Median ratio 1.003, smallest 0.98: caught once the median passes 1.15 (every pair is worse by then). */
const A = { baseline: FLAT, current: [100, 101, 99, 100.3, 102, 98, 100.5] };
/** Median ratio 0.99. */
const B = { baseline: FLAT, current: [99, 101, 99, 99, 102, 98, 100.5] };

describe('smallestCaught', () => {
  it('is the smallest 1% step at which the median ratio passes the paired limit, in 90% of the jobs', () => {
    // 1.003 × 1.15 > 1.15 > 1.003 × 1.14; 0.99 × 1.17 > 1.15 > 0.99 × 1.16.
    expect(smallestCaught(CPU, [A], HALF)).toBe(0.15);
    expect(smallestCaught(CPU, [B], HALF)).toBe(0.17);
    expect(smallestCaught(CPU, [A, B], HALF)).toBe(0.17);
    expect(smallestCaught(CPU, [A, B], HALF, { rate: 0.5 })).toBe(0.15);
  });

  it('needs every pair worse at 7 pairs: one pair at half the base needs the change doubled and more', () => {
    expect(smallestCaught(CPU, [{ baseline: FLAT, current: [50, 101, 99, 100, 102, 98, 100] }], HALF)).toBe(1.01);
  });

  it('is null for a figure whose baseline is 0, which no share moves', () => {
    const zero = [0, 0, 0, 0, 0, 0, 0];
    expect(smallestCaught('perDelivered.connections', [{ baseline: zero, current: zero }], { relative: 0.25, absolute: 0.01 })).toBeNull();
  });
});

describe('npm run bench:detection', () => {
  it('prints the table from job folders of unchanged code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'detection-'));
    try {
      const folders = [A, B].map((job, i) => {
        const folder = join(dir, `unchanged-${i + 1}`);
        mkdirSync(folder);
        writeFileSync(join(folder, 'base.json'), JSON.stringify(runOf({ websocket: { [CPU]: job.baseline } })));
        writeFileSync(join(folder, 'change.json'), JSON.stringify(runOf({ websocket: { [CPU]: job.current } })));
        return folder;
      });
      const { code, out } = await runScript('detection-cli.ts', folders);
      expect(code).toBe(0);
      expect(out).toContain('| transport | figure | paired limit | smallest change caught in ≥ 90% of 2 jobs |');
      expect(out).toContain('| websocket | server CPU per delivered message | 15% | +17% |');
      const pivot = await runScript('detection-cli.ts', ['--figures', `${CPU},latency.p50,wire.emptyPollShare`, ...folders]);
      expect(pivot.code).toBe(0);
      expect(pivot.out).toContain('| figure | paired limit | websocket |');
      expect(pivot.out).toContain('| server CPU per delivered message | 15% | +17% |');
      expect(pivot.out).toMatch(/^\| latency p50 \| 30% \| \+\d+% \|$/m);
      expect(pivot.out.trim().split('\n')).toHaveLength(5);
      const wrong = await runScript('detection-cli.ts', ['--figures', 'no.such', ...folders]);
      expect(wrong.code).toBe(2);
      expect(wrong.err).toContain('unknown: no.such');
      const missing = await runScript('detection-cli.ts', [dir]);
      expect(missing.code).toBe(2);
      expect(missing.err).toContain(`cannot read ${join(dir, 'base.json')}: no such file`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
