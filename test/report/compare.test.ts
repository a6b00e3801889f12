import { describe, expect, it } from 'vitest';
import type { FigureKey, Spread, StepResult } from '../../bench/results.ts';
import { IncomparableError, compareResults, relativeRange, worsening } from '../../report/compare.ts';
import { formatComparisonMarkdown, formatComparisonText } from '../../report/compare-format.ts';
import { WORKLOAD, WS, results, variant } from './fixture.ts';

function step(p50: Spread | number, options: { ok?: boolean; requests?: number } = {}, workload = WORKLOAD): StepResult {
  return {
    step: { label: 'step', workload, variants: [WS] },
    variants: [variant(WS, { 'latency.p50': p50, 'perDelivered.requests': options.requests ?? 0 }, [800], options.ok === undefined ? {} : { ok: options.ok })],
  };
}

const P50: FigureKey[] = ['latency.p50'];

describe('relativeRange and worsening', () => {
  it('computes the noise and the change in the bad direction', () => {
    expect(relativeRange({ median: 100, min: 90, max: 110 })).toBe(0.2);
    expect(relativeRange({ median: 0, min: 0, max: 5 })).toBe(0);
    expect(worsening('latency.p50', 100, 120)).toBeCloseTo(0.2, 12);
    expect(worsening('latency.p50', 100, 80)).toBeCloseTo(-0.2, 12);
    expect(worsening('perDelivered.requests', 0, 0)).toBe(0);
    expect(worsening('perDelivered.requests', 0, 0.1)).toBe(Infinity);
  });
});

describe('compareResults', () => {
  it('passes a file compared with itself', () => {
    const r = results([step({ median: 800, min: 700, max: 900 })]);
    const c = compareResults(r, r);
    expect(c.regressions).toEqual([]);
    expect(c.rows.every((row) => row.status === 'unchanged')).toBe(true);
  });

  it('fails a figure worse by more than both the threshold and the noise', () => {
    const c = compareResults(results([step({ median: 1000, min: 980, max: 1020 })]), results([step({ median: 1200, min: 1190, max: 1210 })]), { threshold: 0.1, figures: P50 });
    expect(c.regressions).toHaveLength(1);
    expect(c.regressions[0]).toMatchObject({ figure: 'latency.p50', status: 'regressed', noise: 0.04 });
    expect(c.regressions[0]?.worse).toBeCloseTo(0.2, 12);
  });

  it('passes the same worsening when the rounds were noisier than it', () => {
    const c = compareResults(results([step({ median: 1000, min: 800, max: 1300 })]), results([step(1200)]), { threshold: 0.1, figures: P50 });
    // The baseline's rounds ranged over 50% of its median: a 20% change is within the noise.
    expect(c.rows[0]).toMatchObject({ status: 'unchanged', noise: 0.5 });
  });

  it('passes a change below the threshold, and reports an improvement', () => {
    expect(compareResults(results([step(1000)]), results([step(1050)]), { threshold: 0.1, figures: P50 }).rows[0]?.status).toBe('unchanged');
    expect(compareResults(results([step(1000)]), results([step(700)]), { threshold: 0.1, figures: P50 }).rows[0]?.status).toBe('improved');
  });

  it('fails a figure that was 0 and is not any more', () => {
    const c = compareResults(results([step(800)]), results([step(800, { requests: 0.5 })]), { figures: ['perDelivered.requests'] });
    expect(c.regressions[0]?.worse).toBe(Infinity);
  });

  it('fails a run that lost messages where the baseline did not', () => {
    const c = compareResults(results([step(800)]), results([step(800, { ok: false })]), { figures: P50 });
    expect(c.regressions.map((r) => r.figure)).toEqual(['delivery']);
  });

  it('reports transports missing from either side', () => {
    const empty: StepResult = { step: { label: 'step', workload: WORKLOAD, variants: [] }, variants: [] };
    const c = compareResults(results([step(800)]), results([empty]), { figures: P50 });
    expect(c.rows.map((r) => r.status)).toEqual(['missing']);
    expect(c.regressions).toEqual([]);
  });

  it('refuses results of different scenarios, and of different workloads', () => {
    expect(() => compareResults(results([step(800)], 'default'), results([step(800)], 'scale'))).toThrow(IncomparableError);
    expect(() => compareResults(results([step(800)], 'default'), results([step(800)], 'scale'))).toThrow('the baseline ran scenario "default" and the current run "scale"');
    expect(() => compareResults(results([step(800)]), results([step(800, {}, { ...WORKLOAD, durationMs: 2500 })]))).toThrow(/different workload .*both --quick/);
  });
});

describe('the comparison as text and Markdown', () => {
  const c = compareResults(results([step(1000)]), results([step(1500)]), { threshold: 0.1, figures: P50 });

  it('prints a table with the change and the verdict', () => {
    const text = formatComparisonText(c);
    expect(text.split('\n')[0]).toBe('1 regression(s) in scenario default: worse by more than 10% and by more than the noise across rounds.');
    expect(text).toMatch(/step\s+websocket\s+latency p50\s+1\.00 ms\s+1\.50 ms\s+\+50% worse\s+0%\s+REGRESSED/);
  });

  it('writes Markdown for a CI job summary', () => {
    const md = formatComparisonMarkdown(c);
    expect(md).toContain('| step | transport | figure | baseline | current | change | noise | |');
    expect(md).toContain('| step | websocket | latency p50 | 1.00 ms | 1.50 ms | +50% worse | 0% | **REGRESSED** |');
    expect(md).toContain('❌');
  });
});
