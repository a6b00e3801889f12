import Table from 'cli-table3';
import { formatBytes, formatNumber, formatShare, formatUs } from '../model/format.ts';
import { stepPath } from '../model/aggregate.ts';
import { FIGURES, type BenchResults, type FigureKey, type StepResult, type TrialResult, type VariantResult } from '../model/results.ts';
import { describeVariant } from './scenarios.ts';
import { capacityFigure, stopWords, stepP99 } from '../model/capacity-words.ts';

/** Windows at least this long also print the slope of heap and RSS (per round). */
const SLOPE_MIN_WINDOW_MS = 20_000;

/**
 * A table without ruled lines between rows, without colour (the summary goes to logs too); each
 * figure right-aligned, so that columns of numbers line up.
 */
function table(head: readonly string[], align: readonly Table.HorizontalAlignment[]): Table.Table {
  return new Table({
    head: [...head],
    colAligns: [...align],
    style: { head: [], border: [], compact: true },
  });
}

/**
 * The server's CPU and heap per client, then the CPU per delivered message of the server and of
 * the generators side by side; `not measured` where a figure was not (a server the bench did not
 * start, a file from before the generator's was recorded).
 */
function serverCells(v: VariantResult): string[] {
  // Read from /proc (--target-pid): CPU, but no heap.
  return [
    shown(v, 'server.cpuShare', formatShare),
    shown(v, 'server.perClientHeapBytes', formatBytes),
    shown(v, 'perDelivered.serverCpuUs', formatUs),
    shown(v, 'perDelivered.generatorCpuUs', formatUs),
  ];
}

/** A figure's median, or `not measured`. */
function shown(v: VariantResult, key: FigureKey, format: (n: number) => string): string {
  return v.summary.notMeasured?.includes(key) ? 'not measured' : format(v.summary.figures[key].median);
}

/**
 * Whether a step shows the connections the server holds per client: where some variant ran over
 * HTTP/2, whose one connection a client against HTTP/1.1's two is the difference to see.
 */
function showsHeldConnections(step: StepResult): boolean {
  return step.variants.some((v) => v.variant.http2 === true);
}

function notMeasured(v: VariantResult): boolean {
  return v.summary.notMeasured?.includes('server.cpuShare') === true;
}

function flagsOf(v: VariantResult): string {
  return [v.summary.ok ? '' : 'LOST/FAILED', v.summary.generatorBound ? 'GENERATOR-BOUND' : ''].filter(Boolean).join(' ');
}

/** " (path measured: 81.2 ms, TCP connect median over 4 trials)" for a step across a distance; '' otherwise. */
function pathNote(step: StepResult): string {
  const path = stepPath(step);
  return path ? ` (path measured: ${formatUs(path.medianUs)}, TCP connect median over ${path.trials} trial${path.trials === 1 ? '' : 's'})` : '';
}

function stepTable(step: StepResult): string {
  // The flags column only when a variant has a flag.
  const flagged = step.variants.some((v) => flagsOf(v) !== '');
  // The connections held per client only where HTTP/2 ran: the table is wide enough without it.
  const held = showsHeldConnections(step);
  const columns = 9 + (held ? 1 : 0) + (flagged ? 1 : 0);
  const t = table(
    ['variant', 'p50', 'p99', 'req/msg', 'bytes/msg', ...(held ? ['conn/client'] : []), 'server cpu', 'heap/client', 'server cpu/msg', 'gen cpu/msg', ...(flagged ? [''] : [])],
    ['left', 'right', 'right', 'right', 'right', ...(held ? ['right' as const] : []), 'right', 'right', 'right', 'right', 'left'],
  );
  for (const v of step.variants) {
    const f = v.summary.figures;
    t.push([
      describeVariant(v.variant),
      formatUs(f['latency.p50'].median),
      formatUs(f['latency.p99'].median),
      formatNumber(f['perDelivered.requests'].median),
      formatBytes(f['perDelivered.bytes'].median),
      ...(held ? [shown(v, 'server.connectionsPerClient', formatNumber)] : []),
      ...serverCells(v),
      ...(flagged ? [flagsOf(v)] : []),
    ]);
    // A slope says something only over a long window (the soak scenario).
    if (step.step.workload.durationMs >= SLOPE_MIN_WINDOW_MS) {
      const slopes = (pick: (s: NonNullable<TrialResult['server']>) => number | undefined): string =>
        v.trials.map((trial) => `${formatBytes((trial.server ? pick(trial.server) : undefined) ?? NaN)}/s`).join(', ');
      t.push([{ colSpan: columns, content: `  over the window: heap ${slopes((s) => s.heapSlopeBytesPerS)}  RSS ${slopes((s) => s.rssSlopeBytesPerS)}` }]);
    }
  }
  const note = step.variants.some(notMeasured) ? '\nserver cpu/memory not measured: the bench did not start the server (--target)' : '';
  return `${step.step.label}${pathNote(step)}\n${t.toString()}${note}`;
}

