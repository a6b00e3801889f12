/** The report across a distance: its charts, its section and the three claims judged in round trips, on hand-written figures. */
import { describe, expect, it } from 'vitest';
import type { DistanceResult, StepResult, Variant, VariantResult } from '../../bench/model/results.ts';
import { buildCharts } from '../../report/charts.ts';
import { checkClaims } from '../../report/claims.ts';
import { GAP_SHOWN_RTTS, judgedLatency, pathText, rttVerdict, wanCharts, wanClaims, wanSection } from '../../report/wan.ts';
import { LONG, SHORT, WS, results, step, variant } from './fixture.ts';

/** A stand-in for WebRTC's unordered, no-retransmission channel. */
const LOSSY_CHANNEL: Variant = { id: 'webrtc/lossy', transport: 'websocket', channel: 'lossy' };
const KERNEL = { listenOverflows: 0, listenDrops: 0, syncookiesSent: 0, retransSegs: 0, deviceDrops: 0 };

/** The path of a trial at `rttMs`: measured 1% above the RTT asked. */
function distanceAt(rttMs: number): DistanceResult {
  const median = rttMs * 1010;
  return {
    rttMs,
    jitterMs: 0,
    method: 'tun-c',
    path: { samples: 5, median, min: median, max: median },
    delayLine: { realtime: true, cpuUs: 10_000, packets: 1000, packetsPerS: 400, cpuPerPacketUs: 10, late: { p50: 40, p99: 300, max: 900 }, overflow: 0 },
    kernel: { clients: KERNEL, server: KERNEL },
  };
}

/** A variant whose p50 is `p50Us` and p99 `p99Us` (98 deliveries at the one, 2 at the other), across `rttMs`. */
function at(v: Variant, rttMs: number, p50Us: number, p99Us: number, options: { generatorBound?: boolean; delivered?: number; fanoutP99Us?: number } = {}): VariantResult {
  const base = variant(v, {}, [...Array<number>(98).fill(p50Us), p99Us, p99Us], options.generatorBound ? { generatorBound: true } : {});
  const trials = base.trials.map((t) => ({ ...t, distance: distanceAt(rttMs), ...(options.delivered !== undefined ? { delivery: { ...t.delivery, delivered: options.delivered, lost: t.delivery.expected - options.delivered } } : {}) }));
  const fanoutLatency = options.fanoutP99Us === undefined ? undefined : { count: 100, mean: options.fanoutP99Us / 2, p50: options.fanoutP99Us / 2, p90: options.fanoutP99Us, p99: options.fanoutP99Us, p999: options.fanoutP99Us, max: options.fanoutP99Us };
  return { ...base, trials, summary: { ...base.summary, ...(fanoutLatency ? { fanoutLatency } : {}) } };
}

function rttStep(rttMs: number, variants: readonly VariantResult[], extra: Partial<StepResult['step']> = {}): StepResult {
  const s = step(`RTT ${rttMs} ms`, variants, undefined, { name: 'rttMs', value: rttMs, unit: 'ms' });
  return { ...s, step: { ...s.step, distance: { rttMs, jitterMs: 0 }, workload: { ...s.step.workload, burst: { spacingMs: 5 } }, ...extra } };
}

/** Long polling with `gapRtts` more at p99 than WebSocket, which sits on its floor, at each RTT. */
function sweep(gapRtts: number, options: { boundAt80?: boolean } = {}): StepResult[] {
  return [0, 20, 80, 200].map((rtt) =>
    rttStep(rtt, [
      at(LONG, rtt, 1.2 * rtt * 1000 + 2000, (1.3 + gapRtts) * rtt * 1000 + 3000, { generatorBound: options.boundAt80 === true && rtt === 80 }),
      at(WS, rtt, rtt * 1000 + 1000, 1.3 * rtt * 1000 + 3000),
    ]),
  );
}

const HANDSHAKE = ['keep-alive', 'new-connection', 'tls-keep-alive', 'tls-new-connection', 'tls-full-handshake'].map((name) => ({
  ...SHORT,
  id: `short-polling/${name}`,
  pollIntervalMs: 250,
  keepAlive: !name.includes('new') && !name.includes('full'),
  ...(name.startsWith('tls') ? { tls: true } : {}),
  ...(name === 'tls-full-handshake' ? { resumeTls: false } : {}),
}));

