/**
 * The claims check: the common claims about these transports, each with the figures of this run
 * that support, qualify or refute it. Pure; a claim this run has no figures for says so.
 */
import type { BenchResults, StepResult, VariantResult } from '../bench/results.ts';
import { formatBytes, formatNumber, formatRatio, formatShare, formatUs } from '../bench/format.ts';
import { byTransport, figure, sweep, variantName } from './select.ts';

export type ClaimVerdict = 'supported' | 'qualified' | 'refuted' | 'not measured';

export interface ClaimCheck {
  readonly claim: string;
  readonly verdict: ClaimVerdict;
  /** Sentences with the measured figures behind the verdict. */
  readonly evidence: readonly string[];
}

/** Latency this many times the push transports' is "adds latency" without doubt. */
export const LATENCY_CLAIM_FACTOR = 10;
/** Server RSS per held poll or socket above which a connection is "costly", and below which it is cheap. */
export const COSTLY_PER_CLIENT_BYTES = 64 * 1024;
export const CHEAP_PER_CLIENT_BYTES = 16 * 1024;
/** Below this many clients, RSS per client is within the RSS noise of a server (±10 MB). */
export const RSS_MIN_CLIENTS = 1000;
/** Client counts to extrapolate memory to, for a sense of scale. */
const EXTRAPOLATE_CLIENTS = 10_000;

/** The first step in which all the given transports ran. */
function stepWith(results: BenchResults, ...transports: string[]): StepResult | undefined {
  return results.steps.find((s) => transports.every((t) => byTransport(s, t)));
}

function med(v: VariantResult, key: Parameters<typeof figure>[1]): number {
  return figure(v, key).median;
}

function pollingWastes(results: BenchResults): ClaimCheck {
  const claim = 'Polling wastes requests and bandwidth';
  const step = stepWith(results, 'short-polling', 'websocket') ?? stepWith(results, 'short-polling', 'long-polling');
  const short = step && byTransport(step, 'short-polling');
  if (!step || !short) return { claim, verdict: 'not measured', evidence: ['No step ran short polling beside a push transport.'] };
  const others = [byTransport(step, 'long-polling'), byTransport(step, 'websocket')].filter((v): v is VariantResult => v !== undefined);
  const evidence = [
    `In "${step.step.label}", short polling spent ${formatNumber(med(short, 'perDelivered.requests'))} requests and ${formatBytes(med(short, 'perDelivered.bytes'))} per delivered message; ` +
      `${formatShare(med(short, 'wire.emptyPollShare'))} of its requests were polls that came back empty. ` +
      `Each room carried ${formatNumber(step.step.workload.ratePerMember * step.step.workload.members)} messages a second${short.variant.pollIntervalMs ? `, polled every ${formatUs(short.variant.pollIntervalMs * 1000)}` : ''}.`,
    ...others.map((o) => `${variantName(o)}: ${formatNumber(med(o, 'perDelivered.requests'))} requests and ${formatBytes(med(o, 'perDelivered.bytes'))} per delivered message.`),
  ];
  const worseRequests = others.every((o) => med(short, 'perDelivered.requests') > med(o, 'perDelivered.requests'));
  const worseBytes = others.every((o) => med(short, 'perDelivered.bytes') > med(o, 'perDelivered.bytes'));
  if (worseRequests && worseBytes) return { claim, verdict: 'supported', evidence };
  if (!worseRequests && !worseBytes) return { claim, verdict: 'refuted', evidence: [...evidence, 'At this message rate a poll usually finds several messages waiting, so polling is not the wasteful one here; in a quiet room, or with a shorter interval (the interval scenario), the balance turns.'] };
  const lp = byTransport(step, 'long-polling');
  const note =
    lp && med(short, 'perDelivered.requests') < med(lp, 'perDelivered.requests')
      ? 'Short polling spent fewer requests per message than long polling: in a busy room one poll collects several messages, while long polling answers and re-polls for each one.'
      : 'It depends on the figure: see the numbers.';
  return { claim, verdict: 'qualified', evidence: [...evidence, note] };
}

