/**
 * The claims check: the common claims about these transports, each with the figures of this run
 * that support, qualify or refute it. Pure; a claim this run has no figures for says so.
 */
import { BENCH_TRANSPORTS, factsOf, type BenchResults, type Spread, type StepResult, type VariantResult } from '../bench/model/results.ts';
import { formatBytes, formatNumber, formatRatio, formatShare, formatUs } from '../bench/model/format.ts';
import type { ClaimCheck, ClaimVerdict } from './claim-types.ts';
import { lossyClaims } from './lossy.ts';
import { wanClaims } from './wan.ts';
import { RSS_MIN_CLIENTS, byTransport, capitalized, chatVariants, figure, handshakeVariants, judgedFigure, ofGroup, serverMeasured, stepClients, sweep, variantName, withinNoise } from './select.ts';

export type { ClaimCheck, ClaimVerdict } from './claim-types.ts';

/** Latency this many times the push transports' is "adds latency" without doubt. */
export const LATENCY_CLAIM_FACTOR = 10;
/** Server RSS per held poll or socket above which a connection is "costly", and below which it is cheap. */
export const COSTLY_PER_CLIENT_BYTES = 64 * 1024;
export const CHEAP_PER_CLIENT_BYTES = 16 * 1024;
/**
 * "SSE costs almost what a WebSocket costs": SSE's server CPU per message, bytes per message and
 * p50 and p99 latency each at most this many times WebSocket's in the same step (or within the
 * noise across rounds). A quarter more or less is within what one short run on a shared machine
 * swings between rounds; half again is a cost a reader would want to be told about.
 */
export const SSE_ALMOST_FACTOR = 1.5;
/** SSE at more than this many times WebSocket's on any of those figures refutes the claim. */
export const SSE_FAR_FACTOR = 3;

/** Figures as the scale claim names them. */
const FIGURE_WORDS: Readonly<Partial<Record<string, string>>> = { 'latency.p99': 'p99', 'perDelivered.serverCpuUs': 'CPU per message', 'server.perClientRssBytes': 'RSS per client', 'server.perClientHeapBytes': 'heap per client' };

/** Client counts to extrapolate memory to, for a sense of scale. */
const EXTRAPOLATE_CLIENTS = 10_000;

/** A figure's median over the rounds it may use (a latency without the generator-bound ones); all rounds where none may. */
function med(v: VariantResult, key: Parameters<typeof figure>[1]): number {
  const judged = judgedFigure(v, key);
  return judged.excluded === undefined ? judged.spread.median : figure(v, key).median;
}

/** A count in prose: 10, 2.5, 0.25, 1,000. */
function plain(n: number): string {
  return Number(n.toPrecision(3)).toLocaleString('en-US');
}

/** A workload as the claims name it: its label, and how busy a room is against the poll interval. */
function workloadText(step: StepResult, short: VariantResult): string {
  const w = step.step.workload;
  const roomRate = w.ratePerMember * w.members;
  const interval = short.variant.pollIntervalMs;
  const perPoll = interval === undefined ? '' : `, ${plain((roomRate * interval) / 1000)} per poll interval`;
  return `“${step.step.label}” (${plain(roomRate)} messages a second per room${perPoll})`;
}

/** Messages a room carries per poll interval; undefined when the interval was not recorded. */
function messagesPerPoll(step: StepResult, short: VariantResult): number | undefined {
  const interval = short.variant.pollIntervalMs;
  const w = step.step.workload;
  return interval === undefined ? undefined : (w.ratePerMember * w.members * interval) / 1000;
}

