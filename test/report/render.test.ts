import { describe, expect, it } from 'vitest';
import { buildCharts } from '../../report/charts.ts';
import { checkClaims } from '../../report/claims.ts';
import { renderReport } from '../../report/render.ts';
import { stepVerdict } from '../../report/verdict.ts';
import { defaultStep, results } from './fixture.ts';

const ASSETS = { chartJs: '/* chart.js stand-in </script> */ window.Chart = function () {};' };

describe('the verdict', () => {
  it('names the best transport of each aspect with relative figures and the spread', () => {
    const lines = stepVerdict(defaultStep());
    const by = Object.fromEntries(lines.map((l) => [l.title, l]));
    expect(by['Fastest delivery (p50)']?.best).toBe('WebSocket');
    expect(by['Fastest delivery (p50)']?.sentence).toBe(
      'WebSocket: 800 µs (rounds: 700 µs to 900 µs); 625× slower for short polling (every 1 s); 1.50× slower for long polling.',
    );
    expect(by['Fewest HTTP requests per message']?.sentence).toBe(
      'WebSocket: no HTTP request after its handshake; short polling (every 1 s) 0.20 per message; long polling 1.10 per message.',
    );
    expect(by['Fewest bytes per message']?.best).toBe('short polling (every 1 s)');
    expect(by['Least server memory per client (heap)']?.sentence).toBe(
      'short polling (every 1 s): 2.93 KiB of V8 heap per client; 2.7× more heap for long polling; 1.33× more heap for WebSocket.',
    );
  });

  it('never names a transport that lost messages as the best, and marks it', () => {
    const fastest = stepVerdict(defaultStep({ wsOk: false })).find((l) => l.title === 'Fastest delivery (p50)');
    expect(fastest?.best).toBe('long polling');
    expect(fastest?.sentence).toContain('WebSocket about the same [lost or failed]');
  });

  it('leaves the baseline out of the verdict', () => {
    for (const line of stepVerdict(defaultStep())) expect(line.sentence).not.toContain('raw ws');
  });
});

describe('the claims check', () => {
  it('weighs each claim against the figures, and says what it could not measure', () => {
    const claims = Object.fromEntries(checkClaims(results([defaultStep()])).map((c) => [c.claim, c]));
    // Short polling spent fewer requests than long polling and fewer bytes than both: refuted here.
    expect(claims['Polling wastes requests and bandwidth']?.verdict).toBe('refuted');
    expect(claims['Polling adds latency']?.verdict).toBe('supported');
    expect(claims['Polling adds latency']?.evidence[0]).toBe(
      'Short polling every 1.00 s: p50 500 ms, mean 500 ms (a message waits for the next poll: about half an interval, 500 ms, on average), p99 990 ms.',
    );
    // 100 clients are too few for RSS per client: the heap is judged, 7.81 KiB per held poll is cheap.
    expect(claims['Many held connections are costly']?.verdict).toBe('refuted');
    expect(claims['Many held connections are costly']?.evidence.at(-1)).toContain('With fewer than 1,000 clients the RSS per client is noise');
    expect(claims['Every HTTP request pays a TCP handshake']?.verdict).toBe('refuted');
    expect(claims['WebSockets scale worse']?.verdict).toBe('not measured');
  });
});

describe('the charts', () => {
  it('makes the charts the results support, each with data', () => {
    const charts = buildCharts(results([defaultStep()]));
    expect(charts.map((c) => c.id)).toEqual([
      'latency-0-10-rooms-10-members-1-msg-s-each',
      'cost-0-10-rooms-10-members-1-msg-s-each',
      'baselines',
      'rss-0-10-rooms-10-members-1-msg-s-each',
      'cpu-0-10-rooms-10-members-1-msg-s-each',
    ]);
    for (const chart of charts) {
      const datasets = (chart.config.data as { datasets: { data: unknown[] }[] }).datasets;
      expect(datasets.length, chart.id).toBeGreaterThan(0);
      for (const d of datasets) expect(d.data.length, chart.id).toBeGreaterThan(0);
    }
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

  it('puts a run that lost messages first, prominently', () => {
    const alerts = html.indexOf('id="alerts"');
    expect(alerts).toBeGreaterThan(0);
    expect(alerts).toBeLessThan(html.indexOf('id="verdict"'));
    expect(html).toContain('lost or mis-delivered messages');
  });

  it('has the verdict, the claims, every figure, the anchors and the method', () => {
    for (const id of ['verdict', 'charts', 'claims', 'targets', 'figures', 'anchors', 'method']) expect(html).toContain(`id="${id}"`);
    expect(html).toContain('HTTP requests per delivered message');
    expect(html).toContain('room-log append');
    expect(html).toContain('Commit <code>0123456789ab</code>');
  });
});
