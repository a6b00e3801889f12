import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../bench/model/format.ts';
import type { StepResult } from '../../bench/model/results.ts';
import { buildCharts, byteAxis, logAxis, logGridFor, type ChartSpec } from '../../report/charts.ts';
import { checkClaims } from '../../report/claims.ts';
import { loadAssets } from '../../report/assets.ts';
import { renderReport, transportsOf } from '../../report/render.ts';
import { RSS_MIN_CLIENTS, figureCaveat, variantName } from '../../report/select.ts';
import { headline, stepVerdict } from '../../report/verdict.ts';
import { LONG, RAW, SHORT, SSE, WORKLOAD, WS, defaultStep, results, step, variant, withFigures } from './fixture.ts';

const ASSETS = { ...loadAssets(), chartJs: '/* chart.js stand-in </script> */ window.Chart = function () {};' };

/** The default step with its room grown to `members` per room (10 rooms), every figure kept. */
function grown(members: number, base: StepResult = defaultStep()): StepResult {
  return step(`10 rooms × ${members} members`, base.variants, { ...WORKLOAD, members });
}

/** The cells of one row of the "every figure" table, by its label. */
function row(html: string, label: string): string {
  const start = html.indexOf(`<th scope="row">${label}</th>`);
  expect(start, label).toBeGreaterThan(0);
  return html.slice(start, html.indexOf('</tr>', start));
}

describe('the verdict', () => {
  it('names the best transport of each aspect with relative figures, the spread and every knob', () => {
    const lines = stepVerdict(defaultStep());
    const by = Object.fromEntries(lines.map((l) => [l.title, l]));
    expect(by['Fastest delivery (p50)']?.best).toBe('WebSocket');
    expect(by['Fastest delivery (p50)']?.sentence).toBe(
      'WebSocket: 800 µs (rounds: 700 µs to 900 µs); 625× slower for short polling (every 1 s); 1.50× slower for long polling (wait 25 s).',
    );
    expect(by['Fewest HTTP requests per message']?.sentence).toBe(
      'WebSocket: no HTTP request after its handshake; short polling (every 1 s) 0.20 per message; long polling (wait 25 s) 1.10 per message.',
    );
    expect(by['Fewest bytes per message']?.best).toBe('short polling (every 1 s)');
    expect(by['Least server memory per client (heap)']?.sentence).toBe(
      'short polling (every 1 s): 2.93 KiB of V8 heap per client; 2.7× more heap for long polling (wait 25 s); 1.33× more heap for WebSocket.',
    );
  });

  it('calls the p99 a tail, not steadiness', () => {
    const titles = stepVerdict(defaultStep()).map((l) => l.title);
    expect(titles).toContain('Shortest tail latency (p99)');
    expect(titles.join(' ')).not.toMatch(/steadiest/i);
  });

  it('says "tie (within noise)" when the best and another overlap across rounds, and names no winner', () => {
    // Heap per client: WebSocket 3.9–4.3 KiB over three rounds, long polling 4.1–4.6 KiB: the
    // rounds overlap, so which is lower flips from run to run. Short polling is clearly above.
    const base = defaultStep();
    const [short, long, ws, raw] = base.variants as [typeof base.variants[number], typeof base.variants[number], typeof base.variants[number], typeof base.variants[number]];
    const noisy = step(base.step.label, [
      withFigures(short, { 'server.perClientHeapBytes': { median: 9000, min: 8800, max: 9300 } }, 3),
      withFigures(long, { 'server.perClientHeapBytes': { median: 4300, min: 4200, max: 4700 } }, 3),
      withFigures(ws, { 'server.perClientHeapBytes': { median: 4100, min: 4000, max: 4400 } }, 3),
      raw,
    ]);
    const memory = stepVerdict(noisy).find((l) => l.figure === 'server.perClientHeapBytes');
    expect(memory?.best).toBeUndefined();
    expect(memory?.tie).toEqual(['WebSocket', 'long polling (wait 25 s)']);
    expect(memory?.sentence).toBe(
      'Tie within the noise: WebSocket 4.00 KiB of V8 heap per client (rounds: 3.91 KiB to 4.30 KiB), long polling (wait 25 s) 4.20 KiB of V8 heap per client (rounds: 4.10 KiB to 4.59 KiB); ' +
        'their ranges across rounds overlap; 2.2× more heap for short polling (every 1 s).',
    );
    const html = renderReport(results([noisy]), ASSETS);
    expect(html).toContain('Least server memory per client (heap): <span class="tie">tie (within noise)</span>');
    // Ranges that do not overlap still name a winner, however close the medians.
    const apart = step(base.step.label, [
      withFigures(long, { 'server.perClientHeapBytes': { median: 4300, min: 4250, max: 4350 } }, 3),
      withFigures(ws, { 'server.perClientHeapBytes': { median: 4100, min: 4050, max: 4150 } }, 3),
    ]);
    expect(stepVerdict(apart).find((l) => l.figure === 'server.perClientHeapBytes')?.best).toBe('WebSocket');
  });

  it('never names a transport that lost messages as the best, and marks it', () => {
    const fastest = stepVerdict(defaultStep({ wsOk: false })).find((l) => l.title === 'Fastest delivery (p50)');
    expect(fastest?.best).toBe('long polling (wait 25 s)');
    expect(fastest?.sentence).toContain('WebSocket left out: lost or failed');
  });

  it('leaves the baseline out of the verdict', () => {
    for (const line of stepVerdict(defaultStep())) expect(line.sentence).not.toContain('raw ws');
  });
});