function pollingWastes(results: BenchResults): ClaimCheck {
  const claim = 'Polling wastes requests and bandwidth';
  const paired = results.steps.filter((s) => ofGroup(s, 'poll').length > 0 && ofGroup(s, 'push').length > 0);
  if (paired.length === 0) return { claim, verdict: 'not measured', evidence: ['No step ran short polling beside a push transport.'] };
  // A transport that lost messages is judged on nothing: its costs per message are not a working chat's.
  const lostIn = (s: StepResult): VariantResult[] => [ofGroup(s, 'poll')[0] as VariantResult, ...ofGroup(s, 'push')].filter((v) => !v.summary.ok);
  const skipped = paired.filter((s) => lostIn(s).length > 0);
  const steps = paired.filter((s) => lostIn(s).length === 0);
  const skippedText = skipped.map((s) => `“${s.step.label}” (${lostIn(s).map((v) => variantName(v)).join(' and ')} lost or failed)`).join(', ');
  if (steps.length === 0) return { claim, verdict: 'not judged', evidence: [`Not judged: every step that could show it had a transport that lost messages: ${skippedText}.`] };
  const evidence: string[] = skipped.length > 0 ? [`Left out: ${skippedText}.`] : [];
  const outcomes = steps.map((step) => {
    const short = ofGroup(step, 'poll')[0] as VariantResult;
    const others = ofGroup(step, 'push');
    evidence.push(
      `In ${workloadText(step, short)}, ${variantName(short)} spent ${formatNumber(med(short, 'perDelivered.requests'))} requests and ${formatBytes(med(short, 'perDelivered.bytes'))} per delivered message; ` +
        `${formatShare(med(short, 'wire.emptyPollShare'))} of its requests were polls that came back empty. ` +
        others.map((o) => `${capitalized(variantName(o))}: ${formatNumber(med(o, 'perDelivered.requests'))} requests and ${formatBytes(med(o, 'perDelivered.bytes'))}.`).join(' '),
    );
    const moreRequests = others.every((o) => med(short, 'perDelivered.requests') > med(o, 'perDelivered.requests'));
    const moreBytes = others.every((o) => med(short, 'perDelivered.bytes') > med(o, 'perDelivered.bytes'));
    return { step, short, wasteful: moreRequests && moreBytes, thrifty: !moreRequests && !moreBytes };
  });
  // The arithmetic of the turn: a room polled by m members every I seconds carrying r messages a
  // second costs (m/I + r) requests for r·m deliveries, 1/(r·I) + 1/m per message; long polling
  // costs about 1 + 1/m. Short polling is the thriftier while a poll finds more than one message.
  evidence.push(
    'Short polling spends about 1 ÷ (messages per poll interval) + 1 ÷ members requests per delivered message, long polling about 1 + 1 ÷ members: ' +
      'short polling is the thriftier while a room carries more than one message per poll interval, and the wasteful one below that, when most polls come back empty.',
  );
  const names = (list: typeof outcomes): string => list.map((o) => `“${o.step.step.label}”`).join(', ');
  if (outcomes.every((o) => o.wasteful)) return { claim, verdict: 'supported', evidence };
  if (outcomes.every((o) => o.thrifty)) {
    // Refuted only by a quiet room; a busy room is where short polling is expected to do well.
    const quiet = outcomes.filter((o) => (messagesPerPoll(o.step, o.short) ?? Infinity) < 1);
    if (quiet.length > 0) return { claim, verdict: 'refuted', evidence: [...evidence, `Short polling was not the wasteful one even in a quiet room (${names(quiet)}).`] };
    return {
      claim,
      verdict: 'qualified',
      evidence: [
        ...evidence,
        `Not here, but this rests on ${outcomes.length === 1 ? 'one busy-room workload' : 'busy-room workloads only'} (${names(outcomes)}), where each poll collects several messages; ` +
          'in a quieter room or with a shorter poll interval the balance turns (the interval scenario measures the second).',
      ],
    };
  }
  const wasteful = outcomes.filter((o) => o.wasteful);
  return {
    claim,
    verdict: 'qualified',
    evidence: [
      ...evidence,
      wasteful.length > 0
        ? `It depends on the workload: polling was the wasteful one in ${names(wasteful)}, not in ${names(outcomes.filter((o) => !o.wasteful))}.`
        : 'It depends on the figure: short polling spent more of one (requests or bytes) and less of the other; see the numbers.',
    ],
  };
}

