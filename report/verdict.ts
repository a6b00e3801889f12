/**
 * The verdict of a step: for each thing a reader weighs (speed, requests, bytes, CPU, memory),
 * which chat transport did best and by how much, with the spread across rounds, or a tie when the
 * difference is within the noise across rounds. And the headline: the run's verdict and its
 * trade-off in two sentences, made from the figures. Pure.
 */
import type { BenchResults, FigureKey, StepResult, VariantResult } from '../bench/results.ts';
import { formatBytes, formatNumber, formatRatio, formatUs } from '../bench/format.ts';
import { capitalized, chatVariants, figure, untrusted, variantName, withinNoise } from './select.ts';

export interface VerdictLine {
  /** "Fastest delivery (p50)", "Fewest HTTP requests per message", … */
  readonly title: string;
  readonly figure: FigureKey;
  /** The variant that did best, or undefined when no trustworthy variant was measured. */
  readonly best: string | undefined;
  /** The variants within the noise of the best, the best first; empty when the best is clear. */
  readonly tie: readonly string[];
  /** One sentence with relative figures. */
  readonly sentence: string;
}

/** Each aspect: the figure, its bare value format (for ranges), and the words around it. */
const ASPECTS: readonly { title: string; figure: FigureKey; value: (n: number) => string; suffix: string; more: string; zero: string }[] = [
  { title: 'Fastest delivery (p50)', figure: 'latency.p50', value: formatUs, suffix: '', more: 'slower', zero: '' },
  { title: 'Shortest tail latency (p99)', figure: 'latency.p99', value: formatUs, suffix: '', more: 'slower', zero: '' },
  { title: 'Fewest HTTP requests per message', figure: 'perDelivered.requests', value: formatNumber, suffix: ' per message', more: 'more requests', zero: 'no HTTP request after its handshake' },
  { title: 'Fewest bytes per message', figure: 'perDelivered.bytes', value: formatBytes, suffix: ' per message', more: 'more bytes', zero: 'no bytes' },
  { title: 'Least server CPU per message', figure: 'perDelivered.serverCpuUs', value: formatUs, suffix: ' of CPU per message', more: 'more CPU', zero: 'no CPU' },
  // Heap, not RSS: it is exact at any number of clients (see ServerMeasure.perClientRssBytes).
  { title: 'Least server memory per client (heap)', figure: 'server.perClientHeapBytes', value: formatBytes, suffix: ' of V8 heap per client', more: 'more heap', zero: 'no heap' },
];

function rangeText(v: VariantResult, key: FigureKey, value: (n: number) => string): string {
  const s = figure(v, key);
  return s.min === s.max ? '' : ` (rounds: ${value(s.min)} to ${value(s.max)})`;
}

/** The variants sorted best first on a figure (lower is better for every aspect). */
function ranked(variants: readonly VariantResult[], key: FigureKey): VariantResult[] {
  return [...variants].sort((a, b) => figure(a, key).median - figure(b, key).median);
}

/** The best and every other variant whose range across rounds overlaps the best's. */
function tiedWithBest(sorted: readonly VariantResult[], key: FigureKey): VariantResult[] {
  const best = sorted[0];
  if (!best) return [];
  return sorted.filter((v) => withinNoise(figure(best, key), figure(v, key)));
}

/** The verdict lines of one step, over its chat transports (baselines are compared elsewhere). */
export function stepVerdict(step: StepResult): VerdictLine[] {
  const all = chatVariants(step);
  const trusted = all.filter((v) => untrusted(v) === undefined);
  return ASPECTS.map((aspect) => {
    if (trusted.length === 0 || all.length < 2) {
      return { title: aspect.title, figure: aspect.figure, best: undefined, tie: [], sentence: all.length < 2 ? 'Only one transport ran in this step.' : 'No transport delivered everything without the generator limiting it.' };
    }
    const sorted = ranked(trusted, aspect.figure);
    const best = sorted[0] as VariantResult;
    const bestValue = figure(best, aspect.figure).median;
    const tied = tiedWithBest(sorted, aspect.figure);
    const rest = all.filter((v) => !tied.includes(v)).map((v) => {
      const value = figure(v, aspect.figure).median;
      const note = untrusted(v);
      const suffix = note ? ` [${note}]` : '';
      if (bestValue <= 0) return `${variantName(v)} ${aspect.value(value)}${aspect.suffix}${suffix}`;
      const ratio = value / bestValue;
      return ratio < 1.05 ? `${variantName(v)} about the same${suffix}` : `${formatRatio(ratio)} ${aspect.more} for ${variantName(v)}${suffix}`;
    });
    const valueText = (v: VariantResult): string => {
      const n = figure(v, aspect.figure).median;
      return n <= 0 && aspect.zero ? aspect.zero : `${aspect.value(n)}${aspect.suffix}`;
    };
    if (tied.length > 1) {
      const each = tied.map((v) => `${variantName(v)} ${valueText(v)}${rangeText(v, aspect.figure, aspect.value)}`).join(', ');
      const sentence = `Tie within the noise: ${each}; their ranges across rounds overlap${rest.length > 0 ? `; ${rest.join('; ')}` : ''}.`;
      return { title: aspect.title, figure: aspect.figure, best: undefined, tie: tied.map((v) => variantName(v)), sentence };
    }
    const sentence = `${variantName(best)}: ${valueText(best)}${rangeText(best, aspect.figure, aspect.value)}; ${rest.join('; ')}.`;
    return { title: aspect.title, figure: aspect.figure, best: variantName(best), tie: [], sentence };
  });
}