describe('the headline', () => {
  it('gives the verdict and the trade-off in two sentences made from the figures', () => {
    expect(headline(results([defaultStep()]))).toBe(
      'WebSocket delivered fastest (p50 800 µs, p99 3.00 ms); short polling (every 1 s) moved the fewest bytes, 440 B per message against 465 B for WebSocket. ' +
        'Short polling (every 1 s) added ~500 ms at p50 but spent 0.20 requests per message against 1.10 for long polling (wait 25 s), whose p50 was 1.20 ms.',
    );
  });

  it('follows the figures: other numbers, other sentences', () => {
    const base = defaultStep();
    const [short, long, ws] = base.variants as [typeof base.variants[number], typeof base.variants[number], typeof base.variants[number]];
    const leanWs = step(base.step.label, [short, long, withFigures(ws, { 'perDelivered.bytes': 300, 'latency.p50': 2000, 'latency.p99': 9000 })]);
    expect(headline(results([leanWs]))).toBe(
      'Long polling (wait 25 s) delivered fastest (p50 1.20 ms, p99 6.00 ms); WebSocket moved the fewest bytes, 300 B per message against 750 B for long polling (wait 25 s). ' +
        'Short polling (every 1 s) added ~500 ms at p50 but spent 0.20 requests per message against 1.10 for long polling (wait 25 s); WebSocket sat between (p50 2.00 ms, 0 requests per message).',
    );
  });

  it('calls equal speed a tie within the noise', () => {
    const tied = step('two', [variant(LONG, { 'latency.p50': { median: 1000, min: 900, max: 1200 }, 'perDelivered.bytes': 700 }, [1000]), variant(WS, { 'latency.p50': { median: 1100, min: 1000, max: 1300 }, 'perDelivered.bytes': 465 }, [1100])]);
    expect(headline(results([tied]))).toBe(
      'Long polling (wait 25 s) (p50 1.00 ms) and WebSocket (p50 1.10 ms) delivered equally fast within the noise across rounds; WebSocket moved the fewest bytes, 465 B per message against 700 B for long polling (wait 25 s).',
    );
  });

  it('leaves out a transport that lost messages, and says so', () => {
    expect(headline(results([defaultStep({ wsOk: false })]))).toMatch(/^Long polling \(wait 25 s\) delivered fastest .* WebSocket \(lost or failed\) is left out: see “Read this first”\.$/);
  });

  it('gives no verdict when no transport delivered everything, and says why in one sentence', () => {
    const lost = step('lost', [variant(SHORT, {}, [500_000], { ok: false }), variant(WS, {}, [800], { ok: false })]);
    expect(headline(results([lost]))).toBe('No transport delivered every message (each lost or failed), so this run gives no verdict between them: see “Read this first”.');
  });

  it('judges bytes and requests in generator-bound rounds, but names no fastest on latency the generator limited', () => {
    const bound = step('bound', [
      variant(SHORT, { 'perDelivered.bytes': 419, 'latency.p50': 400 }, [400], { generatorBound: true }),
      variant(WS, { 'perDelivered.bytes': 466, 'latency.p50': 800 }, [800], { generatorBound: true }),
    ]);
    expect(headline(results([bound]))).toBe(
      'No latency can be judged, so no transport is called fastest; short polling (every 1 s) moved the fewest bytes, 419 B per message. ' +
        'The latency of short polling (every 1 s) and WebSocket (generator-bound in every round) is left out: see “Read this first”.',
    );
    const lines = stepVerdict(bound);
    const bytes = lines.find((l) => l.figure === 'perDelivered.bytes');
    expect(bytes?.best).toBe('short polling (every 1 s)');
    expect(bytes?.sentence).toBe('short polling (every 1 s): 419 B per message; 1.11× more bytes for WebSocket.');
    const p50 = lines.find((l) => l.figure === 'latency.p50');
    expect(p50?.best).toBeUndefined();
    expect(p50?.sentence).toBe(
      'No transport can be judged on this figure: short polling (every 1 s) left out: generator-bound in every round, so its latency measures the load generator; ' +
        'WebSocket left out: generator-bound in every round, so its latency measures the load generator.',
    );
  });

  it('is the first thing on the page, with a stable id', () => {
    const html = renderReport(results([defaultStep()]), ASSETS);
    const at = html.indexOf('<p id="headline" class="headline">WebSocket delivered fastest');
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(html.indexOf('id="alerts"'));
  });
});

