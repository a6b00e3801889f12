/**
 * Packet loss in the report (the `lossy` scenario, or any run whose steps sweep `lossPct`): p99 and
 * delivered share against the loss asked for, per variant, with the drops the kernel's rule
 * counted; and the seed's claim about TCP against an unreliable data channel, in two halves, each
 * checked on this run's figures. Pure.
 */
import { formatShare, formatUs } from '../bench/model/format.ts';
import { isLossyChannel, type BenchResults, type StepResult, type VariantResult } from '../bench/model/results.ts';
import { colorOf, logAxis, logGridPhrase, type ChartSpec } from './chart-kit.ts';
import type { ClaimCheck, ClaimVerdict } from './claim-types.ts';
import { capitalized, chatVariants, sweep, variantName } from './select.ts';

/**
 * A tail that grew by at least this much (µs) "grew with loss": Linux's smallest TCP retransmission
 * timeout (TCP_RTO_MIN, 200 ms), the wait a lost segment costs when no later segment reveals it.
 * Below it, a channel "kept its latency".
 */
export const TAIL_GROWTH_US = 200_000;

/** The steps of a run that swept packet loss, in order of loss. */
export function lossSteps(results: BenchResults): StepResult[] {
  return sweep(results, 'lossPct');
}

/** Deliveries over expected deliveries, all rounds together; NaN when nothing was expected. */
export function deliveredShare(v: VariantResult): number {
  const expected = v.trials.reduce((n, t) => n + t.delivery.expected, 0);
  return expected > 0 ? v.trials.reduce((n, t) => n + Math.min(t.delivery.delivered, t.delivery.expected), 0) / expected : Number.NaN;
}

/**
 * A delivered share that never rounds a loss away: "100% (5,030 of 5,030)", "99.52% (5,006 of
 * 5,030)"; below 100% it shows two decimals and at most 99.99%.
 */
export function deliveredText(v: VariantResult): string {
  const expected = v.trials.reduce((n, t) => n + t.delivery.expected, 0);
  const delivered = v.trials.reduce((n, t) => n + Math.min(t.delivery.delivered, t.delivery.expected), 0);
  if (expected === 0) return 'nothing expected';
  const percent = delivered === expected ? '100' : Math.min(99.99, (100 * delivered) / expected).toFixed(2);
  return `${percent}% delivered (${delivered.toLocaleString('en-US')} of ${expected.toLocaleString('en-US')})`;
}

/** What the loss rule counted in the measured windows of every trial of a step; undefined when no trial ran on a lossy loopback. */
export function stepDrops(step: StepResult): { lossPct: number; packets: number; dropped: number } | undefined {
  const networks = step.variants.flatMap((v) => v.trials.flatMap((t) => (t.network ? [t.network] : [])));
  if (networks.length === 0) return undefined;
  return {
    lossPct: networks[0]?.lossPct ?? 0,
    packets: networks.reduce((n, x) => n + x.window.packets, 0),
    dropped: networks.reduce((n, x) => n + x.window.dropped, 0),
  };
}

/** "1% asked: 123 of 12,000 packets dropped (1.0%)" for a step, or what is missing. */
export function dropsText(step: StepResult): string {
  const d = stepDrops(step);
  if (!d) return `${step.step.x?.value ?? '?'}% asked: no drops recorded`;
  const realised = d.packets > 0 ? ` (${formatShare(d.dropped / d.packets)})` : '';
  return `${d.lossPct}% asked: ${d.dropped.toLocaleString('en-US')} of ${d.packets.toLocaleString('en-US')} packets dropped${realised}`;
}

/** The chat variants of the sweep, by id, in the order first met. */
function sweptVariants(steps: readonly StepResult[]): VariantResult[] {
  const seen = new Map<string, VariantResult>();
  for (const step of steps) for (const v of chatVariants(step)) if (!seen.has(v.variant.id)) seen.set(v.variant.id, v);
  return [...seen.values()];
}

function byId(step: StepResult, id: string): VariantResult | undefined {
  return step.variants.find((v) => v.variant.id === id);
}

/** p99 of a variant, all rounds' histograms merged. */
function p99(v: VariantResult): number {
  return v.summary.latency.p99;
}

/** p99 of the fan-out leg alone (server's `ts` to receipt), all rounds merged; NaN when not measured. */
function fanoutP99(v: VariantResult): number {
  return v.summary.fanoutLatency?.p99 ?? Number.NaN;
}