function pollingAddsLatency(results: BenchResults): ClaimCheck {
  const claim = 'Polling adds latency';
  const step = stepWith(results, 'short-polling', 'websocket') ?? stepWith(results, 'short-polling', 'long-polling');
  const short = step && byTransport(step, 'short-polling');
  if (!step || !short) return { claim, verdict: 'not measured', evidence: ['No step ran short polling beside a push transport.'] };
  const push = [byTransport(step, 'websocket'), byTransport(step, 'long-polling')].filter((v): v is VariantResult => v !== undefined);
  const interval = short.variant.pollIntervalMs;
  const evidence = [
    `Short polling${interval ? ` every ${formatUs(interval * 1000)}` : ''}: p50 ${formatUs(med(short, 'latency.p50'))}, mean ${formatUs(med(short, 'latency.mean'))}` +
      (interval ? ` (a message waits for the next poll: about half an interval, ${formatUs((interval * 1000) / 2)}, on average)` : '') +
      `, p99 ${formatUs(med(short, 'latency.p99'))}.`,
    ...push.map((p) => `${variantName(p)}: p50 ${formatUs(med(p, 'latency.p50'))}, p99 ${formatUs(med(p, 'latency.p99'))} (${formatRatio(med(short, 'latency.p50') / Math.max(1, med(p, 'latency.p50')))} faster at p50).`),
  ];
  const factor = Math.min(...push.map((p) => med(short, 'latency.p50') / Math.max(1, med(p, 'latency.p50'))));
  const verdict: ClaimVerdict = factor >= LATENCY_CLAIM_FACTOR ? 'supported' : factor > 1 ? 'qualified' : 'refuted';
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
  const candidates = results.steps.filter((s) => byTransport(s, 'long-polling') || byTransport(s, 'websocket'));
  if (candidates.length === 0) return { claim, verdict: 'not measured', evidence: ['No step held long polls or sockets.'] };
  // The step with the most clients measures the cost per connection best: fixed costs spread thin.
  const step = [...candidates].sort((a, b) => b.step.workload.rooms * b.step.workload.members - a.step.workload.rooms * a.step.workload.members)[0] as StepResult;
  const clients = step.step.workload.rooms * step.step.workload.members;
  const held = [byTransport(step, 'long-polling'), byTransport(step, 'websocket')].filter((v): v is VariantResult => v !== undefined);
  const rssMeaningful = clients >= RSS_MIN_CLIENTS;
  // RSS per client is only meaningful with many clients; the heap per client always is.
  const cost = (v: VariantResult): number => (rssMeaningful ? med(v, 'server.perClientRssBytes') : med(v, 'server.perClientHeapBytes'));
  const evidence = held.map((v) => {
    const rss = rssMeaningful ? `${formatBytes(med(v, 'server.perClientRssBytes'))} of server RSS and ` : '';
    return (
      `${variantName(v)} with ${clients.toLocaleString('en-US')} clients: ${rss}${formatBytes(med(v, 'server.perClientHeapBytes'))} of V8 heap per client; ` +
      `${formatBytes(cost(v) * EXTRAPOLATE_CLIENTS)} for ${EXTRAPOLATE_CLIENTS.toLocaleString('en-US')} at that rate; server CPU ${formatShare(med(v, 'server.cpuShare'))} of a core.`
    );
  });
  const worst = Math.max(...held.map(cost));
  const verdict: ClaimVerdict = worst >= COSTLY_PER_CLIENT_BYTES ? 'supported' : worst <= CHEAP_PER_CLIENT_BYTES ? 'refuted' : 'qualified';
  evidence.push(
    `Thresholds: ${formatBytes(COSTLY_PER_CLIENT_BYTES)} or more per connection counts as costly, ${formatBytes(CHEAP_PER_CLIENT_BYTES)} or less as cheap.` +
      (rssMeaningful ? '' : ` With fewer than ${RSS_MIN_CLIENTS.toLocaleString('en-US')} clients the RSS per client is noise, so the heap is judged: the scale scenario measures RSS too.`),
  );
  return { claim, verdict, evidence };
}

