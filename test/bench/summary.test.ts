import { describe, expect, it } from 'vitest';
import { formatSummary, summaryJson, timeLine } from '../../bench/run/summary.ts';
import type { CeilingResult, StepResult, TrialResult, Variant } from '../../bench/model/results.ts';
import { defaultStep, results, step, variant } from '../report/fixture.ts';

const CEILING: CeilingResult = {
  target: 'short-polling GET (empty poll)',
  method: 'GET',
  connections: 100,
  durationMs: 1000,
  requestsPerSecond: { mean: 12_345, stddev: 1, min: 1, max: 2 },
  latencyMs: { p50: 1, p99: 2 },
  requests: 12_345,
  errors: 0,
  non2xx: 0,
  ratioToBare: 0.5,
};

describe('the summary printed at the end of a run', () => {
  const text = formatSummary({ ...results([defaultStep({ wsOk: false })]), ceilings: [CEILING] });
  const lines = text.split('\n');
  const row = (start: string): string => lines.find((l) => l.startsWith(`│ ${start}`)) ?? '';

  it('prints one row per variant with its figures, flagging a variant that lost messages', () => {
    expect(row('short-polling (every 1000 ms)')).toMatch(/│ +500 ms │ +990 ms │ +0\.20 │ +440 B │ +8\.0% │ +2\.93 KiB │ +90\.0 µs │ +1\.00 µs │/);
    expect(row('websocket')).toContain('LOST/FAILED');
    expect(row('long-polling')).not.toContain('LOST/FAILED');
  });

  it('lines up every column: each line of a table is as wide as its border', () => {
    const widths: number[][] = [];
    for (const line of lines) {
      if (line.startsWith('┌')) widths.push([]);
      if (/^[┌│└]/.test(line)) widths.at(-1)?.push(line.length);
    }
    expect(widths).toHaveLength(3);
    for (const table of widths) expect(new Set(table).size).toBe(1);
  });

  it('prints the route ceilings with their ratio to bare fastify, and the targets', () => {
    expect(row('short-polling GET (empty poll)')).toMatch(/│ +12,345 │ +0\.50 │/);
    expect(text).toMatch(/│ target +│ verdict/);
  });
});

describe('the summary of a step that ran HTTP/2', () => {
  const H1: Variant = { id: 'sse/tls-http1.1', transport: 'sse', tls: true };
  const H2: Variant = { id: 'sse/tls-http2', transport: 'sse', tls: true, http2: true };
  const http = step('over TLS: HTTP/1.1 against HTTP/2', [
    variant(H1, { 'server.connectionsPerClient': 2 }, [900]),
    variant(H2, { 'server.connectionsPerClient': 1 }, [900]),
  ]);
  const lines = formatSummary(results([http])).split('\n');
  const row = (start: string): string => lines.find((l) => l.startsWith(`│ ${start}`)) ?? '';

  it('shows the connections the server holds per client beside the bytes, 2 on HTTP/1.1 and 1 on HTTP/2', () => {
    expect(lines.find((l) => l.startsWith('│ variant'))).toMatch(/│ bytes\/msg │ conn\/client │ server cpu │/);
    expect(row('sse/tls-http1.1 (over TLS)')).toMatch(/│ +1 B │ +2\.00 │ +100% │/);
    expect(row('sse/tls-http2 (over TLS, HTTP/2)')).toMatch(/│ +1 B │ +1\.00 │ +100% │/);
  });

  it('leaves the column out of a step without HTTP/2', () => {
    expect(formatSummary(results([defaultStep()]))).not.toContain('conn/client');
  });
});

describe('the summary of a capacity run', () => {
  const step = defaultStep();
  const at = (transport: string) => {
    const v = step.variants.find((x) => x.variant.transport === transport);
    if (!v) throw new Error(`the fixture has ${transport}`);
    return v;
  };
  const base = results([], 'capacity');
  const run = {
    ...base,
    config: { ...base.config, scenario: { ...base.config.scenario, capacity: { sloMs: 250, startClients: 1000, maxClients: 20_000, resolution: 0.5, factor: 1.5 } } },
    capacity: [
      {
        variant: at('long-polling').variant,
        steps: [
          { clients: 1000, phase: 'up' as const, pass: true, failures: [], result: at('long-polling') },
          { clients: 1500, phase: 'up' as const, pass: false, failures: [{ kind: 'latency' as const, detail: 'p99 412 ms > SLO 250 ms' }], result: at('long-polling') },
        ],
        lastPass: 1000,
        firstFail: 1500,
        cause: [{ kind: 'latency' as const, detail: 'p99 412 ms > SLO 250 ms' }],
        stop: 'failed' as const,
      },
      {
        variant: at('websocket').variant,
        steps: [{ clients: 1000, phase: 'up' as const, pass: true, failures: [], result: at('websocket') }],
        lastPass: 1000,
        firstFail: null,
        cause: [],
        stop: 'max-clients' as const,
      },
    ],
  };

  it('prints each transport’s capacity, its p99 there, the first failing step and what failed', () => {
    const lines = formatSummary(run).split('\n');
    expect(lines[0]).toBe('capacity (clients with p99 ≤ 250 ms, nothing lost, the generator not the bottleneck)');
    expect(lines.find((l) => l.startsWith('│ long-polling'))).toMatch(/│ +1,000 │ +6\.00 ms │ +1,500 │ latency: p99 412 ms > SLO 250 ms +│ +2 │/);
    expect(lines.find((l) => l.startsWith('│ websocket'))).toMatch(/│ +≥ 1,000 │ +3\.00 ms │ +– │ every step passed up to the cap \(--capacity-max\) +│ +1 │/);
    expect(lines).toContain('≥ 1,000: every step passed up to the cap (--capacity-max)');
  });

  it('gives the capacities in the --summary-out JSON', () => {
    expect(summaryJson(run, { results: 'r.json', report: 'r.html' }).capacity).toEqual([
      { variant: 'long-polling', lastPass: 1000, firstFail: 1500, stop: 'failed', cause: ['latency: p99 412 ms > SLO 250 ms'] },
      { variant: 'websocket', lastPass: 1000, firstFail: null, stop: 'max-clients', cause: [] },
    ]);
  });
});

describe('where the trials\' time went', () => {
  const timed = (timing: TrialResult['timing']): StepResult => ({ variants: [{ trials: [{ timing } as TrialResult] }] }) as unknown as StepResult;

  it('sums every trial\'s phases, and says nothing when no trial was timed', () => {
    const steps = [timed({ setupMs: 600, runMs: 9100, drainMs: 300, readingsMs: 150, stopMs: 120 }), timed({ setupMs: 700, runMs: 9100, drainMs: 1300, readingsMs: 150, stopMs: 80 })];
    expect(timeLine({ steps })).toBe('2 trials took 21.6 s: setup 1.3 s, start, warm-up and window 18.2 s, drain 1.6 s, readings 0.3 s, stop 0.2 s');
    expect(timeLine({ steps: [timed(undefined)] })).toBeUndefined();
  });

  it('says how many trials were started during the last one\'s warm-up', () => {
    const steps = [timed({ setupMs: 1200, runMs: 9100, drainMs: 20, readingsMs: 100, stopMs: 30 }), timed({ setupMs: 150, runMs: 9100, drainMs: 20, readingsMs: 100, stopMs: 30, startedAhead: true })];
    expect(timeLine({ steps })).toBe("2 trials took 19.9 s: setup 1.4 s (1 of 2 started during the last one's warm-up), start, warm-up and window 18.2 s, drain 0.0 s, readings 0.2 s, stop 0.1 s");
  });
});
