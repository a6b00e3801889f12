/**
 * The verdict and the headline judge each figure on the rounds it may use: a latency drops the
 * rounds the generator limited, a count per message keeps them (issue: "A first run a newcomer can
 * trust"). Per-round values are set exactly (rounds.ts), so the sentences can be asserted.
 */
import { describe, expect, it } from 'vitest';
import type { BenchResults, StepResult } from '../../bench/model/results.ts';
import { headline, judgeable, stepVerdict } from '../../report/verdict.ts';
import { chatVariants, variantName } from '../../report/select.ts';
import { loadAssets } from '../../report/assets.ts';
import { renderReport } from '../../report/render.ts';
import { checkClaims } from '../../report/claims.ts';
import { generatorBound, noisyRun, runOf, seeded } from './rounds.ts';

/** The quick run of the issue: two rounds, the second generator-bound for short and long polling. */
function quickRun(): BenchResults {
  const run = runOf({
    'short-polling': { 'perDelivered.bytes': [419, 421], 'perDelivered.requests': [0.2, 0.2], 'latency.p50': [400_000, 520_000], 'latency.p99': [990_000, 990_000] },
    'long-polling': { 'perDelivered.bytes': [750, 760], 'perDelivered.requests': [1.1, 1.1], 'latency.p50': [1200, 9000], 'latency.p99': [6000, 40_000] },
    websocket: { 'perDelivered.bytes': [466, 466], 'perDelivered.requests': [0, 0], 'latency.p50': [800, 900], 'latency.p99': [3000, 3100] },
  });
  return generatorBound(generatorBound(run, 'short-polling', [1]), 'long-polling', [1]);
}

function only(results: BenchResults): StepResult {
  return results.steps[0] as StepResult;
}

describe('a figure judged on the rounds it may use', () => {
  it('keeps generator-bound rounds for bytes, so the lowest is named best', () => {
    const bytes = stepVerdict(only(quickRun())).find((l) => l.figure === 'perDelivered.bytes');
    expect(bytes?.best).toBe('short polling (every 1 s)');
    expect(bytes?.sentence).toBe('short polling (every 1 s): 420 B per message (rounds: 419 B to 421 B); 1.80× more bytes for long polling (wait 25 s); 1.11× more bytes for WebSocket.');
  });

  it('drops generator-bound rounds from latency, and says how many rounds a figure rests on', () => {
    const p50 = stepVerdict(only(quickRun())).find((l) => l.figure === 'latency.p50');
    expect(p50?.best).toBe('WebSocket');
    expect(p50?.sentence).toBe('WebSocket: 850 µs (rounds: 800 µs to 900 µs); 471× slower for short polling (every 1 s); 1.41× slower for long polling (wait 25 s).');
    const long = judgeable(chatVariants(only(quickRun())), 'latency.p50').judged.find((j) => j.v.variant.id === 'long-polling');
    expect(long).toMatchObject({ rounds: 1, dropped: 1, spread: { median: 1200, min: 1200, max: 1200 } });
  });

  it('gives a headline that agrees with the verdict on every figure it names', () => {
    expect(headline(quickRun())).toBe(
      'WebSocket delivered fastest (p50 850 µs, p99 3.05 ms); short polling (every 1 s) moved the fewest bytes, 420 B per message against 466 B for WebSocket. ' +
        'Short polling (every 1 s) added ~400 ms at p50 but spent 0.20 requests per message against 1.10 for long polling (wait 25 s), whose p50 was 1.20 ms.',
    );
  });

  it('counts the generator-bound rounds in the verdict\'s note, and says in "Read this first" what they spoil', () => {
    const html = renderReport(quickRun(), { ...loadAssets(), chartJs: 'window.Chart = function () {};' });
    expect(html).toContain('2 of the 6 rounds of the transports here were generator-bound.');
    expect(html).toContain('was <strong>generator-bound</strong> in 1 of its 2 rounds');
    expect(html).toContain('its latency is judged on the other rounds only; its requests, bytes and connections per message');
  });

  it('never names a best that is not the lowest, nor a headline that contradicts the verdict, over random runs', () => {
    const random = seeded(24);
    for (let i = 0; i < 40; i++) {
      let run = noisyRun(random, 2 + Math.floor(random() * 3));
      for (const id of ['short-polling', 'long-polling', 'websocket']) if (random() < 0.4) run = generatorBound(run, id, [0]);
      const step = only(run);
      const lines = stepVerdict(step);
      for (const line of lines) {
        if (line.best === undefined) continue;
        const { judged } = judgeable(chatVariants(step), line.figure);
        const best = judged.find((j) => variantName(j.v) === line.best);
        for (const j of judged) expect(best?.spread.median ?? Number.NaN, `${line.title}: ${line.sentence}`).toBeLessThanOrEqual(j.spread.median);
      }
      const text = headline(run);
      const p50 = lines.find((l) => l.figure === 'latency.p50');
      const fastest = /^(.*?) delivered fastest/.exec(text)?.[1];
      if (fastest !== undefined) expect(fastest.toLowerCase(), text).toBe(p50?.best?.toLowerCase());
      if (p50?.best !== undefined) expect(text.toLowerCase(), text).toContain(`${p50.best.toLowerCase()} delivered fastest`);
      const bytes = lines.find((l) => l.figure === 'perDelivered.bytes');
      if (bytes?.best !== undefined && text.includes(' moved the fewest bytes,')) expect(text.toLowerCase(), text).toContain(`${bytes.best.toLowerCase()} moved the fewest bytes,`);
      if (bytes?.best !== undefined && text.includes('at the fewest bytes')) expect(fastest?.toLowerCase(), text).toBe(bytes.best.toLowerCase());
    }
  });
});