/** The handshake step at 80 ms: a new connection adds `tcpRtts` at p50, over TLS `tlsRtts`. */
function handshakeStep(tcpRtts: number, tlsRtts: number): StepResult {
  const base = 150_000;
  const rtt = 80_800;
  const p50s = [base, base + tcpRtts * rtt, base, base + tlsRtts * rtt, base + tlsRtts * rtt];
  const variants = HANDSHAKE.map((v, i) => at(v, 80, p50s[i] as number, (p50s[i] as number) + 100_000));
  const s = step('RTT 80 ms: a handshake for every request?', variants);
  return { ...s, step: { ...s.step, distance: { rttMs: 80, jitterMs: 0 } } };
}

/** The loss step at 80 ms: the lossy channel's fan-out p99 `fanoutP99Us`, delivering `delivered` of 7,000. */
function lossStep(fanoutP99Us: number, delivered: number): StepResult {
  const s = step('RTT 80 ms, 2% packet loss', [at(WS, 80, 90_000, 400_000, { fanoutP99Us: 350_000 }), at(LOSSY_CHANNEL, 80, 90_000, 1_100_000, { delivered, fanoutP99Us })]);
  return { ...s, step: { ...s.step, distance: { rttMs: 80, jitterMs: 0 }, lossPct: 2 } };
}

