/** The report of a packet-loss sweep: its charts and the seed's claim in two halves, on hand-written figures. */
import { describe, expect, it } from 'vitest';
import type { NetworkLoss, StepResult, Variant, VariantResult } from '../../bench/model/results.ts';
import { buildCharts } from '../../report/charts.ts';
import { checkClaims } from '../../report/claims.ts';
import { TAIL_GROWTH_US, deliveredShare, deliveredText, dropsText, lossyCharts, lossyClaims } from '../../report/lossy.ts';
import { LONG, WS, results, step, variant } from './fixture.ts';

/** A stand-in for WebRTC's unordered, no-retransmission channel (the webrtc transport is not in this branch). */
const LOSSY_CHANNEL: Variant = { id: 'websocket/lossy', transport: 'websocket', channel: 'lossy' };

/** A variant at one loss: its p99 (the largest latency recorded), deliveries out of 7,000, and what the rule counted. */
function at(v: Variant, lossPct: number, p99Us: number, delivered = 7000): VariantResult {
  const base = variant(v, { 'latency.p99': p99Us }, [p99Us / 10, p99Us / 5, p99Us]);
  const network: NetworkLoss = { lossPct, namespace: `bench-1-${lossPct}`, window: { packets: 10_000, dropped: lossPct * 100 }, trial: { packets: 12_000, dropped: lossPct * 120 } };
  const trials = base.trials.map((t) => ({
    ...t,
    delivery: { ...t.delivery, delivered, lost: 7000 - delivered },
    events: { ...t.events, reconnects: lossPct > 0 ? 1 : 0 },
    network,
  }));
  return { ...base, trials };
}

function lossStep(lossPct: number, variants: readonly VariantResult[]): StepResult {
  const s = step(`${lossPct}% packet loss`, variants, undefined, { name: 'lossPct', value: lossPct, unit: '%' });
  return { ...s, step: { ...s.step, lossPct } };
}

/** The variant with its fan-out leg (server's ts to receipt) measured, p99 `fanoutP99Us`. */
function withFanout(v: VariantResult, fanoutP99Us: number): VariantResult {
  const fanoutLatency = { count: 7000, mean: fanoutP99Us / 4, p50: fanoutP99Us / 4, p90: fanoutP99Us / 2, p99: fanoutP99Us, p999: fanoutP99Us, max: fanoutP99Us };
  return { ...v, summary: { ...v.summary, fanoutLatency } };
}

/** TCP transports whose tail grows by more than a retransmission timeout, nothing lost. */
function sweepRun(options: { wsP99At5?: number; wsDeliveredAt5?: number; lossy?: { p99At5: number; deliveredAt5: number; fanoutP99At5?: number } } = {}) {
  const steps = [0, 1, 3, 5].map((pct) => {
    const top = pct === 5;
    const variants = [
      at(LONG, pct, 5000 + pct * 100_000),
      at(WS, pct, top ? (options.wsP99At5 ?? 450_000) : 3000 + pct * 50_000, top ? options.wsDeliveredAt5 : undefined),
    ];
    if (options.lossy) {
      const lossy = at(LOSSY_CHANNEL, pct, top ? options.lossy.p99At5 : 3000, top ? options.lossy.deliveredAt5 : 7000);
      const { fanoutP99At5 } = options.lossy;
      variants.push(fanoutP99At5 === undefined ? lossy : withFanout(lossy, top ? fanoutP99At5 : 2000));
    }
    return lossStep(pct, variants);
  });
  return results(steps, 'lossy');
}

