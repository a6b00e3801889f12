/** The memory charts over time show each transport's slope, so a leak in a soak run reads as one. */
import { describe, expect, it } from 'vitest';
import type { StepResult, VariantResult } from '../../bench/model/results.ts';
import { buildCharts } from '../../report/charts.ts';
import { defaultStep, results } from './fixture.ts';

function withSlopes(v: VariantResult, heap: number, rss: number): VariantResult {
  const [first, ...rest] = v.trials;
  if (!first?.server) throw new Error('the fixture has a measured first round');
  return { ...v, trials: [{ ...first, server: { ...first.server, heapSlopeBytesPerS: heap, rssSlopeBytesPerS: rss } }, ...rest] };
}

describe('memory over time', () => {
  const base = defaultStep();
  const [short, ...others] = base.variants as [VariantResult, ...VariantResult[]];
  const step: StepResult = { ...base, variants: [withSlopes(short, 2048, -1024), ...others] };
  const charts = buildCharts(results([step]));

  it('charts the V8 heap beside RSS and CPU, with its slope in the caption', () => {
    const heap = charts.find((c) => c.id.startsWith('heap-'));
    expect(heap?.title).toBe(`Server V8 heap over time: ${step.step.label}`);
    expect(heap?.caption).toContain('short polling (every 1 s) +2.00 KiB/s');
  });

  it('writes a falling RSS as a negative slope, and names only transports that have one', () => {
    const rss = charts.find((c) => c.id.startsWith('rss-'));
    expect(rss?.caption).toContain('short polling (every 1 s) −1.00 KiB/s');
    expect(rss?.caption).not.toContain('WebSocket +');
  });

  it('gives the CPU chart no slope', () => {
    expect(charts.find((c) => c.id.startsWith('cpu-'))?.caption).not.toContain('Slope');
  });
});