describe('figures that are not meaningful', () => {
  it(`does not show RSS per client as a number below ${RSS_MIN_CLIENTS} clients, and says why`, () => {
    const html = renderReport(results([defaultStep()]), ASSETS);
    const cells = row(html, 'server RSS per connected client');
    expect(cells.match(/data-caveat="not meaningful"/g)).toHaveLength(4);
    expect(cells).toContain('not meaningful at 100 clients');
    // The fixture's medians (12 kB, 36 kB, 10 kB, 5 kB) appear nowhere in the row.
    for (const bytes of [12_000, 36_000, 10_000, 5000]) expect(cells).not.toContain(formatBytes(bytes));
    expect(cells).not.toMatch(/>\s*-?\d[\d.,]*\s*(B|KiB|MiB)\s*</);
    expect(html).toContain('Server RSS per client is not meaningful at 100 clients: the server&#39;s RSS moves by megabytes with no client at all, so below 1,000 clients RSS per client is noise.');
  });

  it('shows RSS per client as a number from 1,000 clients on', () => {
    const html = renderReport(results([grown(100)]), ASSETS);
    const cells = row(html, 'server RSS per connected client');
    expect(cells).not.toContain('not meaningful');
    expect(cells).toContain('35.2 KiB');
  });

  it('shows empty polls as not applicable for transports that do not poll', () => {
    const s = defaultStep();
    expect(figureCaveat(s, s.variants[2] as StepResult['variants'][number], 'wire.emptyPollShare')?.kind).toBe('not applicable');
    expect(figureCaveat(s, s.variants[1] as StepResult['variants'][number], 'wire.emptyPollShare')).toBeUndefined();
    const cells = row(renderReport(results([s]), ASSETS), 'share of requests that were empty polls');
    expect(cells.match(/data-caveat="not applicable"/g)).toHaveLength(2);
    expect(cells).toContain('<td>10%</td>');
  });
});