function pollingAddsLatency(results: BenchResults): ClaimCheck {
  const claim = 'Polling adds latency';
  // The step with the most push transports beside short polling (the first such, on a tie).
  const paired = results.steps.filter((s) => ofGroup(s, 'poll').length > 0 && ofGroup(s, 'push').length > 0);
  const step = paired.reduce<StepResult | undefined>((best, s) => (best === undefined || ofGroup(s, 'push').length > ofGroup(best, 'push').length ? s : best), undefined);
  const short = step && ofGroup(step, 'poll')[0];
  if (!step || !short) return { claim, verdict: 'not measured', evidence: ['No step ran short polling beside a push transport.'] };
  const distrusted = [short, ...ofGroup(step, 'push')].flatMap((v) => {
    const j = judgedFigure(v, 'latency.p50');
    return j.excluded === undefined ? [] : [`${variantName(v)}'s latency (${j.excluded})`];
  });
  const push = ofGroup(step, 'push').filter((p) => judgedFigure(p, 'latency.p50').excluded === undefined);
  if (judgedFigure(short, 'latency.p50').excluded !== undefined || push.length === 0) {
    return { claim, verdict: 'not judged', evidence: [`Not judged: it would rest on ${distrusted.join(' and ')} in “${step.step.label}”.`] };
  }
  const interval = short.variant.pollIntervalMs;
  const evidence = [
    `${capitalized(variantName(short))}: p50 ${formatUs(med(short, 'latency.p50'))}, mean ${formatUs(med(short, 'latency.mean'))}` +
      (interval ? ` (a message waits for the next poll: about half an interval, ${formatUs((interval * 1000) / 2)}, on average)` : '') +
      `, p99 ${formatUs(med(short, 'latency.p99'))}.`,
    ...push.map((p) => `${capitalized(variantName(p))}: p50 ${formatUs(med(p, 'latency.p50'))}, p99 ${formatUs(med(p, 'latency.p99'))} (${formatRatio(med(short, 'latency.p50') / Math.max(1, med(p, 'latency.p50')))} faster at p50).`),
  ];
  const factor = Math.min(...push.map((p) => med(short, 'latency.p50') / Math.max(1, med(p, 'latency.p50'))));
  const verdict: ClaimVerdict = factor >= LATENCY_CLAIM_FACTOR ? 'supported' : factor > 1 ? 'qualified' : 'refuted';
  if (distrusted.length > 0) evidence.push(`Left out: ${distrusted.join('; ')}.`);
  const intervals = sweep(results, 'pollIntervalMs');
  if (intervals.length >= 2) {
    const first = intervals[0]?.variants[0];
    const last = intervals.at(-1)?.variants[0];
    if (first && last) {
      evidence.push(
        `Across intervals from ${formatUs((first.variant.pollIntervalMs ?? 0) * 1000)} to ${formatUs((last.variant.pollIntervalMs ?? 0) * 1000)}, the mean wait went from ${formatUs(med(first, 'latency.mean'))} to ${formatUs(med(last, 'latency.mean'))}, ` +
          `and requests per message from ${formatNumber(med(first, 'perDelivered.requests'))} to ${formatNumber(med(last, 'perDelivered.requests'))}.`,
      );
    }
  }
  return { claim, verdict, evidence };
}

