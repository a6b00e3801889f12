/**
 * A network with distance in the report (the `wan` scenario, or any run whose steps sweep
 * `rttMs`): p50 and p99 against the round-trip time per transport, with the floors physics sets
 * drawn dashed, the path each step measured beside the RTT asked, and three claims judged in
 * round trips: long polling's gap under bursts, the handshake a new connection pays, and WebRTC's
 * unreliable channel under loss. Pure.
 */
import { stepPath } from '../bench/model/aggregate.ts';
import { formatShare, formatUs } from '../bench/model/format.ts';
import { factsOf, isLossyChannel, type BenchResults, type StepResult, type VariantResult } from '../bench/model/results.ts';
import { colorOf, type ChartSpec } from './chart-kit.ts';
import type { ClaimCheck, ClaimVerdict } from './claim-types.ts';
import { TAIL_GROWTH_US, deliveredShare, deliveredText } from './lossy.ts';
import { html, type Html } from './html.ts';
import { GENERATOR_BOUND_EVERY_ROUND, capitalized, chatVariants, handshakeVariantsIn, sweep, untrusted, variantName } from './select.ts';
import { LatencyHistogram } from '../bench/model/histogram.ts';

/**
 * Long polling "shows a gap" when its p99 exceeds WebSocket's by at least this share of a round
 * trip: a message that reaches the server while no poll is held waits for the next poll, which
 * comes one round trip after the last answer left (half for the answer, half for the new poll).
 */
export const GAP_SHOWN_RTTS = 0.5;
/**
 * A new connection per request "pays a handshake" when its p50 is at least this many round trips
 * above keep-alive's: a TCP handshake costs one before the request can leave, TLS 1.3 one more
 * (TLS 1.2 two), whether the session is resumed or not.
 */
export const HANDSHAKE_SHOWN_RTTS = 0.5;
/** Below this many round trips added, a new connection "pays no handshake" that a user waits for. */
export const HANDSHAKE_ABSENT_RTTS = 0.25;

/** The steps of a run that swept the round-trip time, in order of RTT. */
export function rttSteps(results: BenchResults): StepResult[] {
  return sweep(results, 'rttMs');
}

/** The RTT a step asked for, ms; undefined on the plain loopback. */
function asked(step: StepResult): number | undefined {
  return step.step.distance?.rttMs;
}

/** "RTT 80 ms asked, 81.2 ms measured (TCP connect, median of 10 trials)". */
export function pathText(step: StepResult): string {
  const rtt = asked(step);
  if (rtt === undefined) return `${step.step.label}: the plain loopback`;
  const path = stepPath(step);
  return `RTT ${rtt} ms asked, ${path ? `${formatUs(path.medianUs)} measured (TCP connect, median of ${path.trials} trial${path.trials === 1 ? '' : 's'})` : 'not measured'}`;
}

/** The round trip to count in: the one measured, else the one asked; µs. 0 at RTT 0 asked (the path is then the machine's own, tens of µs). */
function rttUs(step: StepResult): number {
  const rtt = asked(step) ?? 0;
  return rtt === 0 ? 0 : (stepPath(step)?.medianUs ?? rtt * 1000);
}

/** A duration in round trips: "2.1 RTT". */
function inRtts(us: number, step: StepResult): string {
  const rtt = rttUs(step);
  return rtt > 0 ? `${(us / rtt).toFixed(1)} RTT` : 'no RTT to count in';
}

/** The chat variants of the sweep, by id, in the order first met. */
function sweptVariants(steps: readonly StepResult[]): VariantResult[] {
  const seen = new Map<string, VariantResult>();
  for (const step of steps) for (const v of chatVariants(step)) if (!seen.has(v.variant.id)) seen.set(v.variant.id, v);
  return [...seen.values()];
}

const byId = (step: StepResult, id: string): VariantResult | undefined => step.variants.find((v) => v.variant.id === id);