describe('the claims check', () => {
  const claimsOf = (steps: StepResult[]) => Object.fromEntries(checkClaims(results(steps)).map((c) => [c.claim, c]));

  it('weighs each claim against the figures, and says what it could not measure', () => {
    const claims = claimsOf([defaultStep()]);
    expect(claims['Polling adds latency']?.verdict).toBe('supported');
    expect(claims['Polling adds latency']?.evidence[0]).toBe(
      'Short polling (every 1 s): p50 500 ms, mean 500 ms (a message waits for the next poll: about half an interval, 500 ms, on average), p99 990 ms.',
    );
    expect(claims['Every HTTP request pays a handshake (TCP, and TLS where it is used)']?.verdict).toBe('refuted');
    expect(claims['WebSockets scale worse']?.verdict).toBe('not measured');
  });

  it('weighs a handshake over TLS against TLS keep-alive, resumed and full, and names the doubtful variants', () => {
    const poll = { transport: 'short-polling', pollIntervalMs: 250 } as const;
    const at = (id: string, extra: object, cpu: number, bytes: number, p50: number, options: { generatorBound?: boolean } = {}) =>
      variant({ id, ...poll, ...extra }, { 'perDelivered.serverCpuUs': cpu, 'perDelivered.bytes': bytes, 'latency.p50': p50 }, [p50], options);
    const s = step('handshake', [
      at('keep', { keepAlive: true }, 80, 400, 100_000),
      at('fresh', { keepAlive: false }, 140, 900, 100_000),
      at('tls-keep', { keepAlive: true, tls: true }, 100, 500, 100_000),
      at('tls-fresh', { keepAlive: false, tls: true }, 300, 1700, 110_000),
      at('tls-full', { keepAlive: false, tls: true, resumeTls: false }, 320, 2500, 120_000, { generatorBound: true }),
    ]);
    const claim = claimsOf([s])['Every HTTP request pays a handshake (TCP, and TLS where it is used)'];
    expect(claim?.verdict).toBe('refuted');
    expect(claim?.evidence).toContain(
      'Over TLS, a new connection per request (the session resumed, as browsers and Node\'s agent do) costs 3.0× the server CPU per message (300 µs against 100 µs, 200 µs more), 3.4× the bytes (1.66 KiB against 500 B); p50 110 ms against 100 ms.',
    );
    expect(claim?.evidence.some((e) => e.startsWith('Over TLS with a full handshake every time (no session resumption), 3.2× the server CPU per message (320 µs against 100 µs'))).toBe(true);
    expect(claim?.evidence.some((e) => e.startsWith('Doubtful figures: short polling (every 250 ms, new connection per request, over TLS, full handshakes) was generator-bound'))).toBe(true);
    // The chart sets each new-connection run against the keep-alive run of its kind.
    const chart = buildCharts(results([s])).find((c) => c.id === 'handshake');
    const datasets = (chart?.config as { data: { datasets: { label: string; data: number[] }[] } }).data.datasets;
    expect(datasets.map((d) => d.data[0])).toEqual([1, 140 / 80, 3, 3.2]);
  });

  it('qualifies "polling wastes requests and bandwidth" resting on one busy room, and names the workload', () => {
    const claim = claimsOf([defaultStep()])['Polling wastes requests and bandwidth'];
    // Short polling spent fewer requests than long polling and fewer bytes than both, but in a room
    // where each poll finds 10 messages: that does not refute the claim for a quiet room.
    expect(claim?.verdict).toBe('qualified');
    expect(claim?.evidence[0]).toMatch(/^In “10 rooms × 10 members, 1 msg\/s each” \(10 messages a second per room, 10 per poll interval\), short polling \(every 1 s\) spent 0.20 requests/);
    expect(claim?.evidence.at(-1)).toBe(
      'Not here, but this rests on one busy-room workload (“10 rooms × 10 members, 1 msg/s each”), where each poll collects several messages; in a quieter room or with a shorter poll interval the balance turns (the interval scenario measures the second).',
    );
  });

  it('refutes it only when polling was thrifty even in a quiet room, and supports it when polling was wasteful', () => {
    const quietWorkload = { ...WORKLOAD, ratePerMember: 0.02 };
    const quiet = (shortRequests: number, shortBytes: number): StepResult =>
      step('quiet room', [variant(SHORT, { 'perDelivered.requests': shortRequests, 'perDelivered.bytes': shortBytes }, [500_000]), variant(LONG, { 'perDelivered.requests': 1.1, 'perDelivered.bytes': 750 }, [1200])], quietWorkload);
    expect(claimsOf([quiet(0.5, 500)])['Polling wastes requests and bandwidth']?.verdict).toBe('refuted');
    expect(claimsOf([quiet(5.1, 3000)])['Polling wastes requests and bandwidth']?.verdict).toBe('supported');
    const mixed = claimsOf([defaultStep(), quiet(5.1, 3000)])['Polling wastes requests and bandwidth'];
    expect(mixed?.verdict).toBe('qualified');
    expect(mixed?.evidence.at(-1)).toBe('It depends on the workload: polling was the wasteful one in “quiet room”, not in “10 rooms × 10 members, 1 msg/s each”.');
  });

  it('never refutes "many held connections are costly" from RSS below 1,000 clients', () => {
    const claim = claimsOf([defaultStep()])['Many held connections are costly'];
    // 7.8 KiB of heap per held poll is below the cheap threshold, but the heap is a lower bound.
    expect(claim?.verdict).toBe('not measured');
    expect(claim?.evidence.join(' ')).toContain('RSS per client, the whole cost, is not meaningful at 100 clients (it needs 1,000 or more)');
    expect(claim?.evidence.join(' ')).not.toContain('of server RSS');
    expect(claim?.evidence[0]).toContain('projected, not measured: 10,000 × 7.81 KiB = 76.3 MiB');
  });

  it('judges held connections by RSS from 1,000 clients on', () => {
    const base = grown(100);
    expect(claimsOf([base])['Many held connections are costly']?.verdict).toBe('qualified');
    const cheap = step(base.step.label, base.variants.map((v) => withFigures(v, { 'server.perClientRssBytes': 9000 })), base.step.workload);
    expect(claimsOf([cheap])['Many held connections are costly']?.verdict).toBe('refuted');
    const costly = step(base.step.label, base.variants.map((v) => withFigures(v, { 'server.perClientRssBytes': 90_000 })), base.step.workload);
    expect(claimsOf([costly])['Many held connections are costly']?.verdict).toBe('supported');
  });

  describe('"SSE costs almost what a WebSocket costs"', () => {
    const CLAIM = 'SSE costs almost what a WebSocket costs';
    // WebSocket in the fixture: p50 800 µs (rounds 700 to 900), p99 3 ms, 465 B and 60 µs of CPU per message.
    const withSse = (f: Parameters<typeof variant>[1]): StepResult => {
      const base = defaultStep();
      const sse = variant(SSE, { 'latency.p50': 850, 'latency.p99': 3300, 'perDelivered.bytes': 520, 'perDelivered.serverCpuUs': 75, ...f }, [800, 850, 3300]);
      return step(base.step.label, [...base.variants, sse], base.step.workload);
    };

    it('is not measured without SSE beside WebSocket', () => {
      expect(claimsOf([defaultStep()])[CLAIM]?.verdict).toBe('not measured');
    });

    it('is supported when every figure is within 1.5× of WebSocket, and says by how much', () => {
      const claim = claimsOf([withSse({})])[CLAIM];
      expect(claim?.verdict).toBe('supported');
      expect(claim?.evidence[0]).toBe(
        'In “10 rooms × 10 members, 1 msg/s each”, SSE against WebSocket: server CPU per message 75.0 µs against 60.0 µs (1.25×); bytes per message 520 B against 465 B (1.12×); ' +
          'p50 850 µs against 800 µs (1.06×, within the noise across rounds); p99 3.30 ms against 3.00 ms (1.10×).',
      );
      expect(claim?.evidence[1]).toMatch(/^Almost means within 1.5× of WebSocket \(or within the noise across rounds\) on every figure; beyond 3× on any refutes the claim\./);
    });

    it('is qualified between 1.5× and 3× on any figure, and refuted beyond 3×', () => {
      expect(claimsOf([withSse({ 'perDelivered.serverCpuUs': 120 })])[CLAIM]?.verdict).toBe('qualified');
      expect(claimsOf([withSse({ 'perDelivered.bytes': 1500 })])[CLAIM]?.verdict).toBe('refuted');
    });

    it('is not judged, never refuted or supported, when it would rest on latencies the generator limited', () => {
      const base = defaultStep();
      // p99 10× WebSocket's, but only from rounds the generator limited: not evidence either way.
      const sse = variant(SSE, { 'latency.p50': 850, 'latency.p99': 30_000, 'perDelivered.bytes': 520, 'perDelivered.serverCpuUs': 75 }, [800, 850, 30_000], { generatorBound: true });
      const claim = claimsOf([step(base.step.label, [...base.variants, sse], base.step.workload)])[CLAIM];
      expect(claim?.verdict).toBe('not judged');
      expect(claim?.evidence[0]).toBe(
        "Not judged: it would rest on SSE's p50 (generator-bound in every round, so its latency measures the load generator) and SSE's p99 (generator-bound in every round, so its latency measures the load generator).",
      );
      // Figures the report trusts that are far apart still refute it.
      const heavy = variant(SSE, { 'latency.p50': 850, 'latency.p99': 3300, 'perDelivered.bytes': 5200, 'perDelivered.serverCpuUs': 75 }, [800], { generatorBound: true });
      expect(claimsOf([step(base.step.label, [...base.variants, heavy], base.step.workload)])[CLAIM]?.verdict).toBe('refuted');
    });

    it('counts a figure within the noise across rounds as level, however far the medians', () => {
      const noisy = withSse({ 'latency.p50': { median: 2000, min: 850, max: 2500 } });
      expect(claimsOf([noisy])[CLAIM]?.verdict).toBe('supported');
    });
  });
});

