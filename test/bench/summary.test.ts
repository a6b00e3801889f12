import { describe, expect, it } from 'vitest';
import { formatSummary } from '../../bench/summary.ts';
import type { CeilingResult } from '../../bench/results.ts';
import { defaultStep, results } from '../report/fixture.ts';

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
