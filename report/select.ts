/** Finding variants and figures in a results file: the shared vocabulary of verdict, claims and charts. */
import {
  adapterWords,
  browserMembersWords,
  BENCH_TRANSPORTS,
  KNOB_WORDS,
  TRANSPORT_FACTS,
  factsOf,
  type BenchResults,
  type FigureKey,
  type Spread,
  type StepResult,
  type TransportFacts,
  type Variant,
  type VariantResult,
  generatorSensitive,
} from '../bench/model/results.ts';
import { figureValue, spread } from '../bench/model/aggregate.ts';

/** What a transport is called in prose. */
export const TRANSPORT_NAMES: Readonly<Record<string, string>> = Object.fromEntries(BENCH_TRANSPORTS.map((t) => [t, TRANSPORT_FACTS[t].label]));

/** The transports that poll: for the others, a share of empty polls is not applicable. */
export const POLLING_TRANSPORTS: readonly string[] = BENCH_TRANSPORTS.filter((t) => TRANSPORT_FACTS[t].http);

/**
 * Below this many clients, server RSS per client is not meaningful: the server's RSS moves by
 * several MB with no client at all (a grown heap, compiled code), which at 100 clients is ±100 KB
 * per client, more than a connection costs. The heap per client is exact at any size.
 */
export const RSS_MIN_CLIENTS = 1000;

