/**
 * Comparing two results files for CI: per step, transport and figure, the change from the
 * baseline, and whether it is a regression: worse by more than the threshold AND by more than the
 * noise measured across rounds. Pure.
 */
import { FIGURES, type BenchResults, type FigureKey, type Spread, type StepResult, type VariantResult } from '../bench/results.ts';

/** Default relative change that counts, when the noise is smaller. */
export const DEFAULT_THRESHOLD = 0.1;

export type RowStatus = 'regressed' | 'improved' | 'unchanged' | 'missing' | 'new';

export interface CompareRow {
  readonly step: string;
  readonly variant: string;
  /** A figure key, or `delivery` for the correctness of the run. */
  readonly figure: FigureKey | 'delivery';
  readonly label: string;
  readonly baseline: Spread | undefined;
  readonly current: Spread | undefined;
  /** Relative change of the median in the worse direction: +0.2 is 20% worse, −0.2 20% better. */
  readonly worse: number;
  /** The larger relative range across rounds of the two runs. */
  readonly noise: number;
  readonly status: RowStatus;
}

export interface Comparison {
  readonly scenario: string;
  readonly threshold: number;
  readonly rows: readonly CompareRow[];
  readonly regressions: readonly CompareRow[];
}

/** Results that cannot be compared: the message says why. */
export class IncomparableError extends Error {
  override readonly name = 'IncomparableError';
}

/** Relative range across rounds: (max − min) ÷ median, 0 for a median of 0. */
export function relativeRange(s: Spread): number {
  return s.median > 0 ? (s.max - s.min) / s.median : 0;
}

/** How much worse `current` is than `baseline`, relative, in the figure's bad direction. */
export function worsening(key: FigureKey, baseline: number, current: number): number {
  const sign = FIGURES[key].better === 'lower' ? 1 : -1;
  if (baseline === 0) return current === 0 ? 0 : sign * Infinity;
  return (sign * (current - baseline)) / Math.abs(baseline);
}

function describeWorkload(step: StepResult): string {
  const w = step.step.workload;
  return `${w.rooms}×${w.members}, ${w.ratePerMember}/s, ${w.bodyBytes} B, ${w.warmupMs}+${w.durationMs} ms`;
}

function knobs(v: VariantResult): string {
  return JSON.stringify([v.variant.transport, v.variant.pollIntervalMs ?? null, v.variant.waitMs ?? null, v.variant.keepAlive ?? null]);
}

/** Refuses results of different scenarios or workloads: their differences would not be changes. */
function checkComparable(baseline: BenchResults, current: BenchResults): void {
  const a = baseline.config.scenario;
  const b = current.config.scenario;
  if (a.name !== b.name) throw new IncomparableError(`the baseline ran scenario "${a.name}" and the current run "${b.name}": compare results of the same scenario`);
  for (const step of current.steps) {
    const base = baseline.steps.find((s) => s.step.label === step.step.label);
    if (!base) continue;
    if (describeWorkload(base) !== describeWorkload(step)) {
      throw new IncomparableError(
        `step "${step.step.label}" ran a different workload (baseline ${describeWorkload(base)}; current ${describeWorkload(step)}): compare runs made with the same options (e.g. both --quick)`,
      );
    }
    for (const v of step.variants) {
      const bv = base.variants.find((x) => x.variant.id === v.variant.id);
      if (bv && knobs(bv) !== knobs(v)) throw new IncomparableError(`step "${step.step.label}", ${v.variant.id}: the transport's settings differ between the runs`);
    }
  }
}

export function compareResults(
  baseline: BenchResults,
  current: BenchResults,
  options: { readonly threshold?: number; readonly figures?: readonly FigureKey[] } = {},
): Comparison {
  checkComparable(baseline, current);
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const figures = options.figures ?? (Object.keys(FIGURES) as FigureKey[]);
  const rows: CompareRow[] = [];
  const row = (r: Omit<CompareRow, 'label'> & { label?: string }): void => {
    rows.push({ ...r, label: r.label ?? (r.figure === 'delivery' ? 'everything delivered' : FIGURES[r.figure].label) });
  };
  for (const step of current.steps) {
    const base = baseline.steps.find((s) => s.step.label === step.step.label);
    for (const v of step.variants) {
      const bv = base?.variants.find((x) => x.variant.id === v.variant.id);
      if (!bv) {
        row({ step: step.step.label, variant: v.variant.id, figure: 'delivery', baseline: undefined, current: undefined, worse: 0, noise: 0, status: 'new', label: 'not in the baseline' });
        continue;
      }
      if (bv.summary.ok && !v.summary.ok) {
        row({ step: step.step.label, variant: v.variant.id, figure: 'delivery', baseline: undefined, current: undefined, worse: Infinity, noise: 0, status: 'regressed', label: `lost or mis-delivered messages (${v.summary.lost} lost)` });
      }
      for (const key of figures) {
        const b = bv.summary.figures[key];
        const c = v.summary.figures[key];
        const worse = worsening(key, b.median, c.median);
        const noise = Math.max(relativeRange(b), relativeRange(c));
        const status: RowStatus = worse > threshold && worse > noise ? 'regressed' : -worse > threshold && -worse > noise ? 'improved' : 'unchanged';
        row({ step: step.step.label, variant: v.variant.id, figure: key, baseline: b, current: c, worse, noise, status });
      }
    }
  }
  for (const base of baseline.steps) {
    const step = current.steps.find((s) => s.step.label === base.step.label);
    for (const bv of base.variants) {
      if (!step?.variants.some((v) => v.variant.id === bv.variant.id)) {
        row({ step: base.step.label, variant: bv.variant.id, figure: 'delivery', baseline: undefined, current: undefined, worse: 0, noise: 0, status: 'missing', label: 'not in the current run' });
      }
    }
  }
  return { scenario: current.config.scenario.name, threshold, rows, regressions: rows.filter((r) => r.status === 'regressed') };
}
