/**
 * A report of a `--target` run: the bench did not start the servers, so their CPU and memory were
 * not measured, and the page must say so rather than print dashes that read as zero or as missing.
 */
import { describe, expect, it } from 'vitest';
import { summarizeVariant } from '../../bench/model/aggregate.ts';
import type { BenchResults, FigureKey, TrialResult, VariantResult } from '../../bench/model/results.ts';
import { loadAssets } from '../../report/assets.ts';
import { checkClaims } from '../../report/claims.ts';
import { renderReport } from '../../report/render.ts';
import { figureCaveat, serverMeasured } from '../../report/select.ts';
import { LONG, WS, WORKLOAD, defaultStep, results, step } from './fixture.ts';

const ASSETS = { ...loadAssets(), chartJs: 'window.Chart = function () {};' };
/** A round as a --target run leaves it: no server figure. */
function unstarted(t: TrialResult): TrialResult {
  return { ...t, server: null, serverNotMeasured: 'not started by the bench', perDelivered: { ...t.perDelivered, serverCpuUs: null } };
}

/** The figures such a round leaves not measured, as the harness lists them (test/bench/trial-result.test.ts names each). */
const SERVER_FIGURES: readonly FigureKey[] = summarizeVariant([unstarted(defaultStep().variants[0]?.trials[0] as TrialResult)]).notMeasured ?? [];

/** A variant as a --target run leaves it: no server figure in its rounds or its summary. */
function unmeasured(v: VariantResult): VariantResult {
  return { ...v, trials: v.trials.map(unstarted), summary: { ...v.summary, notMeasured: SERVER_FIGURES } };
}

function targetRun(): BenchResults {
  const base = defaultStep();
  const held = base.variants.filter((v) => v.variant.id === LONG.id || v.variant.id === WS.id).map(unmeasured);
  const run = results([step('10 rooms × 100 members', held, { ...WORKLOAD, members: 100 })]);
  return { ...run, config: { ...run.config, target: { urls: { 'long-polling': 'http://127.0.0.1:3001', websocket: 'http://127.0.0.1:3002' }, token: true } } };
}

/** The page holds every text of `has` and none of `lacks`. */
function expectPage(html: string, texts: { readonly has: readonly string[]; readonly lacks: readonly string[] }): void {
  for (const text of texts.has) expect(html).toContain(text);
  for (const text of texts.lacks) expect(html).not.toContain(text);
}

describe('a report of a --target run', () => {
  const run = targetRun();
  const [only] = run.steps;

  it('marks every server figure "not measured", and the client-side figures stay numbers', () => {
    const ws = only?.variants.find((v) => v.variant.id === WS.id) as VariantResult;
    expect(serverMeasured(ws)).toBe(false);
    expect(SERVER_FIGURES).toHaveLength(7);
    for (const key of SERVER_FIGURES) expect(figureCaveat(only!, ws, key)?.kind, key).toBe('not measured');
    expect(figureCaveat(only!, ws, 'latency.p99')).toBeUndefined();
    expect(figureCaveat(only!, ws, 'server.connectionsPerClient')?.why).toContain('(--target)');
    expect(serverMeasured(defaultStep().variants[0] as VariantResult)).toBe(true);
  });

  it('does not judge held connections on memory it did not measure', () => {
    const held = checkClaims(run).find((c) => c.claim === 'Many held connections are costly');
    expect(held?.verdict).toBe('not measured');
    expect(held?.evidence.join(' ')).toContain('--target');
  });

  it('names the servers it ran against, says whether a token was used, and never prints the token', () => {
    const html = renderReport(run, ASSETS);
    expect(html).toContain('Run against servers the bench did not start');
    expect(html).toContain('websocket at <code>http://127.0.0.1:3002</code>');
    expect(html).toContain('with a token');
    expect(html).toMatch(/data-caveat="not measured" data-figure="server.cpuShare"/);
  });
});

describe('RSS reported as a peak by a server at its fd limit', () => {
  it('is shown as an upper bound, not a reading, and the heap stays a number', () => {
    const base = defaultStep();
    const [first, ...rest] = base.variants as [VariantResult, ...VariantResult[]];
    const trial = first.trials[0];
    if (!trial?.server) throw new Error('the fixture has a measured round');
    const peaked: VariantResult = { ...first, trials: [{ ...trial, server: { ...trial.server, rssIsPeak: true } }] };
    const step = { ...base, variants: [peaked, ...rest] };
    expect(figureCaveat(step, peaked, 'server.rssWindowBytes')?.note).toBe('an upper bound, not a reading');
    expect(figureCaveat(step, peaked, 'server.perClientHeapBytes')).toBeUndefined();
    expect(figureCaveat(step, rest[0] as VariantResult, 'server.rssWindowBytes')).toBeUndefined();
  });
});

describe('a --target run with --target-pid', () => {
  it('says CPU and RSS were read from /proc, and only heap, event-loop delay and connections were not measured', () => {
    const run = targetRun();
    const withPids = { ...run, config: { ...run.config, target: { ...run.config.target!, pids: { websocket: 4242 } } } };
    expectPage(renderReport(withPids, ASSETS), {
      has: ['Their CPU time and RSS were read from /proc', 'their heap, event-loop delay and connections were not measured', '(<code>--target-pid</code>)'],
      // Markup once, not escaped twice into visible tags.
      lacks: ['Their CPU, memory, event-loop delay and connections were not measured', '&lt;code&gt;'],
    });
  });

  it('judges held connections on the RSS read from /proc', () => {
    const run = targetRun();
    const pidRead: readonly FigureKey[] = ['server.perClientHeapBytes', 'server.eventLoopDelay.p99', 'server.connectionsPerClient'];
    const steps = run.steps.map((s) => ({ ...s, variants: s.variants.map((v) => ({ ...v, summary: { ...v.summary, notMeasured: pidRead } })) }));
    const withPids: BenchResults = { ...run, steps, config: { ...run.config, target: { ...run.config.target!, pids: { 'long-polling': 4241, websocket: 4242 } } } };
    const held = checkClaims(withPids).find((c) => c.claim === 'Many held connections are costly');
    expect(held?.verdict).toBe('qualified');
    expect(held?.evidence[0]).toBe(
      'Long polling (wait 25 s) with 1,000 clients: 35.2 KiB of server RSS per client (projected, not measured: 10,000 × 35.2 KiB = 343 MiB for 10,000 clients); server CPU 10% of a core. ' +
        '(The server ran outside the bench: RSS and CPU read from /proc, --target-pid.)',
    );
  });
});

describe('the first lines of a --target report', () => {
  it('say whose server was measured: the title, the subtitle and the method name the URL, not this project\'s servers', () => {
    const html = renderReport(targetRun(), ASSETS);
    expectPage(html.slice(0, html.indexOf('</header>')), {
      has: [
        '<title>A chat server at http://127.0.0.1:3001, http://127.0.0.1:3002, measured: default</title>',
        'A server this bench did not start (--target): long polling at http://127.0.0.1:3001 and WebSocket at http://127.0.0.1:3002',
      ],
      lacks: ['on one chat contract'],
    });
    expectPage(html, { has: ['The server under test was not started by the bench'], lacks: ['Each server in its own process'] });
  });

  it("say this project's servers were measured when the bench started them", () => {
    const html = renderReport(results([defaultStep()]), ASSETS);
    expect(html.slice(0, html.indexOf('</header>'))).toContain('on one chat contract, this project');
  });
});