/** A difference in µs rounded to two significant figures, "~500 ms": the headline's precision. */
function roughly(us: number): string {
  if (us <= 0) return formatUs(0);
  const magnitude = 10 ** (Math.floor(Math.log10(us)) - 1);
  return `~${formatUs(Math.round(us / magnitude) * magnitude).replace(/\.0+ /, ' ').replace(/(\.\d*?)0+ /, '$1 ')}`;
}

/** The step the headline speaks of: the first that compared two or more chat transports, outside a sweep when there is one. */
function headlineStep(results: BenchResults): StepResult | undefined {
  const compared = results.steps.filter((s) => chatVariants(s).length >= 2);
  return compared.find((s) => s.step.x === undefined) ?? compared.at(-1);
}

function list(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1) as string}`;
}

/**
 * The run's verdict in one or two sentences, as an engineer would give it: who delivered fastest
 * and at what cost in bytes, and what the slowest transport traded for its latency. Only
 * transports that delivered everything without the generator limiting them are compared.
 */
export function headline(results: BenchResults): string {
  const step = headlineStep(results);
  if (!step) return 'No step compared two chat transports, so this run gives no verdict between them; its figures are below.';
  const where = results.steps.length > 1 ? `In “${step.step.label}”, ` : '';
  const all = chatVariants(step);
  const trusted = all.filter((v) => untrusted(v) === undefined);
  const excluded = all.filter((v) => untrusted(v) !== undefined);
  const excludedText = excluded.length > 0 ? ` ${capitalized(list(excluded.map((v) => `${variantName(v)} (${untrusted(v) as string})`)))} ${excluded.length > 1 ? 'are' : 'is'} left out: see “Read this first”.` : '';
  if (trusted.length < 2) {
    const only = trusted[0];
    if (!only) {
      const reasons = [...new Set(excluded.map((v) => untrusted(v) as string))].join(' or ');
      const text = `no transport delivered every message without the generator limiting it (each was ${reasons}), so this run gives no verdict between them: see “Read this first”.`;
      return where ? where + text : capitalized(text);
    }
    const text = `only ${variantName(only)} delivered every message without the generator limiting it, so there is no verdict between transports.`;
    return `${where ? where + text : capitalized(text)}${excludedText}`;
  }
  const p50 = (v: VariantResult): number => figure(v, 'latency.p50').median;
  const bytes = (v: VariantResult): number => figure(v, 'perDelivered.bytes').median;
  const requests = (v: VariantResult): number => figure(v, 'perDelivered.requests').median;
  const bySpeed = ranked(trusted, 'latency.p50');
  const fastest = bySpeed[0] as VariantResult;
  const fastTie = tiedWithBest(bySpeed, 'latency.p50');
  const byBytes = ranked(trusted, 'perDelivered.bytes');
  const leanest = tiedWithBest(byBytes, 'perDelivered.bytes');

  let first: string;
  if (fastTie.length > 1) {
    first = `${list(fastTie.map((v) => `${variantName(v)} (p50 ${formatUs(p50(v))})`))} delivered equally fast within the noise across rounds`;
  } else {
    first = `${variantName(fastest)} delivered fastest (p50 ${formatUs(p50(fastest))}, p99 ${formatUs(figure(fastest, 'latency.p99').median)})`;
  }
  if (leanest.includes(fastest)) {
    first += ` at the fewest bytes on the wire (${formatBytes(bytes(fastest))} per message${leanest.length > 1 ? ', level within the noise with ' + list(leanest.filter((v) => v !== fastest).map((v) => variantName(v))) : ''})`;
  } else {
    const lean = leanest[0] as VariantResult;
    first += `; ${variantName(lean)} moved the fewest bytes, ${formatBytes(bytes(lean))} per message against ${formatBytes(bytes(fastest))} for ${variantName(fastest)}`;
  }

  const slowest = bySpeed.at(-1) as VariantResult;
  let second = '';
  if (!fastTie.includes(slowest)) {
    const mostRequests = ranked(trusted, 'perDelivered.requests').at(-1) as VariantResult;
    second = `${variantName(slowest)} added ${roughly(p50(slowest) - p50(fastest))} at p50`;
    const between = bySpeed.filter((v) => v !== slowest && !fastTie.includes(v));
    if (mostRequests === slowest || requests(mostRequests) <= requests(slowest)) {
      second += ` and spent the most requests, ${formatNumber(requests(slowest))} per message`;
    } else {
      second += ` but spent ${formatNumber(requests(slowest))} requests per message against ${formatNumber(requests(mostRequests))} for ${variantName(mostRequests)}`;
      if (between.includes(mostRequests)) second += `, whose p50 was ${formatUs(p50(mostRequests))}`;
    }
    const others = between.filter((v) => v !== mostRequests);
    if (others.length > 0) second += `; ${list(others.map((v) => `${variantName(v)} sat between (p50 ${formatUs(p50(v))}, ${formatNumber(requests(v))} requests per message)`))}`;
    second = ` ${capitalized(second)}.`;
  }
  return `${where ? where + first : capitalized(first)}.${second}${excludedText}`;
}