function heldConnectionsCostly(results: BenchResults): ClaimCheck {
  const claim = 'Many held connections are costly';
  const candidates = results.steps.filter((s) => ofGroup(s, 'push').length > 0);
  if (candidates.length === 0) return { claim, verdict: 'not measured', evidence: ['No step held long polls or sockets.'] };
  // The step with the most clients measures the cost per connection best: fixed costs spread thin.
  const step = [...candidates].sort((a, b) => stepClients(b) - stepClients(a))[0] as StepResult;
  const clients = stepClients(step);
  const measuredHere = (v: VariantResult, key: 'server.perClientRssBytes' | 'server.perClientHeapBytes' | 'server.cpuShare'): boolean => !(v.summary.notMeasured ?? []).includes(key);
  // A --target run with --target-pid reads the server's RSS and CPU from /proc, though not its heap.
  const held = ofGroup(step, 'push').filter((v) => measuredHere(v, 'server.perClientRssBytes') || measuredHere(v, 'server.perClientHeapBytes'));
  if (held.length === 0) return { claim, verdict: 'not measured', evidence: ['The servers ran outside the bench (--target) without --target-pid: their memory was not measured.'] };
  const rssMeaningful = clients >= RSS_MIN_CLIENTS;
  const projection = (perClient: number): string =>
    `projected, not measured: ${EXTRAPOLATE_CLIENTS.toLocaleString('en-US')} × ${formatBytes(perClient)} = ${formatBytes(perClient * EXTRAPOLATE_CLIENTS)} for ${EXTRAPOLATE_CLIENTS.toLocaleString('en-US')} clients`;
  const thresholds = `Thresholds: ${formatBytes(COSTLY_PER_CLIENT_BYTES)} or more per connection counts as costly, ${formatBytes(CHEAP_PER_CLIENT_BYTES)} or less as cheap.`;
  const heap = (v: VariantResult): number => med(v, 'server.perClientHeapBytes');
  const rss = (v: VariantResult): number => med(v, 'server.perClientRssBytes');
  const withRss = held.filter((v) => measuredHere(v, 'server.perClientRssBytes'));
  if (rssMeaningful && withRss.length > 0) {
    const evidence = withRss.map(
      (v) =>
        `${capitalized(variantName(v))} with ${clients.toLocaleString('en-US')} clients: ${formatBytes(rss(v))} of server RSS` +
        (measuredHere(v, 'server.perClientHeapBytes') ? ` and ${formatBytes(heap(v))} of V8 heap` : '') +
        ` per client (${projection(rss(v))})` +
        (measuredHere(v, 'server.cpuShare') ? `; server CPU ${formatShare(med(v, 'server.cpuShare'))} of a core.` : '.') +
        (serverMeasured(v) ? '' : ' (The server ran outside the bench: RSS and CPU read from /proc, --target-pid.)'),
    );
    const worst = Math.max(...withRss.map(rss));
    const verdict: ClaimVerdict = worst >= COSTLY_PER_CLIENT_BYTES ? 'supported' : worst <= CHEAP_PER_CLIENT_BYTES ? 'refuted' : 'qualified';
    return { claim, verdict, evidence: [...evidence, thresholds] };
  }
  // RSS per client is noise here; the heap is only part of a connection's cost (socket buffers and
  // native memory lie outside it), so it can show a connection is costly but never that it is cheap.
  const rssWhy = `RSS per client, the whole cost, is not meaningful at ${clients.toLocaleString('en-US')} clients (it needs ${RSS_MIN_CLIENTS.toLocaleString('en-US')} or more): the scale scenario measures it.`;
  const withHeap = held.filter((v) => measuredHere(v, 'server.perClientHeapBytes'));
  if (withHeap.length === 0) {
    return { claim, verdict: 'not measured', evidence: [`${rssWhy} The heap of a server the bench did not start (--target) is not measured.`, thresholds] };
  }
  const evidence = withHeap.map(
    (v) => `${capitalized(variantName(v))} with ${clients.toLocaleString('en-US')} clients: ${formatBytes(heap(v))} of V8 heap per client, a lower bound of its cost (${projection(heap(v))}).`,
  );
  if (Math.max(...withHeap.map(heap)) >= COSTLY_PER_CLIENT_BYTES) return { claim, verdict: 'supported', evidence: [...evidence, 'The heap alone is past the costly threshold.', thresholds] };
  return { claim, verdict: 'not measured', evidence: [...evidence, `The heap alone does not settle it: ${rssWhy}`, thresholds] };
}

/** "costs 3.1× the server CPU per message (95 µs against 31 µs), 4.2× the bytes; p50 … against …". */
function handshakeCost(paying: VariantResult, keep: VariantResult): string {
  const cpu = (v: VariantResult): number => med(v, 'perDelivered.serverCpuUs');
  return (
    `${formatRatio(cpu(paying) / Math.max(1e-9, cpu(keep)))} the server CPU per message (${formatUs(cpu(paying))} against ${formatUs(cpu(keep))}, ` +
    `${formatUs(Math.abs(cpu(paying) - cpu(keep)))} ${cpu(paying) >= cpu(keep) ? 'more' : 'less'}), ${formatRatio(med(paying, 'perDelivered.bytes') / Math.max(1, med(keep, 'perDelivered.bytes')))} the bytes ` +
    `(${formatBytes(med(paying, 'perDelivered.bytes'))} against ${formatBytes(med(keep, 'perDelivered.bytes'))}); p50 ${formatUs(med(paying, 'latency.p50'))} against ${formatUs(med(keep, 'latency.p50'))}`
  );
}