function formatMs(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** A variant's knobs in words: poll interval, long-poll wait, a new connection per request, TLS, HTTP/2. */
export function variantKnobs(v: Variant): string[] {
  const knobs: string[] = [];
  const knob = factsOf(v.transport)?.knob;
  if (knob !== undefined) {
    const value = v[knob];
    knobs.push(value === undefined ? KNOB_WORDS[knob].missing : `${KNOB_WORDS[knob].prefix} ${formatMs(value)}`);
  }
  if (v.keepAlive === false) knobs.push('new connection per request');
  if (v.tls === true) knobs.push(v.resumeTls === false ? 'over TLS, full handshakes' : 'over TLS');
  if (v.http2 === true) knobs.push('HTTP/2');
  if (v.adapter !== undefined) knobs.push(adapterWords(v.adapter));
  // WebRTC runs once per data channel: "WebRTC (reliable channel)", "WebRTC (lossy channel)".
  if (v.channel !== undefined) knobs.push(`${v.channel} channel`);
  // Node and browser members of one transport side by side (the browser scenario) must not read alike.
  const browser = browserMembersWords(v);
  if (browser) knobs.push(browser);
  return knobs;
}

/** A variant's name in prose: its transport and its knobs, "short polling (every 1 s)". */
export function variantName(v: VariantResult | Variant): string {
  const variant = 'variant' in v ? v.variant : v;
  const base = TRANSPORT_NAMES[variant.transport] ?? variant.transport;
  const knobs = variantKnobs(variant);
  return knobs.length > 0 ? `${base} (${knobs.join(', ')})` : base;
}

/** "Short polling (every 1 s)" at the start of a sentence. */
export function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function figure(v: VariantResult, key: FigureKey): Spread {
  return v.summary.figures[key];
}

/** The chat transports of a step (baselines left out). */
export function chatVariants(step: StepResult): VariantResult[] {
  return step.variants.filter((v) => !inGroup(v, 'baseline'));
}

/** Whether a variant's transport is of a group: it polls, its messages are pushed, or a baseline. */
export function inGroup(v: VariantResult, group: TransportFacts['group']): boolean {
  return factsOf(v.variant.transport)?.group === group;
}

/** The variants of a step in a group, each with connections reused, in the order the step lists them. */
export function ofGroup(step: StepResult, group: TransportFacts['group']): VariantResult[] {
  return step.variants.filter((v) => inGroup(v, group) && v.variant.keepAlive !== false);
}

/**
 * The variant of `transport` a step's claims and charts speak of: connections reused, and Node
 * members where the step also ran browser members (the browser scenario), whose figures carry
 * Chromium's own costs; a run of browser members only is read as it ran.
 */
export function byTransport(step: StepResult, transport: string): VariantResult | undefined {
  const of = step.variants.filter((v) => v.variant.transport === transport && v.variant.keepAlive !== false);
  return of.find((v) => v.variant.clients !== 'browser') ?? of[0];
}

/** Steps that sweep a parameter (`clients`, `pollIntervalMs`), in order of the swept value. */
export function sweep(results: BenchResults, name: string): StepResult[] {
  return results.steps.filter((s) => s.step.x?.name === name).sort((a, b) => (a.step.x?.value ?? 0) - (b.step.x?.value ?? 0));
}

/** Clients connected in a step: every member of every room. */
export function stepClients(step: StepResult): number {
  return step.step.workload.rooms * step.step.workload.members;
}

/** Why a figure is not shown as a number: a short note for its cell, and the whole reason. */
export interface FigureCaveat {
  readonly kind: 'not meaningful' | 'not applicable' | 'not measured';
  /** "not meaningful at 100 clients". */
  readonly note: string;
  /** The reason in a sentence, for a note below the table. */
  readonly why: string;
}

/**
 * Why a figure of a variant is not shown as a number, or undefined when it is meaningful: RSS per
 * client below {@link RSS_MIN_CLIENTS} clients, empty polls of a transport that does not poll.
 */
export function figureCaveat(step: StepResult, v: VariantResult, key: FigureKey): FigureCaveat | undefined {
  const clients = stepClients(step);
  const limited = v.trials.find((t) => t.limit);
  if (v.summary.notMeasured?.includes(key) && limited) {
    return { kind: 'not measured', note: 'not run', why: `Not run: ${limited.problems.join('; ')}. More server processes are what it takes.` };
  }
  if (v.summary.notMeasured?.includes(key) && key === 'perDelivered.generatorCpuUs') {
    return {
      kind: 'not measured',
      note: 'not measured',
      why: "The generator's CPU per message was not recorded by the version of the bench that wrote this results file.",
    };
  }
  // A server the bench started but whose connections are not in the file: written before they were read.
  if (v.summary.notMeasured?.includes(key) && key === 'server.connectionsPerClient' && v.trials.some((t) => t.server && t.server.source !== 'proc')) {
    return {
      kind: 'not measured',
      note: 'not measured',
      why: 'The connections the server holds were not recorded by the version of the bench that wrote this results file.',
    };
  }
  if (v.summary.notMeasured?.includes(key)) {
    return {
      kind: 'not measured',
      note: 'not measured',
      why:
        "This figure is not measured for a server the bench did not start (--target): only a server it starts reports its heap, event-loop delay and connections, and its CPU and RSS are read only when its process id is given (--target-pid, from /proc).",
    };
  }
  const rssKeys: readonly FigureKey[] = ['server.rssWindowBytes', 'server.perClientRssBytes'];
  if (rssKeys.includes(key) && v.trials.some((t) => t.server?.rssIsPeak)) {
    return {
      kind: 'not meaningful',
      note: 'an upper bound, not a reading',
      why: "The server could not read its RSS in some round (too many open files) and reported its peak RSS instead, so its RSS figures are upper bounds, not readings.",
    };
  }
  if (key === 'server.perClientRssBytes' && clients < RSS_MIN_CLIENTS) {
    return {
      kind: 'not meaningful',
      note: `not meaningful at ${clients.toLocaleString('en-US')} clients`,
      why:
        `Server RSS per client is not meaningful at ${clients.toLocaleString('en-US')} clients: the server's RSS moves by megabytes with no client at all, ` +
        `so below ${RSS_MIN_CLIENTS.toLocaleString('en-US')} clients RSS per client is noise. The heap per client is exact at any size.`,
    };
  }
  if (key === 'wire.emptyPollShare' && !POLLING_TRANSPORTS.includes(v.variant.transport)) {
    const name = TRANSPORT_NAMES[v.variant.transport] ?? v.variant.transport;
    return { kind: 'not applicable', note: 'not applicable', why: `Empty polls are not applicable to ${name}: it does not poll.` };
  }
  return undefined;
}

/**
 * Two figures differ within the noise when their ranges across rounds overlap: the rounds of one
 * reached the other's. With one round each, a range is a point and only equal figures tie.
 */
export function withinNoise(a: Spread, b: Spread): boolean {
  return a.min <= b.max && b.min <= a.max;
}

/**
 * Whether the run measured this variant's server (a --target run measures only its clients). The
 * connections it holds do not count: a file written before they were read lacks them alone.
 */
export function serverMeasured(v: VariantResult): boolean {
  return !(v.summary.notMeasured ?? []).some((key) => (key.startsWith('server.') && key !== 'server.connectionsPerClient') || key === 'perDelivered.serverCpuUs');
}

export { generatorSensitive } from '../bench/model/results.ts';

/** What a figure of a variant may be judged on: its spread over the rounds it may use, or why it may not be judged. */
export type JudgedFigure =
  | { readonly spread: Spread; readonly rounds: number; readonly dropped: number; readonly excluded?: undefined }
  | { readonly excluded: string; readonly spread?: undefined };

/** Why a variant's latency is left out when the generator limited every one of its rounds. */
export const GENERATOR_BOUND_EVERY_ROUND = 'generator-bound in every round, so its latency measures the load generator';

/**
 * A figure of a variant as the verdict, the headline and the claims may use it: a variant that
 * lost messages is never judged; a latency drops the rounds the generator limited (judged on the
 * others, or not at all when it limited every round); every other figure keeps every round. A file
 * that marks the variant generator-bound without saying which round counts as every round.
 */
export function judgedFigure(v: VariantResult, key: FigureKey): JudgedFigure {
  if (!v.summary.ok) return { excluded: 'lost or failed' };
  const all = figure(v, key);
  if (!generatorSensitive(key) || !(v.summary.generatorBound || v.trials.some((t) => t.generator.bound))) return { spread: all, rounds: v.summary.rounds, dropped: 0 };
  const free = v.trials.filter((t) => !t.generator.bound && !t.limit);
  const bound = v.trials.filter((t) => t.generator.bound);
  if (bound.length === 0 || free.length === 0) return { excluded: GENERATOR_BOUND_EVERY_ROUND };
  const values = free.flatMap((t) => figureValue(t, key) ?? []);
  if (values.length === 0) return { excluded: GENERATOR_BOUND_EVERY_ROUND };
  return { spread: spread(values), rounds: free.length, dropped: bound.length };
}

/** A variant whose numbers should not be trusted as a best: it lost messages or the generator limited it. */
export function untrusted(v: VariantResult): string | undefined {
  if (!v.summary.ok) return 'lost or failed';
  if (v.summary.generatorBound) return 'generator-bound';
  return undefined;
}

/** The handshake scenario's polling variants: keep-alive or a new connection per request, plain or over TLS. */
export interface HandshakeVariants {
  readonly keep: VariantResult;
  readonly fresh: VariantResult;
  readonly tlsKeep?: VariantResult;
  readonly tlsFresh?: VariantResult;
  readonly tlsFull?: VariantResult;
}

export function handshakeVariants(results: BenchResults): HandshakeVariants | undefined {
  for (const step of results.steps) {
    const found = handshakeVariantsIn(step);
    if (found) return found;
  }
  return undefined;
}

/** The handshake variants of one step, or undefined when it lacks keep-alive or a new connection per request. */
export function handshakeVariantsIn(step: StepResult): HandshakeVariants | undefined {
  const polled = step.variants.filter((v) => inGroup(v, 'poll') && v.variant.http2 !== true);
  const find = (keepAlive: boolean, tls: boolean, resume = true): VariantResult | undefined =>
    polled.find((v) => (v.variant.keepAlive !== false) === keepAlive && (v.variant.tls === true) === tls && (v.variant.resumeTls !== false) === resume);
  const keep = find(true, false);
  const fresh = find(false, false);
  if (!keep || !fresh) return undefined;
  const tlsKeep = find(true, true);
  const tlsFresh = find(false, true);
  const tlsFull = find(false, true, false);
  return { keep, fresh, ...(tlsKeep ? { tlsKeep } : {}), ...(tlsFresh ? { tlsFresh } : {}), ...(tlsFull ? { tlsFull } : {}) };
}