/** The charts of a loss sweep: p99 against loss, delivered share against loss. None without two loss steps. */
export function lossyCharts(results: BenchResults): ChartSpec[] {
  const steps = lossSteps(results);
  if (steps.length < 2) return [];
  const variants = sweptVariants(steps);
  const series = (pick: (v: VariantResult) => number) =>
    variants.map((first, i) => ({
      label: variantName(first),
      data: steps.flatMap((s) => {
        const v = byId(s, first.variant.id);
        const y = v ? pick(v) : Number.NaN;
        return Number.isFinite(y) ? [{ x: s.step.x?.value ?? 0, y }] : [];
      }),
      borderColor: colorOf(first, i),
      backgroundColor: colorOf(first, i),
      // A channel that drops by design is dashed.
      borderDash: isLossyChannel(first.variant) ? [6, 4] : [],
    }));
  // A channel that drops carries only the fan-out (its senders post on a reliable channel): that
  // leg's own p99 is drawn beside its end-to-end p99, dotted.
  const fanoutTails = series((v) => Math.max(1, fanoutP99(v)))
    .filter((_, i) => isLossyChannel((variants[i] as VariantResult).variant))
    .filter((d) => d.data.length > 0)
    .map((d) => ({ ...d, label: `${d.label}, server → receiver`, borderDash: [2, 3] }));
  const tails = [...series((v) => Math.max(1, p99(v))), ...fanoutTails];
  const { grid, scale } = logAxis(
    tails.flatMap((d) => d.data.map((p) => p.y)),
    'p99 delivery latency',
  );
  const shares = series(deliveredShare);
  // A small loss would vanish on an axis from 0: it starts a point below the lowest share.
  const lowest = Math.min(1, ...shares.flatMap((d) => d.data.map((p) => p.y)));
  const yMin = Math.max(0, Math.floor((lowest - 0.01) * 100) / 100);
  const x = { type: 'linear', min: 0, title: { display: true, text: 'packets dropped on loopback, % asked' }, ticks: { stepSize: 1 } };
  const counted = `Drops the nftables rule counted in the measured windows: ${steps.map(dropsText).join('; ')}.`;
  return [
    {
      id: 'lossy-p99',
      title: 'p99 delivery latency against packet loss',
      caption: `Each transport's p99, all rounds merged, as the loopback drops more packets, from the scheduled send to the receipt. A channel that drops messages by design is dashed; its senders post on the reliable channel, so the dotted line beside it is the leg that channel carries alone: from the server's timestamp on the stored message to the receipt (whole ms, so over by up to 1 ms). ${counted} ${logGridPhrase(grid, 'latency')}`,
      formats: { x: 'number', y: 'us' },
      logGrid: { y: grid },
      markers: [],
      config: { type: 'line', data: { datasets: tails }, options: { scales: { x, y: scale } } },
    },
    {
      id: 'lossy-delivered',
      title: 'Delivered share against packet loss',
      caption: `Messages delivered by the end of the drain over messages stored × members, all rounds together: 100% is every message at every receiver.${yMin > 0 ? ` The axis starts at ${Math.round(yMin * 100)}%, so that a small loss shows.` : ''} ${counted}`,
      formats: { x: 'number', y: 'share' },
      logGrid: {},
      markers: [{ axis: 'y', value: 1, label: 'every message' }],
      config: { type: 'line', data: { datasets: shares }, options: { scales: { x, y: { min: yMin, max: 1 } } } },
    },
  ];
}

/** Where a half of the claim is checked: the lowest and highest loss steps, with drops counted at the top. */
interface Ends {
  readonly base: StepResult;
  readonly top: StepResult;
  readonly evidence: string[];
}

function ends(results: BenchResults): Ends | string {
  const steps = lossSteps(results);
  const base = steps[0];
  const top = steps.at(-1);
  if (!base || !top || (top.step.x?.value ?? 0) <= (base.step.x?.value ?? 0)) return 'This run has no packet-loss steps (run --scenario lossy).';
  const drops = stepDrops(top);
  if (!drops || drops.dropped === 0) return `The rule counted no dropped packet at ${top.step.x?.value ?? '?'}% asked, so this run says nothing about loss.`;
  return { base, top, evidence: [`Drops counted in the measured windows: ${steps.map(dropsText).join('; ')}.`] };
}

/** One variant's figures from the lowest loss to the highest: p99, delivered share, reconnects. */
function line(end: Ends, v: VariantResult): string {
  const at = (s: StepResult): string => {
    const w = byId(s, v.variant.id);
    if (!w) return `${s.step.x?.value ?? '?'}%: not run`;
    const fanout = Number.isFinite(fanoutP99(w)) ? ` (server → receiver ${formatUs(fanoutP99(w))})` : '';
    return `${s.step.x?.value ?? '?'}%: p99 ${formatUs(p99(w))}${fanout}, ${deliveredText(w)}`;
  };
  const top = byId(end.top, v.variant.id);
  const reconnects = top ? top.trials.reduce((n, t) => n + t.events.reconnects, 0) : 0;
  const bound = top?.summary.generatorBound ? ' (generator-bound: these latencies include the generator\'s own delay)' : '';
  return `${capitalized(variantName(v))}: ${at(end.base)}; ${at(end.top)}; ${reconnects} reconnects at ${end.top.step.x?.value ?? '?'}%${bound}.`;
}