function handshakePerRequest(results: BenchResults): ClaimCheck {
  const claim = 'Every HTTP request pays a handshake (TCP, and TLS where it is used)';
  const found = handshakeVariants(results);
  if (found) {
    const { keep, fresh, tlsKeep, tlsFresh, tlsFull } = found;
    const connPerReq = (v: VariantResult): number => {
      const t = v.trials[0];
      return t && t.wire.requests > 0 ? t.wire.connections / t.wire.requests : 0;
    };
    const evidence = [
      `With keep-alive, short polling opened ${formatNumber(connPerReq(keep))} TCP connections per request; with a new connection per request, ${formatNumber(connPerReq(fresh))}.`,
      `Plain TCP: paying the handshake costs ${handshakeCost(fresh, keep)}.`,
    ];
    if (tlsKeep) {
      evidence.push(`Over TLS with keep-alive, ${formatNumber(connPerReq(tlsKeep))} connections (and TLS handshakes) per request.`);
      if (tlsFresh) evidence.push(`Over TLS, a new connection per request (the session resumed, as browsers and Node's agent do) costs ${handshakeCost(tlsFresh, tlsKeep)}.`);
      if (tlsFull) evidence.push(`Over TLS with a full handshake every time (no session resumption), ${handshakeCost(tlsFull, tlsKeep)}.`);
    }
    const doubtful = [keep, fresh, tlsKeep, tlsFresh, tlsFull].filter((v): v is VariantResult => v !== undefined && (v.summary.generatorBound || !v.summary.ok));
    if (doubtful.length > 0) {
      evidence.push(
        `Doubtful figures: ${doubtful.map((v) => `${variantName(v)} ${v.summary.ok ? 'was' : 'lost or failed, and was'}${v.summary.generatorBound ? ' generator-bound' : ' measured'}`).join('; ')}; a generator that falls behind polls less often than scheduled, so the requests, bytes and CPU per message it shows are below the workload's.`,
      );
    }
    evidence.push(
      tlsKeep
        ? 'So the claim holds only for clients that do not reuse connections, and it costs most where the handshake is expensive, over TLS; HTTP/1.1 keep-alive, the default of every browser and of this harness, removes it.'
        : 'So the claim holds only for clients that do not reuse connections; HTTP/1.1 keep-alive, the default of every browser and of this harness, removes it. (This run measured no TLS variant: the handshake scenario has them.)',
    );
    return { claim, verdict: 'refuted', evidence };
  }
  const polling = results.steps.flatMap((s) => s.variants.filter((v) => factsOf(v.variant.transport)?.http === true));
  const trial = polling[0]?.trials[0];
  if (!trial || trial.wire.requests === 0) return { claim, verdict: 'not measured', evidence: ['No polling transport ran (the handshake scenario measures this claim).'] };
  return {
    claim,
    verdict: 'refuted',
    evidence: [
      `${capitalized(variantName(polling[0] as VariantResult))} with keep-alive opened ${trial.wire.connections} TCP connections for ${trial.wire.requests} requests in the window.`,
      'Run the handshake scenario to measure what a new connection per request would cost, over plain TCP and over TLS.',
    ],
  };
}

