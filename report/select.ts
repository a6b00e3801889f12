/** Finding variants and figures in a results file: the shared vocabulary of verdict, claims and charts. */
import type { BenchResults, FigureKey, Spread, StepResult, VariantResult } from '../bench/results.ts';

/** What a transport is called in prose. */
export const TRANSPORT_NAMES: Readonly<Record<string, string>> = {
  'short-polling': 'short polling',
  'long-polling': 'long polling',
  websocket: 'WebSocket',
  'raw-ws': 'raw ws (baseline)',
};

/** A variant's name in prose: its transport, and its knobs where they tell variants apart. */
export function variantName(v: VariantResult): string {
  const base = TRANSPORT_NAMES[v.variant.transport] ?? v.variant.transport;
  const knobs: string[] = [];
  if (v.variant.transport === 'short-polling' && v.variant.pollIntervalMs !== undefined) knobs.push(`every ${formatInterval(v.variant.pollIntervalMs)}`);
  if (v.variant.keepAlive === false) knobs.push('new connection per request');
  return knobs.length > 0 ? `${base} (${knobs.join(', ')})` : base;
}

function formatInterval(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

export function figure(v: VariantResult, key: FigureKey): Spread {
  return v.summary.figures[key];
}

/** The chat transports of a step (baselines left out). */
export function chatVariants(step: StepResult): VariantResult[] {
  return step.variants.filter((v) => v.variant.transport !== 'raw-ws');
}

export function byTransport(step: StepResult, transport: string): VariantResult | undefined {
  return step.variants.find((v) => v.variant.transport === transport && v.variant.keepAlive !== false);
}

/** Steps that sweep a parameter (`clients`, `pollIntervalMs`), in order of the swept value. */
export function sweep(results: BenchResults, name: string): StepResult[] {
  return results.steps.filter((s) => s.step.x?.name === name).sort((a, b) => (a.step.x?.value ?? 0) - (b.step.x?.value ?? 0));
}

/** A variant whose numbers should not be trusted as a best: it lost messages or the generator limited it. */
export function untrusted(v: VariantResult): string | undefined {
  if (!v.summary.ok) return 'lost or failed';
  if (v.summary.generatorBound) return 'generator-bound';
  return undefined;
}
