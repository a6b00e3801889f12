import { describe, expect, it } from 'vitest';
import type { BenchResults, BrowserMembersResult, StepResult, TrialResult, VariantResult } from '../../bench/model/results.ts';
import { browserSection } from '../../report/browser-section.ts';
import { byTransport } from '../../report/select.ts';

const BROWSER: BrowserMembersResult = {
  pages: 4,
  members: 20,
  cpuUs: 2_100_000,
  pssBytes: 580 * 2 ** 20,
  dispatch: { count: 140, mean: 900, p50: 1, p90: 2000, p99: 21_500, p999: 60_000, max: 60_000 },
  clockErrorUs: 1500,
};

function results(browsers: readonly (BrowserMembersResult | undefined)[]): BenchResults {
  const variants = browsers.map((browser, i) => ({
    variant: { id: `websocket/browser${i}`, transport: 'websocket' as const, clients: 'browser' as const },
    trials: [{ round: 0, delivery: { delivered: 700 }, generator: { bound: i === 1 }, ...(browser ? { browser } : {}) } as unknown as TrialResult],
  }));
  return { steps: [{ step: { label: '4 rooms × 5 members' }, variants }] } as unknown as BenchResults;
}

describe('browserSection', () => {
  it('is empty for a run without browser members', () => {
    expect(browserSection(results([undefined]))).toBe('');
  });

  it('gives each browser trial its pages, Chromium per delivery and memory, the posts\' lateness and the clock bound', () => {
    const text = String(browserSection(results([BROWSER, BROWSER])));
    expect(text).toContain('<h2>Browser members</h2>');
    // 2.1 s of Chromium's CPU over 700 deliveries: 3 ms each.
    expect(text).toContain('<td>WebSocket (browser members)</td>');
    expect(text).toContain('<td>4 / 20</td><td>3.00 ms</td><td>580 MiB</td>');
    expect(text).toContain('<td>1.00 µs / 21.5 ms</td><td>1.50 ms</td><td class="good">no</td>');
    expect(text).toContain('<td class="bad">yes</td>');
  });
});

describe('byTransport', () => {
  const v = (id: string, clients?: 'browser'): VariantResult => ({ variant: { id, transport: 'sse', ...(clients ? { clients } : {}) } }) as unknown as VariantResult;
  const stepOf = (variants: VariantResult[]): StepResult => ({ variants }) as unknown as StepResult;

  it('speaks of the Node members where a step ran both, wherever they are listed, and of the browser ones where it ran those only', () => {
    expect(byTransport(stepOf([v('sse/browser', 'browser'), v('sse')]), 'sse')?.variant.id).toBe('sse');
    expect(byTransport(stepOf([v('sse/browser', 'browser')]), 'sse')?.variant.id).toBe('sse/browser');
    expect(byTransport(stepOf([v('sse')]), 'websocket')).toBeUndefined();
  });
});