function websocketsScaleWorse(results: BenchResults): ClaimCheck {
  const claim = 'WebSockets scale worse';
  const others = (s: StepResult): VariantResult[] => chatVariants(s).filter((v) => v.variant.transport !== 'websocket' && v.variant.keepAlive !== false);
  const steps = sweep(results, 'clients').filter((s) => byTransport(s, 'websocket') && others(s).length > 0);
  if (steps.length === 0) return { claim, verdict: 'not measured', evidence: ['This run has no scale steps (run the scale scenario).'] };
  const top = steps.at(-1) as StepResult;
  const ws = byTransport(top, 'websocket') as VariantResult;
  const rest = others(top);
  const clients = top.step.x?.value ?? 0;
  // RSS per client where it means something; the heap below that.
  const memoryKey = stepClients(top) >= RSS_MIN_CLIENTS ? 'server.perClientRssBytes' : 'server.perClientHeapBytes';
  const keys = ['latency.p99', 'perDelivered.serverCpuUs', memoryKey] as const;
  let wsWorse = 0;
  let wsBetter = 0;
  const distrusted = new Set<string>();
  for (const key of keys) {
    for (const o of rest) {
      if (!o.summary.ok) continue;
      // A latency the generator limited in every round is not evidence either way.
      const unjudged = [ws, o].filter((v) => judgedFigure(v, key).excluded !== undefined);
      if (unjudged.length > 0) {
        for (const v of unjudged) distrusted.add(`${variantName(v)}'s ${FIGURE_WORDS[key] ?? key} (${judgedFigure(v, key).excluded as string})`);
        continue;
      }
      if (med(ws, key) > med(o, key)) wsWorse++;
      else wsBetter++;
    }
  }
  const line = (v: VariantResult): string =>
    `${capitalized(variantName(v))}: p99 ${formatUs(med(v, 'latency.p99'))}, ${formatUs(med(v, 'perDelivered.serverCpuUs'))} CPU per message, ${formatBytes(med(v, memoryKey))} of ${memoryKey === 'server.perClientRssBytes' ? 'RSS' : 'heap'} per client` +
    (v.summary.ok ? '' : ' (lost or failed)') +
    (v.summary.generatorBound ? ' (generator-bound)' : '');
  const evidence = [`At ${clients.toLocaleString('en-US')} clients:`, line(ws), ...rest.map(line)];
  const broke = rest.filter((o) => !o.summary.ok);
  if (broke.length > 0 && ws.summary.ok) evidence.push(`${capitalized(broke.map((v) => variantName(v)).join(' and '))} lost messages at this size; WebSocket did not.`);
  if (distrusted.size > 0) evidence.push(`Left out: ${[...distrusted].join('; ')}.`);
  if (ws.summary.ok && wsWorse + wsBetter === 0) return { claim, verdict: 'not judged', evidence: [`Not judged: every comparison would rest on ${[...distrusted].join(' and ')}.`, ...evidence] };
  const verdict: ClaimVerdict = !ws.summary.ok ? 'supported' : wsWorse === 0 ? 'refuted' : wsBetter === 0 ? 'supported' : 'qualified';
  return { claim, verdict, evidence };
}

/** A figure a cost claim compares, its name in prose and its format. */
type Aspect = readonly [string, 'perDelivered.serverCpuUs' | 'perDelivered.bytes' | 'latency.p50' | 'latency.p99' | 'server.perClientHeapBytes', (n: number) => string];

/**
 * `a` against `b` on each aspect both measured and the report trusts for both: the ratio of the
 * medians (1 at most when the rounds overlap), in words; and what was left out, and why.
 */
function costRatios(a: VariantResult, b: VariantResult, aspects: readonly Aspect[]): { ratios: { ratio: number; text: string }[]; unjudged: string[]; unmeasured: boolean } {
  const server = serverMeasured(a) && serverMeasured(b);
  const measured = aspects.filter(([, key]) => server || !(key.startsWith('server.') || key === 'perDelivered.serverCpuUs'));
  // A figure the report distrusts for either (latency the generator limited in every round) is not judged.
  const unjudged = measured.flatMap(([name, key]) =>
    [a, b].flatMap((v) => {
      const j = judgedFigure(v, key);
      return j.excluded === undefined ? [] : [`${variantName(v)}'s ${name} (${j.excluded})`];
    }),
  );
  const judged = measured.filter(([, key]) => judgedFigure(a, key).excluded === undefined && judgedFigure(b, key).excluded === undefined);
  const ratios = judged.map(([name, key, format]) => {
    const x = judgedFigure(a, key).spread as Spread;
    const y = judgedFigure(b, key).spread as Spread;
    const noise = withinNoise(x, y);
    const ratio = x.median / Math.max(1e-9, y.median);
    return { ratio: noise ? Math.min(ratio, 1) : ratio, text: `${name} ${format(x.median)} against ${format(y.median)} (${formatRatio(ratio)}${noise ? ', within the noise across rounds' : ''})` };
  });
  return { ratios, unjudged, unmeasured: measured.length < aspects.length };
}