/** Charts of an RTT sweep: p50 and p99 against the RTT, with the floors. None without two RTT steps. */
export function wanCharts(results: BenchResults): ChartSpec[] {
  const steps = rttSteps(results);
  if (steps.length < 2) return [];
  const variants = sweptVariants(steps);
  const top = Math.max(...steps.map((s) => asked(s) ?? 0));
  const floor = (label: string, rtts: number, dash: number[]) => ({
    label,
    data: [
      { x: 0, y: 0 },
      { x: top, y: rtts * top * 1000 },
    ],
    borderColor: '#868e96',
    backgroundColor: '#868e96',
    borderDash: dash,
    pointRadius: 0,
  });
  const chart = (id: string, pct: 'p50' | 'p99') => {
    const datasets = [
      ...variants.map((first, i) => ({
        label: variantName(first),
        data: steps.flatMap((s) => {
          const v = byId(s, first.variant.id);
          return v ? [{ x: asked(s) ?? 0, y: v.summary.latency[pct] }] : [];
        }),
        borderColor: colorOf(first, i),
        backgroundColor: colorOf(first, i),
      })),
      floor('floor of a push: 1 RTT (the post and the push, half a round trip each)', 1, [6, 4]),
      floor("long polling's ceiling for a message in the re-poll gap: 2 RTT", 2, [2, 3]),
    ];
    return {
      id,
      title: `${pct} delivery latency against the round-trip time`,
      caption: `Each transport's ${pct}, all rounds merged, from the scheduled send to the receipt, as the delay line between every client and the server grows. Dashed: the floor physics sets for a message pushed the moment it is stored (one RTT end to end); dotted: two RTTs, where a message that reaches a long-polling server between an answer and the next poll arrives at the latest. A transport on the floor is limited by the distance; one above it, by software or by its own protocol. The paths measured: ${steps.map(pathText).join('; ')}.`,
      formats: { x: 'number', y: 'us' },
      logGrid: {},
      markers: [],
      config: {
        type: 'line',
        data: { datasets },
        options: { scales: { x: { type: 'linear', min: 0, title: { display: true, text: 'round-trip time asked, ms' } }, y: { min: 0, title: { display: true, text: `${pct} delivery latency` } } } },
      },
    } satisfies ChartSpec;
  };
  return [chart('wan-p50', 'p50'), chart('wan-p99', 'p99')];
}

/**
 * The verdict at one RTT: the lowest p50 and the lowest p99 among the variants whose figures can be
 * trusted, with the ones left out and why.
 */
export function rttVerdict(step: StepResult): string {
  const out: string[] = [];
  const judged = chatVariants(step).flatMap((v) => {
    const [p50, p99] = [us(v, 'p50', out), us(v, 'p99')];
    return p50 !== undefined && p99 !== undefined ? [{ v, p50, p99 }] : [];
  });
  const left = out.map((why) => `${why.replace(': ', ' left out (')})`);
  if (judged.length === 0) return `no verdict: every transport was left out${left.length > 0 ? `: ${left.join('; ')}` : ''}`;
  const best = (pct: 'p50' | 'p99') => judged.reduce((a, b) => (b[pct] < a[pct] ? b : a));
  const words = (pct: 'p50' | 'p99'): string => {
    const b = best(pct);
    return `${variantName(b.v)} (${formatUs(b[pct])}${rttUs(step) > 0 ? `, ${inRtts(b[pct], step)}` : ''})`;
  };
  return `lowest p50: ${words('p50')}; lowest p99: ${words('p99')}${left.length > 0 ? `; ${left.join('; ')}` : ''}`;
}

/** The report's section of an RTT sweep: every transport's p50 and p99 in round trips at each RTT, and the verdict per RTT. */
export function wanSection(results: BenchResults): Html | string {
  const steps = rttSteps(results);
  if (steps.length < 2) return '';
  const variants = sweptVariants(steps);
  const cell = (s: StepResult, v: VariantResult): Html | string => {
    const w = byId(s, v.variant.id);
    if (!w) return 'not run';
    const { p50, p99 } = w.summary.latency;
    const bound = w.trials.filter((t) => t.generator.bound).length;
    const flag = bound > 0 && bound < w.trials.length ? `generator-bound in ${bound} of ${w.trials.length} rounds (left out of the verdict)` : untrusted(w);
    const rtt = rttUs(s) > 0;
    return html`p50 ${formatUs(p50)}${rtt ? ` (${inRtts(p50, s)})` : ''}<br>p99 ${formatUs(p99)}${rtt ? ` (${inRtts(p99, s)})` : ''}${flag ? html`<br><em>${flag}</em>` : ''}`;
  };
  const head = html`<thead><tr><th>transport</th>${steps.map((s) => html`<th>${pathText(s)}</th>`)}</tr></thead>`;
  const rows = variants.map((v) => html`<tr><th>${capitalized(variantName(v))}</th>${steps.map((s) => html`<td>${cell(s, v)}</td>`)}</tr>`);
  const verdicts = html`<tr><th>verdict</th>${steps.map((s) => html`<td>${rttVerdict(s)}</td>`)}</tr>`;
  return html`<section id="distance"><h2>Across a distance</h2><p class="how">Each transport's delivery latency, all rounds merged, at each round-trip time between every client and the server, and in round trips of the path measured (a TCP connect's median). A push cannot beat 1 RTT (the post and the push, half a round trip each); a message in long polling's re-poll gap can take up to 2.</p><table>${head}<tbody>${rows}${verdicts}</tbody></table></section>`;
}