describe('the charts', () => {
  const charts = buildCharts(results([defaultStep()]));
  const byId = (id: string): ChartSpec => charts.find((c) => c.id.startsWith(id)) as ChartSpec;

  it('makes the charts the results support, each with data', () => {
    expect(charts.map((c) => c.id)).toEqual([
      'latency-0-10-rooms-10-members-1-msg-s-each',
      'cost-0-10-rooms-10-members-1-msg-s-each',
      'baselines',
      'rss-0-10-rooms-10-members-1-msg-s-each',
      'heap-0-10-rooms-10-members-1-msg-s-each',
      'cpu-0-10-rooms-10-members-1-msg-s-each',
    ]);
    for (const chart of charts) {
      const datasets = (chart.config.data as { datasets: { data: unknown[] }[] }).datasets;
      expect(datasets.length, chart.id).toBeGreaterThan(0);
      for (const d of datasets) expect(d.data.length, chart.id).toBeGreaterThan(0);
    }
  });

  it('marks the end of the warm-up on charts over time, and 1× on the baseline chart', () => {
    for (const id of ['rss-', 'cpu-']) {
      expect(byId(id).markers).toEqual([
        { axis: 'x', value: 2, label: 'warm-up ends' },
        { axis: 'x', value: 9, label: 'window ends' },
      ]);
    }
    expect(byId('baselines').markers).toEqual([{ axis: 'y', value: 1, label: '1× = the baseline' }]);
  });

  it('says what the gridlines of a log axis are, and bounds the axis on gridlines', () => {
    const latency = byId('latency-');
    // 640 µs to 990 ms spans three powers of ten inside the data: decade gridlines.
    expect(latency.logGrid).toEqual({ y: 'decades' });
    expect(latency.caption).toContain('with a gridline at each power of ten: each gridline is ten times the one before');
    expect((latency.config.options as { scales: { y: unknown } }).scales.y).toMatchObject({ type: 'logarithmic', min: 100, max: 1_000_000 });
    expect(logGridFor([640, 3000])).toBe('1-2-5');
    expect(logAxis([640, 3000], 'latency').scale).toMatchObject({ min: 500, max: 5000 });
    expect(logAxis([100, 5000], 'clients').scale).toMatchObject({ min: 100, max: 5000 });
  });

  it('puts byte gridlines on round numbers of a binary unit', () => {
    expect(byteAxis([95 * 1024 ** 2])).toMatchObject({ ticks: { stepSize: 20 * 1024 ** 2 } });
    expect(byteAxis([750])).toMatchObject({ ticks: { stepSize: 100 } });
    expect(byteAxis([])).toEqual({ beginAtZero: true });
  });

  it('draws RSS per client on the scale chart only from 1,000 clients on', () => {
    const scale = [10, 50, 100, 250].map((members) => ({ ...grown(members), step: { ...grown(members).step, x: { name: 'clients', value: 10 * members, unit: 'clients' } } }));
    const memory = buildCharts(results(scale)).find((c) => c.id === 'scale-memory') as ChartSpec;
    const datasets = (memory.config.data as { datasets: { label: string; data: { x: number }[] }[] }).datasets;
    const rss = datasets.filter((d) => d.label.endsWith(' RSS'));
    expect(rss.length).toBeGreaterThan(0);
    for (const d of rss) expect(d.data.map((p) => p.x)).toEqual([1000, 2500]);
    for (const d of datasets.filter((d) => d.label.endsWith(' heap'))) expect(d.data.map((p) => p.x)).toEqual([100, 500, 1000, 2500]);
  });
});