/** A capacity run's table: per transport its capacity, the step it rests on, and what failed next. */
function capacityTable(results: BenchResults): string {
  const slo = results.config.scenario.capacity?.sloMs;
  const t = table(['transport', 'capacity', 'p99 there', 'first failing step', 'what failed', 'steps'], ['left', 'right', 'right', 'right', 'left', 'right']);
  for (const c of results.capacity ?? []) {
    const last = c.steps.find((s) => s.pass && s.clients === c.lastPass);
    t.push([
      describeVariant(c.variant),
      capacityFigure(c),
      last ? stepP99(last) : '–',
      c.firstFail === null ? '–' : c.firstFail.toLocaleString('en-US'),
      c.cause.length > 0 ? c.cause.map((f) => `${f.kind}: ${f.detail}`).join('; ') : stopWords(c),
      String(c.steps.length),
    ]);
  }
  const stops = [...new Set((results.capacity ?? []).filter((c) => c.stop !== 'failed').map((c) => `${capacityFigure(c)}: ${stopWords(c)}`))];
  const notes = stops.length > 0 ? `\n${stops.join('\n')}` : '';
  return `capacity (clients with p99 ≤ ${slo ?? '?'} ms, nothing lost, the generator not the bottleneck)\n${t.toString()}${notes}`;
}

/** The table printed at the end of a run: a table per step, then the route ceilings and the targets. */
export function formatSummary(results: BenchResults): string {
  const parts = results.steps.map(stepTable);
  if (results.capacity) parts.push(capacityTable(results));
  if (results.ceilings.length > 0) {
    const t = table(['route ceiling (autocannon)', 'req/s', '× bare'], ['left', 'right', 'right']);
    for (const c of results.ceilings) t.push([c.target, formatNumber(c.requestsPerSecond.mean), c.ratioToBare === undefined ? '' : formatNumber(c.ratioToBare)]);
    parts.push(t.toString());
  }
  if (results.targets.length > 0) {
    const t = table(['target', 'verdict', 'value', 'wanted', 'note'], ['left', 'left', 'right', 'left', 'left']);
    for (const target of results.targets) {
      const verdict = target.noise !== undefined ? 'within noise' : target.pass === null ? 'not measured' : target.pass ? 'met' : 'MISSED';
      t.push([target.name, verdict, target.value === null ? '–' : formatNumber(target.value), target.target, target.noise === undefined ? target.note : `${target.note}; ${target.noise}`]);
    }
    parts.push(t.toString());
  }
  const time = timeLine(results);
  if (time) parts.push(time);
  return parts.join('\n');
}

/**
 * Where the trials' wall time went, summed over every trial that ran (`TrialResult.timing`):
 * `15 trials took 146.3 s: setup 4.5 s (14 of 15 started during the last one's warm-up), start, warm-up and window 136.5 s, drain 3.2 s, readings 1.6 s, stop 0.6 s`.
 * Undefined when no trial says.
 */
export function timeLine(results: Pick<BenchResults, 'steps'>): string | undefined {
  const timings = results.steps.flatMap((s) => s.variants.flatMap((v) => v.trials.flatMap((t) => (t.timing ? [t.timing] : []))));
  if (timings.length === 0) return undefined;
  const sum = (pick: (t: (typeof timings)[number]) => number): number => timings.reduce((n, t) => n + pick(t), 0);
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  const [setup, run, drain, readings, stop] = [sum((t) => t.setupMs), sum((t) => t.runMs), sum((t) => t.drainMs), sum((t) => t.readingsMs), sum((t) => t.stopMs)];
  const ahead = timings.filter((t) => t.startedAhead === true).length;
  const setupWords = ahead > 0 ? `setup ${s(setup)} (${ahead} of ${timings.length} started during the last one's warm-up)` : `setup ${s(setup)}`;
  return `${timings.length} trials took ${s(setup + run + drain + readings + stop)}: ${setupWords}, start, warm-up and window ${s(run)}, drain ${s(drain)}, readings ${s(readings)}, stop ${s(stop)}`;
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
  /** A capacity run: per transport its capacity (`lastPass`), why the search stopped, and the first failing step with what failed. */
  readonly capacity?: readonly {
    readonly variant: string;
    readonly lastPass: number | null;
    readonly firstFail: number | null;
    readonly stop: NonNullable<BenchResults['capacity']>[number]['stop'];
    readonly cause: readonly string[];
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
    ...(results.capacity
      ? { capacity: results.capacity.map((c) => ({ variant: c.variant.id, lastPass: c.lastPass, firstFail: c.firstFail, stop: c.stop, cause: c.cause.map((f) => `${f.kind}: ${f.detail}`) })) }
      : {}),
    targets: results.targets,
    warnings: results.warnings,
  };
}