function handshakePerRequest(results: BenchResults): ClaimCheck {
  const claim = 'Every HTTP request pays a TCP handshake';
  const step = results.steps.find((s) => s.variants.some((v) => v.variant.keepAlive === false) && s.variants.some((v) => v.variant.transport === 'short-polling' && v.variant.keepAlive !== false));
  const keep = step?.variants.find((v) => v.variant.transport === 'short-polling' && v.variant.keepAlive !== false);
  const fresh = step?.variants.find((v) => v.variant.keepAlive === false);
  if (step && keep && fresh) {
    const connPerReq = (v: VariantResult): number => {
      const t = v.trials[0];
      return t && t.wire.requests > 0 ? t.wire.connections / t.wire.requests : 0;
    };
    return {
      claim,
      verdict: 'refuted',
      evidence: [
        `With keep-alive, short polling opened ${formatNumber(connPerReq(keep))} TCP connections per request; with a new connection per request, ${formatNumber(connPerReq(fresh))}.`,
        `Paying the handshake cost ${formatRatio(med(fresh, 'perDelivered.serverCpuUs') / Math.max(1e-9, med(keep, 'perDelivered.serverCpuUs')))} the server CPU per message ` +
          `(${formatUs(med(fresh, 'perDelivered.serverCpuUs'))} against ${formatUs(med(keep, 'perDelivered.serverCpuUs'))}) and ${formatRatio(med(fresh, 'perDelivered.bytes') / Math.max(1, med(keep, 'perDelivered.bytes')))} the bytes; ` +
          `p50 ${formatUs(med(fresh, 'latency.p50'))} against ${formatUs(med(keep, 'latency.p50'))}.`,
        'So the claim holds only for clients that do not reuse connections; HTTP/1.1 keep-alive, the default of every browser and of this harness, removes it.',
      ],
    };
  }
  const polling = results.steps.flatMap((s) => s.variants.filter((v) => v.variant.transport !== 'websocket' && v.variant.transport !== 'raw-ws'));
  const trial = polling[0]?.trials[0];
  if (!trial || trial.wire.requests === 0) return { claim, verdict: 'not measured', evidence: ['No polling transport ran (the handshake scenario measures this claim).'] };
  return {
    claim,
    verdict: 'refuted',
    evidence: [
      `${variantName(polling[0] as VariantResult)} with keep-alive opened ${trial.wire.connections} TCP connections for ${trial.wire.requests} requests in the window.`,
      'Run the handshake scenario to measure what a new connection per request would cost.',
    ],
  };
}

function websocketsScaleWorse(results: BenchResults): ClaimCheck {
  const claim = 'WebSockets scale worse';
  const steps = sweep(results, 'clients').filter((s) => byTransport(s, 'websocket') && (byTransport(s, 'long-polling') || byTransport(s, 'short-polling')));
  if (steps.length === 0) return { claim, verdict: 'not measured', evidence: ['This run has no scale steps (run the scale scenario).'] };
  const top = steps.at(-1) as StepResult;
  const ws = byTransport(top, 'websocket') as VariantResult;
  const others = [byTransport(top, 'long-polling'), byTransport(top, 'short-polling')].filter((v): v is VariantResult => v !== undefined);
  const clients = top.step.x?.value ?? 0;
  const keys = ['latency.p99', 'perDelivered.serverCpuUs', 'server.perClientRssBytes'] as const;
  let wsWorse = 0;
  let wsBetter = 0;
  for (const key of keys) {
    for (const o of others) {
      if (!o.summary.ok) continue;
      if (med(ws, key) > med(o, key)) wsWorse++;
      else wsBetter++;
    }
  }
  const line = (v: VariantResult): string =>
    `${variantName(v)}: p99 ${formatUs(med(v, 'latency.p99'))}, ${formatUs(med(v, 'perDelivered.serverCpuUs'))} CPU per message, ${formatBytes(med(v, 'server.perClientRssBytes'))} per client` +
    (v.summary.ok ? '' : ' (lost or failed)') +
    (v.summary.generatorBound ? ' (generator-bound)' : '');
  const evidence = [`At ${clients.toLocaleString('en-US')} clients:`, line(ws), ...others.map(line)];
  const broke = others.filter((o) => !o.summary.ok);
  if (broke.length > 0 && ws.summary.ok) evidence.push(`${broke.map(variantName).join(' and ')} lost messages at this size; WebSocket did not.`);
  const verdict: ClaimVerdict = !ws.summary.ok ? 'supported' : wsWorse === 0 ? 'refuted' : wsBetter === 0 ? 'supported' : 'qualified';
  return { claim, verdict, evidence };
}

/** Every claim, checked against this run's figures. */
export function checkClaims(results: BenchResults): ClaimCheck[] {
  return [pollingWastes(results), pollingAddsLatency(results), heldConnectionsCostly(results), handshakePerRequest(results), websocketsScaleWorse(results)];
}