describe('the claims of a loss sweep', () => {
  it('TCP: supported when every message arrived and every p99 grew by a retransmission timeout or more', () => {
    const [tcp, unreliable] = lossyClaims(sweepRun());
    expect(tcp?.verdict).toBe('supported');
    expect(tcp?.evidence[0]).toBe(
      'Drops counted in the measured windows: 0% asked: 0 of 20,000 packets dropped (0.0%); 1% asked: 200 of 20,000 packets dropped (1.0%); 3% asked: 600 of 20,000 packets dropped (3.0%); 5% asked: 1,000 of 20,000 packets dropped (5.0%).',
    );
    expect(tcp?.evidence).toContain('WebSocket: 0%: p99 3.00 ms, 100% delivered (7,000 of 7,000); 5%: p99 450 ms, 100% delivered (7,000 of 7,000); 1 reconnects at 5%.');
    expect(unreliable?.verdict).toBe('not measured');
    expect(unreliable?.evidence[0]).toContain('No variant of this run used a channel that drops by design');
  });

  it('TCP: qualified when one tail stayed within a retransmission timeout, or one transport lost messages', () => {
    expect(lossyClaims(sweepRun({ wsP99At5: 3000 + TAIL_GROWTH_US / 2 }))[0]?.verdict).toBe('qualified');
    const lost = lossyClaims(sweepRun({ wsP99At5: 3000, wsDeliveredAt5: 6900 }))[0];
    expect(lost?.verdict).toBe('qualified');
    expect(lost?.evidence.at(-1)).toBe(
      'Every message arrived (within the drain) for: long polling (wait 25 s). The p99 grew by 200 ms or more (one minimum TCP retransmission timeout) for: long polling (wait 25 s).',
    );
  });

  it('the unreliable channel: supported when it kept its tail and dropped messages, refuted when it did not do one of them', () => {
    const kept = lossyClaims(sweepRun({ lossy: { p99At5: 4000, deliveredAt5: 6650 } }))[1];
    expect(kept?.verdict).toBe('supported');
    expect(kept?.evidence).toContain('WebSocket (lossy channel): 0%: p99 3.00 ms, 100% delivered (7,000 of 7,000); 5%: p99 4.00 ms, 95.00% delivered (6,650 of 7,000); 1 reconnects at 5%.');
    // The lossy channel is no TCP transport: it is left out of the first half.
    expect(lossyClaims(sweepRun({ lossy: { p99At5: 4000, deliveredAt5: 6650 } }))[0]?.evidence.join(' ')).not.toContain('lossy channel');
    expect(lossyClaims(sweepRun({ lossy: { p99At5: 900_000, deliveredAt5: 7000 } }))[1]?.verdict).toBe('refuted');
    expect(lossyClaims(sweepRun({ lossy: { p99At5: 900_000, deliveredAt5: 6000 } }))[1]?.verdict).toBe('refuted');
    expect(lossyClaims(sweepRun({ lossy: { p99At5: 4000, deliveredAt5: 7000 } }))[1]?.verdict).toBe('refuted');
  });

  it('the unreliable channel: judged on the leg it carries, the fan-out, when its senders post on the reliable channel', () => {
    // End to end the tail grew by a retransmission of the post; the fan-out leg kept its latency.
    const fanoutKept = lossyClaims(sweepRun({ lossy: { p99At5: 1_000_000, deliveredAt5: 6650, fanoutP99At5: 5000 } }))[1];
    expect(fanoutKept?.verdict).toBe('supported');
    expect(fanoutKept?.evidence).toContain(
      'WebSocket (lossy channel): 0%: p99 3.00 ms (server → receiver 2.00 ms), 100% delivered (7,000 of 7,000); 5%: p99 1.00 s (server → receiver 5.00 ms), 95.00% delivered (6,650 of 7,000); 1 reconnects at 5%.',
    );
    expect(fanoutKept?.evidence.join(' ')).toContain('its latency is judged on that leg');
    // A fan-out leg that grew by a retransmission timeout refutes it, whatever the end-to-end figure.
    expect(lossyClaims(sweepRun({ lossy: { p99At5: 4000, deliveredAt5: 6650, fanoutP99At5: 2000 + TAIL_GROWTH_US } }))[1]?.verdict).toBe('refuted');
    // The chart draws the fan-out leg beside the end-to-end line, dotted.
    const tails = (lossyCharts(sweepRun({ lossy: { p99At5: 1_000_000, deliveredAt5: 6650, fanoutP99At5: 5000 } }))[0]?.config.data as { datasets: { label: string; data: { y: number }[]; borderDash: number[] }[] }).datasets;
    expect(tails.map((d) => d.label)).toEqual(['long polling (wait 25 s)', 'WebSocket', 'WebSocket (lossy channel)', 'WebSocket (lossy channel), server → receiver']);
    expect(tails[3]?.data.map((p) => p.y)).toEqual([2000, 2000, 2000, 5000]);
    expect(tails[3]?.borderDash).toEqual([2, 3]);
  });

  it('not measured without a loss sweep, or when the rule counted no drop', () => {
    const none = lossyClaims(results([lossStep(0, [at(WS, 0, 3000)])]));
    expect(none.map((c) => c.verdict)).toEqual(['not measured', 'not measured']);
    expect(none[0]?.evidence).toEqual(['This run has no packet-loss steps (run --scenario lossy).']);
    const run = sweepRun();
    const silent = { ...run, steps: run.steps.map((s) => ({ ...s, variants: s.variants.map((v) => ({ ...v, trials: v.trials.map((t) => ({ ...t, network: { ...(t.network as NetworkLoss), window: { packets: 100, dropped: 0 } } })) })) })) };
    expect(lossyClaims(silent)[0]?.evidence).toEqual(['The rule counted no dropped packet at 5% asked, so this run says nothing about loss.']);
  });

  it('are part of the claims check', () => {
    expect(checkClaims(sweepRun()).map((c) => c.claim)).toEqual(
      expect.arrayContaining(['Over TCP every message arrives, but the tail grows with packet loss', 'An unreliable data channel keeps its latency under packet loss and drops messages instead']),
    );
  });
});