describe('the report across a distance', () => {
  const run = results([...sweep(1.5), handshakeStep(1, 2), lossStep(60_000, 6900)], 'wan');

  it('says the path asked and the path measured', () => {
    expect(pathText(run.steps[2] as StepResult)).toBe('RTT 80 ms asked, 80.8 ms measured (TCP connect, median of 2 trials)');
  });

  it('charts p50 and p99 against the RTT with the floors dashed, and only for a sweep of RTTs', () => {
    const charts = wanCharts(run);
    expect(charts.map((c) => c.id)).toEqual(['wan-p50', 'wan-p99']);
    const datasets = (charts[1]?.config as { data: { datasets: { label: string; data: { x: number; y: number }[]; borderDash?: number[] }[] } }).data.datasets;
    expect(datasets.map((d) => d.label)).toEqual(['long polling (wait 25 s)', 'WebSocket', 'floor of a push: 1 RTT (the post and the push, half a round trip each)', "long polling's ceiling for a message in the re-poll gap: 2 RTT"]);
    expect(datasets[2]?.data).toEqual([{ x: 0, y: 0 }, { x: 200, y: 200_000 }]);
    expect(datasets[2]?.borderDash).toEqual([6, 4]);
    expect(datasets[1]?.data.map((p) => p.x)).toEqual([0, 20, 80, 200]);
    expect(buildCharts(run).filter((c) => c.id.startsWith('wan-'))).toHaveLength(2);
    expect(wanCharts(results([sweep(1)[1] as StepResult]))).toEqual([]);
  });

  it('judges the three claims in round trips when every figure holds', () => {
    const [gap, handshake, webrtc] = wanClaims(run);
    expect(gap?.verdict).toBe('supported');
    expect(gap?.evidence).toContain("RTT 80 ms asked, 80.8 ms measured (TCP connect, median of 2 trials): long polling (wait 25 s) p50 98.0 ms (1.2 RTT), p99 227 ms (2.8 RTT); WebSocket p50 81.0 ms (1.0 RTT), p99 107 ms (1.3 RTT); long polling's p99 exceeds WebSocket's by 1.5 RTT.");
    expect(handshake?.verdict).toBe('supported');
    expect(handshake?.evidence).toContain('A new TCP connection per request adds 80.9 ms at p50, 1.0 RTT (expected: 1 RTT).');
    expect(handshake?.evidence).toContain('Over TLS, a new connection resuming its session adds 162 ms at p50, 2.0 RTT (expected: 2 RTT with TLS 1.3 (TCP, then TLS), 3 with TLS 1.2).');
    expect(webrtc?.verdict).toBe('supported');
    // Only a run across a distance has these claims.
    expect(checkClaims(run).map((c) => c.claim)).toContain(gap?.claim);
    expect(checkClaims(results(sweep(1).map((s) => ({ ...s, step: { label: s.step.label, workload: s.step.workload, variants: s.step.variants } }))))).not.toContainEqual(expect.objectContaining({ claim: gap?.claim }));
  });

  it('refutes what the figures contradict', () => {
    const flat = results([...sweep(0), handshakeStep(0.1, 0.1), lossStep(400_000, 6900)], 'wan');
    const [gap, handshake, webrtc] = wanClaims(flat);
    expect(gap?.verdict).toBe('refuted');
    expect(gap?.evidence.at(-1)).toBe(`A gap "shows" when long polling's p99 exceeds that of the fastest push over a connection held open by ${GAP_SHOWN_RTTS} RTT or more: at 0 of 3 round-trip times.`);
    expect(handshake?.verdict).toBe('refuted');
    expect(webrtc?.verdict).toBe('refuted');
  });

  it('qualifies a channel that kept its latency but lost nothing, and says the run did not show a drop', () => {
    const [, , webrtc] = wanClaims(results([...sweep(1.5), lossStep(60_000, 7000)], 'wan'));
    expect(webrtc?.verdict).toBe('qualified');
    expect(webrtc?.evidence.at(-1)).toBe('It delivered everything, so this run did not show what it does when a packet it needed was dropped.');
  });

  it('says "not measured" for what a run did not measure', () => {
    const [, handshake, webrtc] = wanClaims(results(sweep(1.5), 'wan'));
    expect(handshake?.verdict).toBe('not measured');
    expect(webrtc?.verdict).toBe('not measured');
  });

  it('judges latency on the rounds the generator did not limit, and says "not judged" when none is left', () => {
    const free = at(WS, 80, 81_000, 107_000);
    const slow = at(WS, 80, 900_000, 990_000);
    const mixed: VariantResult = { ...free, trials: [free.trials[0] as VariantResult['trials'][number], { ...(slow.trials[0] as VariantResult['trials'][number]), round: 1, generator: { ...(slow.trials[0] as VariantResult['trials'][number]).generator, bound: true, reasons: ['sends left late'] } }], summary: { ...free.summary, rounds: 2, generatorBound: true } };
    // The free round's own p99, not the slow round's.
    expect(judgedLatency(mixed, 'p99')).toEqual({ us: free.trials[0]?.latency.p99 });
    expect(free.trials[0]?.latency.p99).toBeLessThan(108_000);
    const steps = sweep(1.5, { boundAt80: true });
    const allBound = results(steps.map((s) => ({ ...s, variants: s.variants.map((v) => (v.variant.id === 'long-polling' ? { ...v, summary: { ...v.summary, generatorBound: true } } : v)) })), 'wan');
    const [gap] = wanClaims(allBound);
    expect(gap?.verdict).toBe('not judged');
    expect(gap?.evidence[0]).toBe('not judged: the verdict would rest on figures the report distrusts (long polling (wait 25 s): generator-bound in every round, so its latency measures the load generator).');
  });

  it('gives a verdict per RTT from the figures it trusts, and names what it left out', () => {
    const bound = results(sweep(1.5, { boundAt80: true }), 'wan');
    expect(rttVerdict(bound.steps[2] as StepResult)).toBe('lowest p50: WebSocket (81.0 ms, 1.0 RTT); lowest p99: WebSocket (107 ms, 1.3 RTT); long polling (wait 25 s) left out (generator-bound in every round, so its latency measures the load generator)');
    const section = String(wanSection(bound));
    expect(section).toContain('<h2>Across a distance</h2>');
    expect(section).toContain('p50 98.0 ms (1.2 RTT)');
    expect(section).toContain('<em>generator-bound</em>');
    // At RTT 0 there is no round trip to count in.
    expect(section).toContain('p50 2.00 ms<br>');
    expect(wanSection(results([sweep(1)[1] as StepResult]))).toBe('');
  });
});
