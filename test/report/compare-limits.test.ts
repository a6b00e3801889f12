import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, LimitError, mergeLimits, parseLimit, parseLimitsJson } from '../../report/compare-limits.ts';

describe('parseLimit', () => {
  it('reads relative and absolute limits, with or without the plus, with unit suffixes', () => {
    expect(parseLimit('latency.p99=+15%')).toEqual({ figure: 'latency.p99', relative: 0.15 });
    expect(parseLimit('latency.p99=15%')).toEqual({ figure: 'latency.p99', relative: 0.15 });
    expect(parseLimit('perDelivered.connections=+0.001')).toEqual({ figure: 'perDelivered.connections', absolute: 0.001 });
    expect(parseLimit('latency.p99=+2ms')).toEqual({ figure: 'latency.p99', absolute: 2000 });
    expect(parseLimit('latency.p50=+500us')).toEqual({ figure: 'latency.p50', absolute: 500 });
    expect(parseLimit('latency.max=+1.5s')).toEqual({ figure: 'latency.max', absolute: 1_500_000 });
    expect(parseLimit('perDelivered.bytes=+2KB')).toEqual({ figure: 'perDelivered.bytes', absolute: 2048 });
    expect(parseLimit('server.rssWindowBytes=+8MiB')).toEqual({ figure: 'server.rssWindowBytes', absolute: 8 * 1024 * 1024 });
    expect(parseLimit('wire.emptyPollShare=+0.05')).toEqual({ figure: 'wire.emptyPollShare', absolute: 0.05 });
    expect(parseLimit(' latency.p99 = +0% ')).toEqual({ figure: 'latency.p99', relative: 0 });
  });

  it('names the bad entry and lists the valid figures for an unknown one', () => {
    expect(() => parseLimit('latency.p95=+10%')).toThrow(LimitError);
    expect(() => parseLimit('latency.p95=+10%')).toThrow(/^--max: unknown figure "latency\.p95"; valid figures: latency\.p50, latency\.p90, .*wire\.emptyPollShare$/);
  });

  it('refuses a missing "=", a negative or non-numeric value, and a suffix of another unit', () => {
    expect(() => parseLimit('latency.p99')).toThrow('--max "latency.p99": write FIGURE=+N% (relative to the baseline) or FIGURE=+N');
    expect(() => parseLimit('latency.p99=-5%')).toThrow('--max: latency.p99=-5% is not a limit; write +N% (e.g. +15%) or +N, a number of µs (or with µs, us, ms, s), zero or more');
    expect(() => parseLimit('latency.p99=fast')).toThrow('latency.p99=fast is not a limit');
    expect(() => parseLimit('latency.p99=+2KB')).toThrow('latency.p99=+2KB is not a limit');
    expect(() => parseLimit('perDelivered.requests=+1ms')).toThrow('a number of req, zero or more');
    expect(() => parseLimit('server.cpuShare=+5ms')).toThrow('a share, 0.05 = 5 points');
  });
});

describe('parseLimitsJson', () => {
  it('reads a figure → limit object, a limit or a list of them per figure', () => {
    expect(parseLimitsJson('{"latency.p99": "+15%", "perDelivered.connections": ["+10%", "+0.001"]}', 'limits.json')).toEqual([
      { figure: 'latency.p99', relative: 0.15 },
      { figure: 'perDelivered.connections', relative: 0.1 },
      { figure: 'perDelivered.connections', absolute: 0.001 },
    ]);
  });

  it('names the file and the entry in its errors', () => {
    expect(() => parseLimitsJson('{"latency.p99": 15}', 'limits.json')).toThrow('limits.json: "latency.p99" must be a limit string such as "+15%" or a list of them, got 15');
    expect(() => parseLimitsJson('{"speed": "+1%"}', 'limits.json')).toThrow(/^limits\.json, "speed": unknown figure "speed"; valid figures: latency\.p50/);
    expect(() => parseLimitsJson('{"latency.p99": "+x"}', 'limits.json')).toThrow('limits.json, "latency.p99": latency.p99=+x is not a limit');
    expect(() => parseLimitsJson('["latency.p99=+1%"]', 'limits.json')).toThrow('limits.json: expected an object from figure name to limit');
    expect(() => parseLimitsJson('{', 'limits.json')).toThrow(/^limits\.json is not JSON/);
  });
});

describe('mergeLimits', () => {
  it('keeps the built-in limits of the figures the user did not set', () => {
    const { limits, userSet } = mergeLimits([]);
    expect(limits).toEqual(DEFAULT_LIMITS);
    expect(userSet.size).toBe(0);
  });

  it('replaces a figure\'s whole built-in limit with the user\'s parts, missing parts 0', () => {
    const { limits, userSet } = mergeLimits([parseLimit('latency.p99=+15%'), parseLimit('perDelivered.connections=+10%'), parseLimit('perDelivered.connections=+0.001')]);
    expect(limits['latency.p99']).toEqual({ relative: 0.15, absolute: 0 });
    expect(limits['perDelivered.connections']).toEqual({ relative: 0.1, absolute: 0.001 });
    expect(limits['latency.p50']).toEqual(DEFAULT_LIMITS['latency.p50']);
    expect([...userSet].sort()).toEqual(['latency.p99', 'perDelivered.connections']);
  });

  it('refuses the same part of a figure given twice', () => {
    expect(() => mergeLimits([parseLimit('latency.p99=+15%'), parseLimit('latency.p99=+20%')])).toThrow('the relative limit of latency.p99 is given twice; give each once');
  });
});