/** The variants of a step that lost messages or failed, and those generator-bound in some round, in words for a cost claim. */
function fairness(variants: readonly VariantResult[], unjudged: readonly string[]): { broke: VariantResult[]; notes: string[] } {
  const broke = variants.filter((v) => !v.summary.ok);
  const notes: string[] = [];
  if (broke.length > 0) notes.push(`${capitalized(broke.map((v) => variantName(v)).join(' and '))} lost messages or failed in this step: its figures are not a fair cost.`);
  const bound = variants.filter((v) => v.summary.ok && v.summary.generatorBound);
  if (bound.length > 0 && unjudged.length === 0) {
    notes.push(`${capitalized(bound.map((v) => variantName(v)).join(' and '))} ${bound.length > 1 ? 'were' : 'was'} generator-bound in some round of this step: latencies are judged on the other rounds only.`);
  }
  return { broke, notes };
}

function sseCostsLikeWebSocket(results: BenchResults): ClaimCheck {
  const claim = 'SSE costs almost what a WebSocket costs';
  const paired = results.steps.filter((s) => byTransport(s, 'sse') && byTransport(s, 'websocket'));
  // The ordinary chat outside a sweep when there is one; else the largest step of the sweep.
  const step = paired.find((s) => s.step.x === undefined) ?? [...paired].sort((a, b) => stepClients(b) - stepClients(a))[0];
  if (!step) return { claim, verdict: 'not measured', evidence: ['No step ran SSE beside WebSocket.'] };
  const sse = byTransport(step, 'sse') as VariantResult;
  const ws = byTransport(step, 'websocket') as VariantResult;
  const aspects: readonly Aspect[] = [
    ['server CPU per message', 'perDelivered.serverCpuUs', formatUs],
    ['bytes per message', 'perDelivered.bytes', formatBytes],
    ['p50', 'latency.p50', formatUs],
    ['p99', 'latency.p99', formatUs],
  ];
  const { ratios, unjudged, unmeasured } = costRatios(sse, ws, aspects);
  const evidence = [
    `In “${step.step.label}”, SSE against WebSocket: ${ratios.map((r) => r.text).join('; ')}.`,
    `Almost means within ${SSE_ALMOST_FACTOR}× of WebSocket (or within the noise across rounds) on every figure; beyond ${SSE_FAR_FACTOR}× on any refutes the claim. ` +
      'Both push each message down a connection held open; SSE adds the event\'s field names to each event, and posts with an HTTP request where WebSocket sends a frame on its socket.',
  ];
  if (unmeasured) evidence.push('Server CPU was not measured (the servers ran outside the bench, --target).');
  const { broke, notes } = fairness([sse, ws], unjudged);
  evidence.push(...notes);
  if (broke.length > 0) return { claim, verdict: 'not judged', evidence: [`Not judged: ${broke.map((v) => variantName(v)).join(' and ')} lost messages or failed in “${step.step.label}”.`, ...evidence] };
  const worst = Math.max(...ratios.map((r) => r.ratio));
  if (unjudged.length > 0) {
    // Trusted figures far apart refute it whatever the rest say; otherwise it rests on what the report distrusts.
    if (worst > SSE_FAR_FACTOR) return { claim, verdict: 'refuted', evidence: [...evidence, `Left out: ${unjudged.join('; ')}.`] };
    return { claim, verdict: 'not judged', evidence: [`Not judged: it would rest on ${unjudged.join(' and ')}.`, ...evidence] };
  }
  const verdict: ClaimVerdict = worst <= SSE_ALMOST_FACTOR ? 'supported' : worst > SSE_FAR_FACTOR ? 'refuted' : 'qualified';
  return { claim, verdict, evidence };
}

/**
 * "A framework costs little over its transport": Socket.IO on each engine.io transport against
 * this project's server of the same transport in the same step (engine.io's WebSocket against the
 * WebSocket server on ws, its long polling against the long-polling server on fastify), on server
 * CPU per message, bytes per message and heap per client. Little means at most
 * `FRAMEWORK_LITTLE_FACTOR` times (or within the noise); beyond `FRAMEWORK_FAR_FACTOR` on any refutes it.
 */
