/** The table printed at the end of a run: one line per variant, then the targets. */
import { formatBytes, formatNumber, formatShare, formatUs } from './format.ts';
import { FIGURES, type BenchResults, type FigureKey, type TrialResult, type VariantResult } from './results.ts';
import { describeVariant } from './scenarios.ts';

/** Windows at least this long also print the slope of heap and RSS (per round). */
const SLOPE_MIN_WINDOW_MS = 20_000;

/** The server's CPU and heap per client, or why they are not there (a server the bench did not start). */
function serverFigures(v: VariantResult): string {
  const f = v.summary.figures;
  if (v.summary.notMeasured?.includes('server.cpuShare')) return 'server cpu/memory not measured';
  return `cpu ${formatShare(f['server.cpuShare'].median).padStart(5)}  heap ${formatBytes(f['server.perClientHeapBytes'].median).padStart(8)}/client`;
}

export function formatSummary(results: BenchResults): string {
  const lines: string[] = [];
  for (const step of results.steps) {
    lines.push(`${step.step.label}`);
    for (const v of step.variants) {
      const f = v.summary.figures;
      const flags = [v.summary.ok ? '' : 'LOST/FAILED', v.summary.generatorBound ? 'GENERATOR-BOUND' : ''].filter(Boolean).join(' ');
      lines.push(
        `  ${describeVariant(v.variant).padEnd(40)} p50 ${formatUs(f['latency.p50'].median).padStart(8)}  p99 ${formatUs(f['latency.p99'].median).padStart(8)}  ` +
          `${formatNumber(f['perDelivered.requests'].median).padStart(6)} req/msg  ${formatBytes(f['perDelivered.bytes'].median).padStart(8)}/msg  ` +
          `${serverFigures(v)}  ${flags}`,
      );
      // A slope says something only over a long window (the soak scenario).
      if (step.step.workload.durationMs >= SLOPE_MIN_WINDOW_MS) {
        const slopes = (pick: (s: NonNullable<TrialResult['server']>) => number | undefined): string =>
          v.trials.map((t) => `${formatBytes((t.server ? pick(t.server) : undefined) ?? NaN)}/s`).join(', ');
        lines.push(`  ${''.padEnd(40)} over the window: heap ${slopes((s) => s.heapSlopeBytesPerS)}  RSS ${slopes((s) => s.rssSlopeBytesPerS)}`);
      }
    }
  }
  if (results.ceilings.length > 0) {
    lines.push('route ceilings (autocannon)');
    for (const c of results.ceilings) {
      const ratio = c.ratioToBare === undefined ? '' : ` (${formatNumber(c.ratioToBare)}× bare)`;
      lines.push(`  ${c.target.padEnd(34)} ${formatNumber(c.requestsPerSecond.mean).padStart(8)} req/s${ratio}`);
    }
  }
  if (results.targets.length > 0) {
    lines.push('targets');
    for (const t of results.targets) {
      const verdict = t.pass === null ? 'not measured' : t.pass ? 'met' : 'MISSED';
      lines.push(`  ${verdict.padEnd(12)} ${t.name}: ${t.value === null ? '–' : formatNumber(t.value)} (${t.target}; ${t.note})`);
    }
  }
  return lines.join('\n');
}

/** The short JSON summary of `--summary-out`: what a CI step needs without the whole results file. */
export interface RunSummary {
  readonly schemaVersion: BenchResults['schemaVersion'];
  readonly status: BenchResults['status'];
  readonly scenario: string;
  /** The results file and the report, as printed. */
  readonly results: string;
  readonly report: string;
  readonly variants: readonly {
    readonly step: string;
    readonly variant: string;
    /** The variant with its knobs, as printed: `short-polling (every 1000 ms)`. */
    readonly runs: string;
    readonly ok: boolean;
    readonly lost: number;
    readonly generatorBound: boolean;
    /** Each figure's median over rounds; `null` when not measured. */
    readonly medians: Readonly<Record<FigureKey, number | null>>;
  }[];
  readonly targets: BenchResults['targets'];
  readonly warnings: BenchResults['warnings'];
}

export function summaryJson(results: BenchResults, paths: { readonly results: string; readonly report: string }): RunSummary {
  return {
    schemaVersion: results.schemaVersion,
    status: results.status,
    scenario: results.config.scenario.name,
    ...paths,
    variants: results.steps.flatMap((step) =>
      step.variants.map((v) => ({
        step: step.step.label,
        variant: v.variant.id,
        runs: describeVariant(v.variant),
        ok: v.summary.ok,
        lost: v.summary.lost,
        generatorBound: v.summary.generatorBound,
        medians: Object.fromEntries(
          (Object.keys(FIGURES) as FigureKey[]).map((key) => [key, v.summary.notMeasured?.includes(key) ? null : v.summary.figures[key].median]),
        ) as Record<FigureKey, number | null>,
      })),
    ),
    targets: results.targets,
    warnings: results.warnings,
  };
}