type Leg = 'latency' | 'fanoutLatency';

/**
 * A variant's latency percentile as a verdict may use it (report/select.ts, `judgedFigure`): over
 * the rounds the generator (or the delay line) did not limit, their histograms merged; or why it
 * cannot be judged: it lost messages (a channel that drops by design excepted), or every round was
 * limited. `leg`: end to end, or the fan-out leg alone.
 */
export function judgedLatency(v: VariantResult, pct: 'p50' | 'p99', leg: Leg = 'latency'): { readonly us: number } | { readonly excluded: string } {
  if (!v.summary.ok && !isLossyChannel(v.variant)) return { excluded: 'lost or failed' };
  const free = v.trials.filter((t) => !t.generator.bound && !t.limit);
  const bound = v.trials.length - free.length;
  if (free.length === 0 || (v.summary.generatorBound && bound === 0)) return { excluded: GENERATOR_BOUND_EVERY_ROUND };
  const summary = v.summary[leg];
  if (bound === 0) return summary ? { us: summary[pct] } : { excluded: 'not measured' };
  const encoded = free.map((t) => (leg === 'latency' ? t.histogram : t.fanoutHistogram));
  if (encoded.some((e) => e === undefined)) return { excluded: 'not measured' };
  return { us: LatencyHistogram.merge(encoded as string[]).summary()[pct] };
}

/** The judged latency's µs, or undefined; with `why`, each exclusion as "name: reason". */
function us(v: VariantResult | undefined, pct: 'p50' | 'p99', why?: string[], leg: Leg = 'latency'): number | undefined {
  if (!v) return undefined;
  const j = judgedLatency(v, pct, leg);
  if ('us' in j) return j.us;
  why?.push(`${variantName(v)}: ${j.excluded}`);
  return undefined;
}

/** "not judged: …" evidence, naming what the verdict would rest on and why it cannot. */
function notJudged(why: readonly string[]): string {
  return `not judged: the verdict would rest on figures the report distrusts (${[...new Set(why)].join('; ')}).`;
}

/** The transports that hold a request and ask again after each answer (long polling): their facts have a `wait`. */
const heldPoll = (v: VariantResult): boolean => factsOf(v.variant.transport)?.knob === 'waitMs';
/** The transports that push down a connection held open (WebSocket, SSE, WebRTC's reliable channel). */
const stream = (v: VariantResult): boolean => factsOf(v.variant.transport)?.group === 'push' && !heldPoll(v) && !isLossyChannel(v.variant);

