/**
 * The verdict of a step: for each thing a reader weighs (speed, requests, bytes, CPU, memory),
 * which chat transport did best and by how much, with the spread across rounds. Pure.
 */
import type { FigureKey, StepResult, VariantResult } from '../bench/results.ts';
import { formatBytes, formatNumber, formatRatio, formatUs } from '../bench/format.ts';
import { chatVariants, figure, untrusted, variantName } from './select.ts';

export interface VerdictLine {
  /** "Fastest delivery", "Fewest requests per message", … */
  readonly title: string;
  readonly figure: FigureKey;
  /** The variant that did best, or undefined when no trustworthy variant was measured. */
  readonly best: string | undefined;
  /** One sentence with relative figures. */
  readonly sentence: string;
}

/** Each aspect: the figure, its bare value format (for ranges), and the words around it. */
const ASPECTS: readonly { title: string; figure: FigureKey; value: (n: number) => string; suffix: string; more: string; zero: string }[] = [
  { title: 'Fastest delivery (p50)', figure: 'latency.p50', value: formatUs, suffix: '', more: 'slower', zero: '' },
  { title: 'Steadiest delivery (p99)', figure: 'latency.p99', value: formatUs, suffix: '', more: 'slower', zero: '' },
  { title: 'Fewest HTTP requests per message', figure: 'perDelivered.requests', value: formatNumber, suffix: ' per message', more: 'more requests', zero: 'no HTTP request after its handshake' },
  { title: 'Fewest bytes per message', figure: 'perDelivered.bytes', value: formatBytes, suffix: ' per message', more: 'more bytes', zero: 'no bytes' },
  { title: 'Least server CPU per message', figure: 'perDelivered.serverCpuUs', value: formatUs, suffix: ' of CPU per message', more: 'more CPU', zero: 'no CPU' },
  // Heap, not RSS: it is exact at any number of clients (see ServerMeasure.perClientRssBytes).
  { title: 'Least server memory per client (heap)', figure: 'server.perClientHeapBytes', value: formatBytes, suffix: ' of V8 heap per client', more: 'more heap', zero: 'no heap' },
];

function spreadText(v: VariantResult, key: FigureKey, value: (n: number) => string): string {
  const s = figure(v, key);
  return s.min === s.max ? '' : ` (rounds: ${value(s.min)} to ${value(s.max)})`;
}

/** The verdict lines of one step, over its chat transports (baselines are compared elsewhere). */
export function stepVerdict(step: StepResult): VerdictLine[] {
  const all = chatVariants(step);
  const trusted = all.filter((v) => untrusted(v) === undefined);
  return ASPECTS.map((aspect) => {
    const candidates = trusted.length > 0 ? trusted : [];
    if (candidates.length === 0 || all.length < 2) {
      return { title: aspect.title, figure: aspect.figure, best: undefined, sentence: all.length < 2 ? 'Only one transport ran in this step.' : 'No transport delivered everything without the generator limiting it.' };
    }
    const sorted = [...candidates].sort((a, b) => figure(a, aspect.figure).median - figure(b, aspect.figure).median);
    const best = sorted[0] as VariantResult;
    const bestValue = figure(best, aspect.figure).median;
    const others = all.filter((v) => v !== best).map((v) => {
      const value = figure(v, aspect.figure).median;
      const note = untrusted(v);
      const suffix = note ? ` [${note}]` : '';
      if (bestValue <= 0) return `${variantName(v)} ${aspect.value(value)}${aspect.suffix}${suffix}`;
      const ratio = value / bestValue;
      return ratio < 1.05 ? `${variantName(v)} about the same${suffix}` : `${formatRatio(ratio)} ${aspect.more} for ${variantName(v)}${suffix}`;
    });
    const bestText = bestValue <= 0 && aspect.zero ? aspect.zero : `${aspect.value(bestValue)}${aspect.suffix}`;
    const sentence = `${variantName(best)}: ${bestText}${spreadText(best, aspect.figure, aspect.value)}; ${others.join('; ')}.`;
    return { title: aspect.title, figure: aspect.figure, best: variantName(best), sentence };
  });
}