describe('a claim resting on a latency the generator limited', () => {
  it('"Polling adds latency" says not judged, naming the latency it would rest on', () => {
    const run = generatorBound(
      runOf({ 'short-polling': { 'latency.p50': [500_000, 500_000] }, websocket: { 'latency.p50': [800, 800] } }),
      'short-polling',
      [0, 1],
    );
    const claim = checkClaims(run).find((c) => c.claim === 'Polling adds latency');
    expect(claim?.verdict).toBe('not judged');
    expect(claim?.evidence).toEqual([
      "Not judged: it would rest on short polling (every 1 s)'s latency (generator-bound in every round, so its latency measures the load generator) in “step”.",
    ]);
  });

  it('"Polling adds latency" is judged on the rounds the generator did not limit', () => {
    const run = generatorBound(
      runOf({ 'short-polling': { 'latency.p50': [500_000, 1000] }, websocket: { 'latency.p50': [800, 800] } }),
      'short-polling',
      [0],
    );
    // Round 0 (500 ms) was the generator's: on round 1 alone short polling is 1.25× WebSocket, not 10×.
    expect(checkClaims(run).find((c) => c.claim === 'Polling adds latency')?.verdict).toBe('qualified');
  });
});

describe('a claim resting on a transport that lost messages', () => {
  it('"Polling wastes requests and bandwidth" says not judged, naming the step and the transport', () => {
    const run = runOf({ 'short-polling': { 'perDelivered.bytes': [400] }, websocket: { 'perDelivered.bytes': [466] } });
    const steps = run.steps.map((s) => ({ ...s, variants: s.variants.map((v) => (v.variant.id === 'websocket' ? { ...v, summary: { ...v.summary, ok: false } } : v)) }));
    const claim = checkClaims({ ...run, steps }).find((c) => c.claim === 'Polling wastes requests and bandwidth');
    expect(claim).toEqual({ claim: 'Polling wastes requests and bandwidth', verdict: 'not judged', evidence: ['Not judged: every step that could show it had a transport that lost messages: “step” (WebSocket lost or failed).'] });
  });
});
