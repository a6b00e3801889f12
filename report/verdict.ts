/**
 * The verdict of a step: for each thing a reader weighs (speed, requests, bytes, CPU, memory),
 * which chat transport did best and by how much, with the spread across rounds, or a tie when the
 * difference is within the noise across rounds. And the headline: the run's verdict and its
 * trade-off in two sentences, made from the figures. Pure.
 */
import type { BenchResults, FigureKey, Spread, StepResult, VariantResult } from '../bench/model/results.ts';
import { formatBytes, formatNumber, formatRatio, formatUs } from '../bench/model/format.ts';
import { capitalized, chatVariants, judgedFigure, variantName, withinNoise } from './select.ts';

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

/** A variant with a figure it may be judged on (see {@link judgedFigure}). */
interface Judged {
  readonly v: VariantResult;
  readonly spread: Spread;
  readonly rounds: number;
  readonly dropped: number;
}

/** The variants of a step that a figure may judge, and the others with why they are left out. */
export function judgeable(variants: readonly VariantResult[], key: FigureKey): { judged: Judged[]; left: { v: VariantResult; why: string }[] } {
  const judged: Judged[] = [];
  const left: { v: VariantResult; why: string }[] = [];
  for (const v of variants) {
    const j = judgedFigure(v, key);
    if (j.excluded === undefined) judged.push({ v, spread: j.spread, rounds: j.rounds, dropped: j.dropped });
    else left.push({ v, why: j.excluded });
  }
  return { judged, left };
}

function rangeText(j: Judged, value: (n: number) => string): string {
  const s = j.spread;
  const range = s.min === s.max ? '' : `rounds: ${value(s.min)} to ${value(s.max)}`;
  const dropped = j.dropped > 0 ? `${j.rounds} of ${j.rounds + j.dropped} rounds, the generator-bound ${j.dropped === 1 ? 'one' : 'ones'} left out` : '';
  const parts = [range, dropped].filter(Boolean);
  return parts.length === 0 ? '' : ` (${parts.join('; ')})`;
}

/** The judged variants sorted best first on a figure (lower is better for every aspect). */
function ranked(judged: readonly Judged[]): Judged[] {
  return [...judged].sort((a, b) => a.spread.median - b.spread.median);
}

/** The best and every other variant whose range across rounds overlaps the best's. */
function tiedWithBest(sorted: readonly Judged[]): Judged[] {
  const best = sorted[0];
  if (!best) return [];
  return sorted.filter((j) => withinNoise(best.spread, j.spread));
}

/** "X left out: lost or failed" for each variant a figure may not judge. */
function leftOutText(left: readonly { v: VariantResult; why: string }[]): string[] {
  return left.map(({ v, why }) => `${variantName(v)} left out: ${why}`);
}