describe('the charts of a loss sweep', () => {
  it('p99 and delivered share against loss, one line per variant, the lossy channel dashed, the drops in the caption', () => {
    const run = sweepRun({ lossy: { p99At5: 4000, deliveredAt5: 6650 } });
    const charts = lossyCharts(run);
    expect(charts.map((c) => c.id)).toEqual(['lossy-p99', 'lossy-delivered']);
    const [p99, delivered] = charts;
    const datasets = (p99?.config.data as { datasets: { label: string; data: { x: number; y: number }[]; borderDash: number[] }[] }).datasets;
    expect(datasets.map((d) => d.label)).toEqual(['long polling (wait 25 s)', 'WebSocket', 'WebSocket (lossy channel)']);
    expect(datasets[1]?.data.map((p) => p.x)).toEqual([0, 1, 3, 5]);
    expect(datasets[1]?.data.at(-1)?.y).toBe(run.steps[3]?.variants[1]?.summary.latency.p99);
    expect(datasets.map((d) => d.borderDash.length > 0)).toEqual([false, false, true]);
    expect(p99?.caption).toContain('5% asked: 1,500 of 30,000 packets dropped (5.0%)');
    const shares = (delivered?.config.data as { datasets: { data: { y: number }[] }[] }).datasets.map((d) => d.data.map((p) => p.y));
    expect(shares[2]).toEqual([1, 1, 1, 0.95]);
    // The axis starts a point below the lowest share, and the caption says so.
    expect((delivered?.config.options as { scales: { y: { min: number; max: number } } }).scales.y).toEqual({ min: 0.94, max: 1 });
    expect(delivered?.caption).toContain('The axis starts at 94%, so that a small loss shows.');
    expect(buildCharts(run).map((c) => c.id)).toEqual(expect.arrayContaining(['lossy-p99', 'lossy-delivered']));
  });

  it('none without two loss steps', () => {
    expect(lossyCharts(results([lossStep(5, [at(WS, 5, 3000)])]))).toEqual([]);
  });

  it('delivered share adds the rounds and never rounds a loss away; the drops of a step without a lossy network say so', () => {
    const v = at(WS, 5, 1000, 6000);
    expect(deliveredShare({ ...v, trials: [...v.trials, ...at(WS, 5, 1000, 7000).trials] })).toBe(13_000 / 14_000);
    expect(deliveredText(at(WS, 5, 1000, 6999))).toBe('99.99% delivered (6,999 of 7,000)');
    expect(deliveredText(at(WS, 5, 1000, 7000))).toBe('100% delivered (7,000 of 7,000)');
    expect(dropsText(step('plain', [variant(WS, {}, [1])], undefined, { name: 'lossPct', value: 2, unit: '%' }))).toBe('2% asked: no drops recorded');
  });
});