export const FRAMEWORK_LITTLE_FACTOR = 1.25;
export const FRAMEWORK_FAR_FACTOR = 2;
/** Each framework's engines, with this project's server of the same transport: the registry's `over`. */
const FRAMEWORK_UNDER = BENCH_TRANSPORTS.flatMap((framework) => Object.entries(factsOf(framework)?.over ?? {}).map(([engine, transport]) => ({ framework, engine, transport })));
/** The baseline that is the floor of a transport, if one is. */
const floorOf = (transport: string) => BENCH_TRANSPORTS.find((t) => factsOf(t)?.baselineOf === transport);

function frameworkCostsLittle(results: BenchResults): ClaimCheck {
  const claim = 'A framework costs little over its transport';
  const aspects: readonly Aspect[] = [
    ['server CPU per message', 'perDelivered.serverCpuUs', formatUs],
    ['bytes per message', 'perDelivered.bytes', formatBytes],
    ['heap per client', 'server.perClientHeapBytes', formatBytes],
  ];
  const pairs = results.steps.flatMap((step) =>
    FRAMEWORK_UNDER.flatMap(({ framework: name, engine, transport }) => {
      const framework = step.variants.find((v) => v.variant.transport === name && v.variant.engine === engine);
      const under = byTransport(step, transport);
      const floor = floorOf(transport);
      return framework && under ? [{ step, framework, under, baseline: floor && byTransport(step, floor) }] : [];
    }),
  );
  if (pairs.length === 0) return { claim, verdict: 'not measured', evidence: ['No step ran Socket.IO on one engine.io transport beside this project\'s server of that transport (the socketio scenario does).'] };
  const evidence: string[] = [];
  const worsts: number[] = [];
  const left: string[] = [];
  for (const { step, framework, under, baseline } of pairs) {
    const { ratios, unjudged } = costRatios(framework, under, aspects);
    const { broke, notes } = fairness([framework, under], unjudged);
    if (broke.length > 0) return { claim, verdict: 'not judged', evidence: [`Not judged: ${broke.map((v) => variantName(v)).join(' and ')} lost messages or failed in “${step.step.label}”.`, ...notes] };
    const raw = baseline ? costRatios(framework, baseline, aspects.slice(0, 1)).ratios.map((r) => `; against ${variantName(baseline)}, ${r.text}`).join('') : '';
    evidence.push(`In “${step.step.label}”, Socket.IO on engine.io's ${framework.variant.engine ?? ''} alone against ${variantName(under)}: ${ratios.map((r) => r.text).join('; ')}${raw}.`, ...notes);
    worsts.push(...ratios.map((r) => r.ratio));
    left.push(...unjudged);
  }
  evidence.push(
    `Little means within ${FRAMEWORK_LITTLE_FACTOR}× of the server of the same transport (or within the noise across rounds) on every figure; beyond ${FRAMEWORK_FAR_FACTOR}× on any refutes the claim. ` +
      'Socket.IO wraps each message in its packet and engine.io\'s, keeps a session per client on top of the connection, and (over polling) answers each poll with engine.io\'s framing.',
  );
  const worst = Math.max(...worsts);
  if (left.length > 0 && worst <= FRAMEWORK_FAR_FACTOR) return { claim, verdict: 'not judged', evidence: [`Not judged: it would rest on ${left.join(' and ')}.`, ...evidence] };
  const verdict: ClaimVerdict = worst <= FRAMEWORK_LITTLE_FACTOR ? 'supported' : worst > FRAMEWORK_FAR_FACTOR ? 'refuted' : 'qualified';
  return { claim, verdict, evidence };
}

/** Every claim, checked against this run's figures. */
export function checkClaims(results: BenchResults): ClaimCheck[] {
  return [
    pollingWastes(results),
    pollingAddsLatency(results),
    heldConnectionsCostly(results),
    handshakePerRequest(results),
    websocketsScaleWorse(results),
    sseCostsLikeWebSocket(results),
    frameworkCostsLittle(results),
    ...lossyClaims(results),
    // Judged in round trips: only a run across a distance has them.
    ...(results.steps.some((s) => s.step.distance) ? wanClaims(results) : []),
  ];
}