function longPollingGap(results: BenchResults): ClaimCheck {
  const claim = 'Long polling adds a latency gap of up to a round trip when messages come close together';
  const steps = rttSteps(results).filter((s) => (asked(s) ?? 0) > 0);
  const why: string[] = [];
  const pairs = steps.flatMap((s) => {
    const lp = chatVariants(s).find(heldPoll);
    const streams = chatVariants(s).filter(stream);
    if (!lp || streams.length === 0) return [];
    const a = { p50: us(lp, 'p50', why), p99: us(lp, 'p99') };
    // Against the stream with the lowest p99 at that RTT: the gap is long polling's own, not a stream's cost.
    const judged = streams.flatMap((v) => {
      const [p50, p99] = [us(v, 'p50', why), us(v, 'p99')];
      return p50 !== undefined && p99 !== undefined ? [{ v, p50, p99 }] : [];
    });
    const b = judged.reduce<(typeof judged)[number] | undefined>((x, y) => (x === undefined || y.p99 < x.p99 ? y : x), undefined);
    return a.p50 !== undefined && a.p99 !== undefined && b ? [{ s, lp, a: { p50: a.p50, p99: a.p99 }, b }] : [];
  });
  const ran = steps.some((s) => chatVariants(s).some(heldPoll) && chatVariants(s).some(stream));
  if (!ran) return { claim, verdict: 'not measured', evidence: ['No step ran long polling and a push over a connection held open across a distance (run --scenario wan).'] };
  if (pairs.length === 0) return { claim, verdict: 'not judged', evidence: [notJudged(why)] };
  const burst = pairs[0]?.s.step.workload.burst;
  const evidence = [
    burst
      ? `Each room's members sent in bursts, ${burst.spacingMs} ms apart, so several messages reached a room within one round trip.`
      : 'The members sent at random phases (no bursts): few messages reach a room within one round trip, so the gap shows less than it would in a busy room.',
    ...pairs.map(({ s, lp, a, b }) => {
      const name = variantName(b.v);
      return `${pathText(s)}: ${variantName(lp)} p50 ${formatUs(a.p50)} (${inRtts(a.p50, s)}), p99 ${formatUs(a.p99)} (${inRtts(a.p99, s)}); ${name} p50 ${formatUs(b.p50)} (${inRtts(b.p50, s)}), p99 ${formatUs(b.p99)} (${inRtts(b.p99, s)}); long polling's p99 exceeds ${name}'s by ${inRtts(a.p99 - b.p99, s)}.`;
    }),
    ...(why.length > 0 ? [`Left out of the verdict: ${[...new Set(why)].join('; ')}.`] : []),
  ];
  const shown = pairs.filter(({ s, a, b }) => a.p99 - b.p99 >= GAP_SHOWN_RTTS * rttUs(s));
  const verdict: ClaimVerdict = shown.length === pairs.length ? 'supported' : shown.length === 0 ? 'refuted' : 'qualified';
  evidence.push(`A gap "shows" when long polling's p99 exceeds that of the fastest push over a connection held open by ${GAP_SHOWN_RTTS} RTT or more: at ${shown.length} of ${pairs.length} round-trip times.`);
  return { claim, verdict, evidence };
}

/** The step across a distance with the handshake variants. */
function handshakeStep(results: BenchResults): StepResult | undefined {
  return results.steps.find((s) => asked(s) !== undefined && (asked(s) ?? 0) > 0 && handshakeVariantsIn(s) !== undefined);
}

function handshakeRoundTrips(results: BenchResults): ClaimCheck {
  const claim = 'Every HTTP request on a new connection waits for a handshake: one round trip for TCP, one more for TLS';
  const step = handshakeStep(results);
  const found = step ? handshakeVariantsIn(step) : undefined;
  if (!step || !found) return { claim, verdict: 'not measured', evidence: ['No step ran keep-alive against a new connection per request across a distance (run --scenario wan).'] };
  const why: string[] = [];
  const added = (paying: VariantResult | undefined, keep: VariantResult | undefined): number | undefined => {
    const [a, b] = [us(paying, 'p50', why), us(keep, 'p50', why)];
    return a !== undefined && b !== undefined ? a - b : undefined;
  };
  // A figure not judged is still shown, marked, so that the run's numbers are there to read.
  const line = (name: string, paying: VariantResult | undefined, keep: VariantResult | undefined, judged: number | undefined, expected: string): string => {
    if (!paying || !keep) return `${name}: not run.`;
    const raw = paying.summary.latency.p50 - keep.summary.latency.p50;
    const mark = judged === undefined ? ' (not judged: a round of one of the two was limited by the load generator)' : '';
    return `${name} adds ${formatUs(raw)} at p50, ${inRtts(raw, step)} (expected: ${expected})${mark}.`;
  };
  const tcp = added(found.fresh, found.keep);
  const tls = added(found.tlsFresh, found.tlsKeep);
  const full = added(found.tlsFull, found.tlsKeep);
  const rtt = rttUs(step);
  const evidence = [
    `${pathText(step)}; short polling, p50 delivery latency of each variant against keep-alive's on the same footing (plain or TLS). The sender's post pays the handshake before it can leave; a poll pays it too, but polls come on a schedule, so the wait a receiver sees grows by the post's share alone.`,
    line('A new TCP connection per request', found.fresh, found.keep, tcp, '1 RTT'),
    line('Over TLS, a new connection resuming its session', found.tlsFresh, found.tlsKeep, tls, '2 RTT with TLS 1.3 (TCP, then TLS), 3 with TLS 1.2'),
    line('Over TLS, a new connection with a full handshake', found.tlsFull, found.tlsKeep, full, 'the same round trips as a resumed one: resumption saves CPU, not round trips, without 0-RTT data'),
    ...(why.length > 0 ? [`Left out: ${[...new Set(why)].join('; ')}.`] : []),
  ];
  if (tcp === undefined && why.length > 0) return { claim, verdict: 'not judged', evidence: [notJudged(why), ...evidence] };
  let verdict: ClaimVerdict;
  if (tcp === undefined || rtt <= 0) verdict = 'not measured';
  else if (tcp < HANDSHAKE_ABSENT_RTTS * rtt) verdict = 'refuted';
  else if (tcp >= HANDSHAKE_SHOWN_RTTS * rtt && (tls === undefined || tls >= (1 + HANDSHAKE_SHOWN_RTTS) * rtt)) verdict = 'supported';
  else verdict = 'qualified';
  evidence.push('With keep-alive (every browser\'s default, and this harness\'s) no request after the first pays it.');
  return { claim, verdict, evidence };
}