/** The verdict lines of one step, over its chat transports (baselines are compared elsewhere). */
export function stepVerdict(step: StepResult): VerdictLine[] {
  const all = chatVariants(step);
  return ASPECTS.map((aspect) => {
    const base = { title: aspect.title, figure: aspect.figure };
    if (all.length < 2) return { ...base, best: undefined, tie: [], sentence: 'Only one transport ran in this step.' };
    const { judged, left } = judgeable(all, aspect.figure);
    const out = leftOutText(left);
    if (judged.length < 2) {
      const only = judged[0];
      const lead = only ? `Only ${variantName(only.v)} can be judged on this figure` : 'No transport can be judged on this figure';
      return { ...base, best: undefined, tie: [], sentence: `${lead}: ${out.join('; ')}.` };
    }
    const sorted = ranked(judged);
    const best = sorted[0] as Judged;
    const bestValue = best.spread.median;
    const tied = tiedWithBest(sorted);
    const rest = judged
      .filter((j) => !tied.includes(j))
      .map((j) => {
        const value = j.spread.median;
        if (bestValue <= 0) return `${variantName(j.v)} ${aspect.value(value)}${aspect.suffix}`;
        const ratio = value / bestValue;
        return ratio < 1.05 ? `${variantName(j.v)} about the same` : `${formatRatio(ratio)} ${aspect.more} for ${variantName(j.v)}`;
      });
    const others = [...rest, ...out];
    const valueText = (j: Judged): string => {
      const n = j.spread.median;
      return n <= 0 && aspect.zero ? aspect.zero : `${aspect.value(n)}${aspect.suffix}`;
    };
    if (tied.length > 1) {
      const each = tied.map((j) => `${variantName(j.v)} ${valueText(j)}${rangeText(j, aspect.value)}`).join(', ');
      const sentence = `Tie within the noise: ${each}; their ranges across rounds overlap${others.length > 0 ? `; ${others.join('; ')}` : ''}.`;
      return { ...base, best: undefined, tie: tied.map((j) => variantName(j.v)), sentence };
    }
    const sentence = `${variantName(best.v)}: ${valueText(best)}${rangeText(best, aspect.value)}; ${others.join('; ')}.`;
    return { ...base, best: variantName(best.v), tie: [], sentence };
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
 * and at what cost in bytes, and what the slowest transport traded for its latency. Each figure
 * compares only the transports the Verdict section judges on it (see {@link judgedFigure}): a
 * transport that lost messages on none, a generator-bound round on no latency.
 */
export function headline(results: BenchResults): string {
  const step = headlineStep(results);
  if (!step) return 'No step compared two chat transports, so this run gives no verdict between them; its figures are below.';
  const where = results.steps.length > 1 ? `In “${step.step.label}”, ` : '';
  const start = (text: string): string => (where ? where + text : capitalized(text));
  const all = chatVariants(step);
  const fast = judgeable(all, 'latency.p50');
  const lean = judgeable(all, 'perDelivered.bytes');
  // Left out of everything (lost), or of the latency only (generator-bound in every round).
  const lost = lean.left;
  const slowOnly = fast.left.filter((l) => !lost.some((o) => o.v === l.v));
  const leftText = [
    ...lost.map((l) => `${variantName(l.v)} (${l.why})`),
    ...(slowOnly.length > 0 ? [`the latency of ${list(slowOnly.map((l) => variantName(l.v)))} (generator-bound in every round)`] : []),
  ];
  const excludedText = leftText.length > 0 ? ` ${capitalized(list(leftText))} ${leftText.length > 1 ? 'are' : 'is'} left out: see “Read this first”.` : '';
  if (lean.judged.length < 2) {
    if (lean.judged.length === 0) {
      const reasons = [...new Set(lost.map((l) => l.why))].join(' or ');
      return start(`no transport delivered every message (each ${reasons}), so this run gives no verdict between them: see “Read this first”.`);
    }
    return `${start(`only ${variantName((lean.judged[0] as Judged).v)} delivered every message, so there is no verdict between transports.`)}${excludedText}`;
  }
  const bytes = (j: Judged): number => j.spread.median;
  const leanest = tiedWithBest(ranked(lean.judged));
  const leanText = (against?: Judged): string => {
    const first = leanest[0] as Judged;
    if (leanest.length > 1) return `${list(leanest.map((j) => `${variantName(j.v)} (${formatBytes(bytes(j))})`))} moved the fewest bytes per message, level within the noise`;
    return `${variantName(first.v)} moved the fewest bytes, ${formatBytes(bytes(first))} per message${against ? ` against ${formatBytes(bytes(against))} for ${variantName(against.v)}` : ''}`;
  };
  if (fast.judged.length < 2) {
    const why = fast.judged.length === 1 ? `only ${variantName((fast.judged[0] as Judged).v)}'s latency can be judged` : 'no latency can be judged';
    return `${start(`${why}, so no transport is called fastest; ${leanText()}.`)}${excludedText}`;
  }
  const p50 = (j: Judged): number => j.spread.median;
  const judgedOn = (key: FigureKey, v: VariantResult): number => {
    const j = judgedFigure(v, key);
    return j.excluded === undefined ? j.spread.median : Number.NaN;
  };
  const requests = (j: Judged): number => judgedOn('perDelivered.requests', j.v);
  const bySpeed = ranked(fast.judged);
  const fastest = bySpeed[0] as Judged;
  const fastTie = tiedWithBest(bySpeed);

  let first: string;
  if (fastTie.length > 1) {
    first = `${list(fastTie.map((j) => `${variantName(j.v)} (p50 ${formatUs(p50(j))})`))} delivered equally fast within the noise across rounds`;
  } else {
    first = `${variantName(fastest.v)} delivered fastest (p50 ${formatUs(p50(fastest))}, p99 ${formatUs(judgedOn('latency.p99', fastest.v))})`;
  }
  const leanestFast = fastTie.length > 1 ? undefined : leanest.find((j) => j.v === fastest.v);
  if (leanestFast) {
    first += ` at the fewest bytes on the wire (${formatBytes(bytes(leanestFast))} per message${leanest.length > 1 ? ', level within the noise with ' + list(leanest.filter((j) => j !== leanestFast).map((j) => variantName(j.v))) : ''})`;
  } else {
    first += `; ${leanText(leanest.some((j) => j.v === fastest.v) ? undefined : lean.judged.find((j) => j.v === fastest.v))}`;
  }

  const slowest = bySpeed.at(-1) as Judged;
  let second = '';
  if (!fastTie.includes(slowest)) {
    const mostRequests = [...bySpeed].sort((a, b) => requests(a) - requests(b)).at(-1) as Judged;
    second = `${variantName(slowest.v)} added ${roughly(p50(slowest) - p50(fastest))} at p50`;
    const between = bySpeed.filter((j) => j !== slowest && !fastTie.includes(j));
    if (mostRequests === slowest || requests(mostRequests) <= requests(slowest)) {
      second += ` and spent the most requests, ${formatNumber(requests(slowest))} per message`;
    } else {
      second += ` but spent ${formatNumber(requests(slowest))} requests per message against ${formatNumber(requests(mostRequests))} for ${variantName(mostRequests.v)}`;
      if (between.includes(mostRequests)) second += `, whose p50 was ${formatUs(p50(mostRequests))}`;
    }
    const others = between.filter((j) => j !== mostRequests);
    if (others.length > 0) second += `; ${list(others.map((j) => `${variantName(j.v)} sat between (p50 ${formatUs(p50(j))}, ${formatNumber(requests(j))} requests per message)`))}`;
    second = ` ${capitalized(second)}.`;
  }
  return `${start(first)}.${second}${excludedText}`;
}
