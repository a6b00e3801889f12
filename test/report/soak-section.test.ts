import { describe, expect, it } from 'vitest';
import type { BenchResults, SoakResult, TrialResult } from '../../bench/model/results.ts';
import { soakSection } from '../../report/soak-section.ts';

const SOAK: SoakResult = {
  bystanders: { nonReaderJoins: 120, nonReaderReturns: 100, leaves: 1480, failures: 0 },
  leftAfter: {},
  rss: { firstThirdMaxBytes: 80 * 2 ** 20, lastThirdMaxBytes: 82 * 2 ** 20, bounded: true },
  peakWaitingBytes: 12 * 2 ** 20,
  rssGrowthPeakBytes: 30 * 2 ** 20,
  budgetCuts: 0,
  slowConsumerCloses: 95,
  busyRefusals: 0,
};

function results(soaks: readonly (SoakResult | undefined)[]): BenchResults {
  const variants = soaks.map((soak, i) => ({ variant: { id: `v${i}`, transport: 'sse' as const }, trials: [{ round: 0, ...(soak ? { soak } : {}) } as unknown as TrialResult] }));
  return { steps: [{ step: { label: 'soak' }, variants }] } as unknown as BenchResults;
}

describe('soakSection', () => {
  it('is empty for a run without a soak', () => {
    expect(soakSection(results([undefined]))).toBe('');
  });

  it('gives each transport its bystanders, cuts, RSS and the slots left', () => {
    const text = String(soakSection(results([SOAK, { ...SOAK, leftAfter: { streams: 3 }, rss: { ...SOAK.rss, lastThirdMaxBytes: 99 * 2 ** 20, bounded: false } }])));
    expect(text).toContain('<h2>Soak: clients that never read, clients that leave</h2>');
    expect(text).toMatch(/<td>120<\/td><td>1,480<\/td><td>95 \/ 0 \/ 0<\/td>/);
    expect(text).toContain('<td class="good">levelled off</td>');
    expect(text).toContain('<td class="good">none</td>');
    expect(text).toContain('<td class="bad">grew</td>');
    expect(text).toContain('<td class="bad">streams 3</td>');
  });
});