/** p99 growth from the lowest loss to the highest, µs; undefined when the variant did not run at both. */
function growth(end: Ends, v: VariantResult, pick: (v: VariantResult) => number = p99): number | undefined {
  const a = byId(end.base, v.variant.id);
  const b = byId(end.top, v.variant.id);
  return a && b ? pick(b) - pick(a) : undefined;
}

/**
 * p99 growth of what a channel that drops carries: the fan-out leg when both ends measured it (its
 * senders post on the reliable channel), else end to end.
 */
function channelGrowth(end: Ends, v: VariantResult): number | undefined {
  const fanout = growth(end, v, fanoutP99);
  return fanout !== undefined && Number.isFinite(fanout) ? fanout : growth(end, v);
}

/** Every loss step's deliveries of the variant all arrived. */
function arrivedAll(results: BenchResults, v: VariantResult): boolean {
  return lossSteps(results).every((s) => (byId(s, v.variant.id)?.trials ?? []).every((t) => t.delivery.lost === 0));
}

/** Names in prose, or "none". */
function names(list: readonly VariantResult[]): string {
  return list.map((v) => variantName(v)).join(', ') || 'none';
}

/**
 * A half of the claim says two things of each of `total` variants; `a` and `b` are the variants
 * that showed each. Supported when every variant showed both, refuted when no variant showed one
 * of them, qualified between.
 */
function verdictOf(total: readonly VariantResult[], a: readonly VariantResult[], b: readonly VariantResult[]): ClaimVerdict {
  if (a.length === 0 || b.length === 0) return 'refuted';
  return total.every((v) => a.includes(v) && b.includes(v)) ? 'supported' : 'qualified';
}

function tcpHalf(results: BenchResults): ClaimCheck {
  const claim = 'Over TCP every message arrives, but the tail grows with packet loss';
  const end = ends(results);
  if (typeof end === 'string') return { claim, verdict: 'not measured', evidence: [end] };
  const reliable = chatVariants(end.top).filter((v) => !isLossyChannel(v.variant) && growth(end, v) !== undefined);
  if (reliable.length === 0) return { claim, verdict: 'not measured', evidence: [...end.evidence, 'No reliable transport ran at both ends of the sweep.'] };
  const all = reliable.filter((v) => arrivedAll(results, v));
  const grew = reliable.filter((v) => (growth(end, v) ?? 0) >= TAIL_GROWTH_US);
  return {
    claim,
    verdict: verdictOf(reliable, all, grew),
    evidence: [
      ...end.evidence,
      ...reliable.map((v) => line(end, v)),
      `Every message arrived (within the drain) for: ${names(all)}. The p99 grew by ${formatUs(TAIL_GROWTH_US)} or more (one minimum TCP retransmission timeout) for: ${names(grew)}.`,
    ],
  };
}

function unreliableHalf(results: BenchResults): ClaimCheck {
  const claim = 'An unreliable data channel keeps its latency under packet loss and drops messages instead';
  const end = ends(results);
  if (typeof end === 'string') return { claim, verdict: 'not measured', evidence: [end] };
  const lossy = chatVariants(end.top).filter((v) => isLossyChannel(v.variant) && growth(end, v) !== undefined);
  if (lossy.length === 0) {
    return { claim, verdict: 'not measured', evidence: ['No variant of this run used a channel that drops by design (WebRTC\'s unordered, no-retransmission data channel, once the webrtc transport runs).'] };
  }
  const kept = lossy.filter((v) => (channelGrowth(end, v) ?? Infinity) < TAIL_GROWTH_US);
  const dropped = lossy.filter((v) => {
    const top = byId(end.top, v.variant.id);
    return top !== undefined && deliveredShare(top) < 1;
  });
  return {
    claim,
    verdict: verdictOf(lossy, kept, dropped),
    evidence: [
      ...end.evidence,
      ...lossy.map((v) => line(end, v)),
      'Its senders post on the reliable channel (so every send is acknowledged and the delivered share is exact); the channel that drops carries the fan-out from the server to the receivers, so its latency is judged on that leg: from the server\'s timestamp on the stored message to the receipt. The end-to-end p99 includes the post\'s retransmissions on the reliable channel.',
      `Kept the p99 of what the channel carries within ${formatUs(TAIL_GROWTH_US)} of the lowest loss's: ${names(kept)}; delivered less than everything at the highest loss: ${names(dropped)}.`,
    ],
  };
}

/** The seed's claim about loss, in its two halves. */
export function lossyClaims(results: BenchResults): ClaimCheck[] {
  return [tcpHalf(results), unreliableHalf(results)];
}
