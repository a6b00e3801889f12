/** The table printed at the end of a run: one line per variant, then the targets. */
import { formatBytes, formatNumber, formatShare, formatUs } from './format.ts';
import type { BenchResults, TrialResult } from './results.ts';

/** Windows at least this long also print the slope of heap and RSS (per round). */
const SLOPE_MIN_WINDOW_MS = 20_000;

export function formatSummary(results: BenchResults): string {
  const lines: string[] = [];
  for (const step of results.steps) {
    lines.push(`${step.step.label}`);
    for (const v of step.variants) {
      const f = v.summary.figures;
      const flags = [v.summary.ok ? '' : 'LOST/FAILED', v.summary.generatorBound ? 'GENERATOR-BOUND' : ''].filter(Boolean).join(' ');
      lines.push(
        `  ${v.variant.id.padEnd(30)} p50 ${formatUs(f['latency.p50'].median).padStart(8)}  p99 ${formatUs(f['latency.p99'].median).padStart(8)}  ` +
          `${formatNumber(f['perDelivered.requests'].median).padStart(6)} req/msg  ${formatBytes(f['perDelivered.bytes'].median).padStart(8)}/msg  ` +
          `cpu ${formatShare(f['server.cpuShare'].median).padStart(5)}  heap ${formatBytes(f['server.perClientHeapBytes'].median).padStart(8)}/client  ${flags}`,
      );
      // A slope says something only over a long window (the soak scenario).
      if (step.step.workload.durationMs >= SLOPE_MIN_WINDOW_MS) {
        const slopes = (pick: (t: TrialResult) => number | undefined): string =>
          v.trials.map((t) => `${formatBytes(pick(t) ?? NaN)}/s`).join(', ');
        lines.push(`  ${''.padEnd(30)} over the window: heap ${slopes((t) => t.server.heapSlopeBytesPerS)}  RSS ${slopes((t) => t.server.rssSlopeBytesPerS)}`);
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