describe('the page', () => {
  const html = renderReport(results([defaultStep({ wsOk: false })]), ASSETS);

  it('is self-contained: no link, no external source, and a policy that forbids requests', () => {
    expect(html).toContain(`content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"`);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/\s(src|href)\s*=\s*["']?(https?:)?\/\//i);
  });

  it('escapes text from the results and keeps inlined scripts closed', () => {
    expect(html).toContain('Test CPU &lt;script&gt;');
    expect(html).not.toContain('Test CPU <script>');
    expect(html).toContain('chart.js stand-in <\\/script>');
  });

  it('puts a run that lost messages first, prominently, and warns that claims resting on it are weak', () => {
    const alerts = html.indexOf('id="alerts"');
    expect(alerts).toBeGreaterThan(0);
    expect(alerts).toBeLessThan(html.indexOf('id="verdict"'));
    expect(html).toContain('lost or mis-delivered messages');
    expect(html).toContain('a verdict that rests on them is weak');
    expect(renderReport(results([defaultStep()]), ASSETS)).not.toContain('a verdict that rests on them is weak');
  });

  it('has the verdict, the claims, every figure, the anchors and the method', () => {
    for (const id of ['headline', 'verdict', 'charts', 'claims', 'targets', 'figures', 'anchors', 'method']) expect(html).toContain(`id="${id}"`);
    expect(html).toContain('HTTP requests per delivered message');
    expect(html).toContain('room-log append');
    expect(html).toContain('Commit <code>0123456789ab</code>');
  });

  it('labels each figure for what it is, in the right unit', () => {
    // The route ceiling is the median of the rounds' means, not a mean.
    expect(html).toContain('<th>requests/s (median of the rounds)</th><th>range across rounds</th>');
    expect(html).not.toContain('requests/s (mean)');
    // A 700 ns hot path is 700 ns, not "0 µs" or "1 µs".
    expect(html).toContain('<td>700 ns</td><td>1.50 µs</td>');
    // Sizes are IEC, labelled so; no binary size is called KB, MB or GB.
    expect(html).toContain('24.0 GiB');
    expect(html).not.toMatch(/\d (KB|MB|GB)\b/);
    // The knobs of each variant wherever it is named: the table's heads and the method.
    expect(html).toContain('<th>long polling (wait 25 s)</th>');
    expect(html).toContain('short-polling (every 1 s); long-polling (wait 25 s); websocket; raw-ws');
  });

  it('marks a hot path measured on a busy machine as noisy', () => {
    const busy = { ...results([defaultStep()]), micro: [{ name: 'cursor resolve', opsPerSecond: 2e7, meanNs: 692, p99Ns: 120, rme: 103.3, samples: 1000 }] };
    const page = renderReport(busy, ASSETS);
    expect(page).toContain('<td>692 ns</td><td>120 ns</td><td>103.3% <span class="badge refuted">noisy</span></td>');
    expect(page).toContain('A margin of error above 20% (marked noisy) means the machine was busy');
    expect(html).not.toContain('noisy</span>');
  });

  it('shows a hot path measured in rounds (--ci) once, as its median round', () => {
    const round = (r: number, meanNs: number) => ({ name: 'cursor resolve', round: r, opsPerSecond: 1e9 / meanNs, meanNs, p99Ns: 2 * meanNs, rme: 1.5, samples: 1000 });
    const page = renderReport({ ...results([defaultStep()]), micro: [round(0, 900), round(1, 60), round(2, 70)] }, ASSETS);
    expect(page.match(/<th scope="row">cursor resolve<\/th>/g)).toHaveLength(1);
    expect(page).toContain('<td>70.0 ns</td><td>140 ns</td>');
    expect(page).toContain('Each path’s round with the median mean of its 3 rounds.');
  });

  it('says when the noise was not measured', () => {
    expect(html).toContain('This run had one round, so the noise was not measured');
  });
});

describe('the handshake scenario’s HTTP/1.1-against-HTTP/2 step', () => {
  const over = (v: typeof LONG, http2: boolean) => ({ ...v, id: `${v.id}/tls-http${http2 ? '2' : '1.1'}`, tls: true, ...(http2 ? { http2: true } : {}) });
  // Held polls and streams open no connection in the window on either version: what HTTP/2
  // changes is the connections held, one a client against HTTP/1.1's two.
  const held = (n: number) => ({ 'server.connectionsPerClient': n, 'perDelivered.connections': 0 });
  const s = step('10 rooms × 10 members over TLS: HTTP/1.1 against HTTP/2', [
    variant(over(LONG, false), held(2), [1200]),
    variant(over(LONG, true), held(1), [1200]),
    variant(over(SSE, false), held(2), [900]),
    variant(over(SSE, true), held(1), [900]),
  ]);
  const page = renderReport(results([s], 'handshake'), ASSETS);

  it('shows the TCP connections the server holds per client side by side, beside the connections opened per message', () => {
    const head = page.slice(page.indexOf('<table class="figures">'), page.indexOf('</thead>', page.indexOf('<table class="figures">')));
    expect(head).toContain('<th>long polling (wait 25 s, over TLS)</th><th>long polling (wait 25 s, over TLS, HTTP/2)</th><th>SSE (over TLS)</th><th>SSE (over TLS, HTTP/2)</th>');
    expect(row(page, 'TCP connections the server holds per client')).toContain('<td>2.00</td><td>1.00</td><td>2.00</td><td>1.00</td>');
    expect(row(page, 'TCP connections opened per delivered message')).toContain('<td>0</td><td>0</td><td>0</td><td>0</td>');
  });
});

describe('variant names', () => {
  it('carry every knob, and say when one was not recorded', () => {
    expect(variantName({ id: 's', transport: 'short-polling', pollIntervalMs: 250, keepAlive: false })).toBe('short polling (every 250 ms, new connection per request)');
    expect(variantName({ id: 's', transport: 'short-polling' })).toBe('short polling (poll interval not recorded)');
    expect(variantName({ id: 'l', transport: 'long-polling', waitMs: 25_000 })).toBe('long polling (wait 25 s)');
    expect(variantName({ id: 'w', transport: 'websocket' })).toBe('WebSocket');
  });
});

describe('the names of what was measured', () => {
  it('the page names the chat transports the run measured, baselines left out', () => {
    expect(transportsOf(results([defaultStep()]))).toBe('short polling, long polling and WebSocket');
    const withRaw = step('with the raw baseline', [variant(WS, {}, [1]), variant(RAW, {}, [1]), variant(SSE, {}, [1])]);
    expect(transportsOf(results([withRaw]))).toBe('WebSocket and SSE');
    expect(renderReport(results([withRaw]), ASSETS)).toContain('<p class="sub">WebSocket and SSE on one chat contract');
  });

  it('a transport measured once per data channel is named with its channel', () => {
    expect(variantName({ id: 'webrtc/reliable', transport: 'webrtc', channel: 'reliable' })).toBe('WebRTC (reliable channel)');
    expect(variantName({ id: 'webrtc/lossy', transport: 'webrtc', channel: 'lossy' })).toBe('WebRTC (lossy channel)');
  });
});

describe('the targets', () => {
  it('say "within noise" when the rounds cannot tell met from missed, with why', () => {
    const run = results([defaultStep()]);
    const noisy = { ...run, targets: [{ name: 'short-poll route ceiling against bare fastify', value: 1.26, target: '≥ 0.8×', pass: null, note: 'fixture', noise: 'the ranges across rounds overlap' }] };
    const html = renderReport(noisy, ASSETS);
    expect(html).toContain('<span class="badge qualified">within noise</span>');
    expect(html).toContain('fixture; within noise: the ranges across rounds overlap');
    expect(renderReport(run, ASSETS)).toContain('<span class="badge supported">met</span>');
  });
});