/** The step across a distance that also drops packets. */
function lossyDistanceStep(results: BenchResults): StepResult | undefined {
  return results.steps.find((s) => (asked(s) ?? 0) > 0 && (s.step.lossPct ?? 0) > 0);
}

function webrtcKeepsFlowing(results: BenchResults): ClaimCheck {
  const claim = 'Across a distance, WebRTC\'s unreliable channel keeps delivering on time when packets drop, where TCP waits';
  const step = lossyDistanceStep(results);
  if (!step) return { claim, verdict: 'not measured', evidence: ['No step ran across a distance with packet loss (run --scenario wan).'] };
  const lossy = chatVariants(step).find((v) => isLossyChannel(v.variant));
  if (!lossy) return { claim, verdict: 'not measured', evidence: [`${pathText(step)}, ${step.step.lossPct}% loss: no variant used WebRTC's chat-lossy channel.`] };
  const rtt = rttUs(step);
  const why: string[] = [];
  const fanout = us(lossy, 'p99', why, 'fanoutLatency');
  if (fanout === undefined && why.length > 0) return { claim, verdict: 'not judged', evidence: [notJudged(why)] };
  const leg = rtt / 2;
  const reliable = chatVariants(step).filter((v) => !isLossyChannel(v.variant));
  const kept = fanout !== undefined && fanout - leg < TAIL_GROWTH_US;
  const dropped = deliveredShare(lossy) < 1;
  const evidence = [
    `${pathText(step)}, ${step.step.lossPct}% of packets dropped on each side's output.`,
    `${capitalized(variantName(lossy))}: the fan-out leg (server to receiver, half a round trip at best) p99 ${fanout === undefined ? 'not measured' : `${formatUs(fanout)} (${inRtts(fanout, step)})`}, ${deliveredText(lossy)}.`,
    ...reliable.map((v) => {
      const [end, fan] = [us(v, 'p99', why), us(v, 'p99', undefined, 'fanoutLatency')];
      return `${capitalized(variantName(v))}: end-to-end p99 ${end === undefined ? 'not judged' : `${formatUs(end)} (${inRtts(end, step)})`}, fan-out leg p99 ${fan === undefined ? 'not judged or not measured' : formatUs(fan)}, ${formatShare(deliveredShare(v))} delivered.`;
    }),
    `"Keeps delivering on time": the channel's fan-out p99 stays within ${formatUs(TAIL_GROWTH_US)} (one minimum TCP retransmission timeout) of its floor, half a round trip.`,
    ...(why.length > 0 ? [`Left out: ${[...new Set(why)].join('; ')}.`] : []),
  ];
  const verdict: ClaimVerdict = !kept ? 'refuted' : dropped ? 'supported' : 'qualified';
  if (kept && !dropped) evidence.push('It delivered everything, so this run did not show what it does when a packet it needed was dropped.');
  return { claim, verdict, evidence };
}

/** The claims judged in round trips; each says "not measured" on a run without distance. */
export function wanClaims(results: BenchResults): ClaimCheck[] {
  return [longPollingGap(results), handshakeRoundTrips(results), webrtcKeepsFlowing(results)];
}
