/**
 * What every chart module of the report shares: the chart's data shape, and the axes, gridlines
 * and colours they draw with. Pure; imports nothing of the report, so that the sections
 * (charts.ts, lossy.ts, wan.ts, capacity-section.ts) can each use it without a circle.
 */
import { factsOf, type VariantResult } from '../bench/model/results.ts';
import { BYTE_UNITS } from '../bench/model/format.ts';

/** How an axis's numbers are shown: µs as times, bytes, shares of a core, ratios, plain numbers. */
export type AxisFormat = 'us' | 'bytes' | 'share' | 'ratio' | 'number' | 'seconds';

/**
 * The gridlines of a logarithmic axis: one per power of ten, or at 1, 2 and 5 times each power
 * of ten when the data spans too few decades for decade lines alone to be read.
 */
export type LogGrid = 'decades' | '1-2-5';

/** A labelled line across the chart at a value of an axis: the end of the warm-up, 1× a baseline. */
export interface ChartMarker {
  readonly axis: 'x' | 'y';
  readonly value: number;
  readonly label: string;
}

/** With fewer decade gridlines than this inside the data, a log axis gets 1-2-5 gridlines. */
export const MIN_DECADE_GRIDLINES = 3;

export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  /** One or two sentences: how to read it. */
  readonly caption: string;
  /** A chart.js configuration, JSON only. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Formats of the axes by scale id (`x`, `y`, `y1`). */
  readonly formats: Readonly<Record<string, AxisFormat>>;
  /** The gridlines of each logarithmic axis, by scale id; the caption says which. */
  readonly logGrid: Readonly<Record<string, LogGrid>>;
  readonly markers: readonly ChartMarker[];
}

/** The gridlines a log axis over these values gets (see {@link LogGrid}). */
export function logGridFor(values: readonly number[]): LogGrid {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  if (positive.length === 0) return '1-2-5';
  const low = Math.ceil(Math.log10(Math.min(...positive)) - 1e-9);
  const high = Math.floor(Math.log10(Math.max(...positive)) + 1e-9);
  return high - low + 1 >= MIN_DECADE_GRIDLINES ? 'decades' : '1-2-5';
}

const STEPS_125 = [1, 2, 5, 10];

/** The 1-2-5 value (or power of ten, for decades) at or below `v`, or at or above it. */
function gridValue(v: number, grid: LogGrid, direction: 'down' | 'up'): number {
  const exp = Math.floor(Math.log10(v) + 1e-9);
  const power = 10 ** exp;
  const mantissa = v / power;
  const steps = grid === 'decades' ? [1, 10] : STEPS_125;
  const pick = direction === 'down' ? [...steps].reverse().find((s) => s <= mantissa + 1e-9) : steps.find((s) => s >= mantissa - 1e-9);
  return (pick ?? 1) * power;
}

/**
 * A logarithmic axis over these values: its gridlines, and bounds on gridline values so that the
 * axis starts and ends on a gridline and always has at least two (the page keeps only those ticks).
 */
export function logAxis(values: readonly number[], title: string): { grid: LogGrid; scale: Record<string, unknown> } {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  const grid = logGridFor(positive);
  const scale: Record<string, unknown> = { type: 'logarithmic', title: { display: true, text: title } };
  if (positive.length > 0) {
    const min = gridValue(Math.min(...positive), grid, 'down');
    let max = gridValue(Math.max(...positive), grid, 'up');
    if (max <= min) max = gridValue(min * 1.5, grid, 'up');
    Object.assign(scale, { min, max });
  }
  return { grid, scale };
}

/** Gridlines on a linear byte axis: about this many, at round numbers of an IEC unit. */
const BYTE_GRIDLINES = 8;

/**
 * A linear axis of sizes from zero, with its gridlines at round numbers of one IEC unit (0, 20 MiB,
 * 40 MiB, …) instead of chart.js's decimal steps, which would read 9.54 MiB, 19.1 MiB, ….
 */
export function byteAxis(values: readonly number[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  const max = Math.max(0, ...values.filter(Number.isFinite));
  const axis: Record<string, unknown> = { beginAtZero: true, ...extra };
  if (max <= 0) return axis;
  // The largest unit that still leaves a whole unit or more per gridline.
  const unit = [...BYTE_UNITS].reverse().find(([, size]) => size * BYTE_GRIDLINES <= max)?.[1] ?? 1;
  const raw = max / unit / BYTE_GRIDLINES;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  return { ...axis, ticks: { stepSize: Math.max(1, step * unit) } };
}

/** How to read a log axis with these gridlines, for a caption. */
export function logGridPhrase(grid: LogGrid, what: string): string {
  return grid === 'decades'
    ? `The ${what} scale is logarithmic, with a gridline at each power of ten: each gridline is ten times the one before.`
    : `The ${what} scale is logarithmic, with gridlines at 1, 2 and 5 times each power of ten.`;
}

export const EXTRA_COLOURS = ['#7048e8', '#c2255c', '#e67700', '#0c8599', '#5c940d', '#495057'];

/**
 * A variant's colour: its transport's for the first four, then one of the extras by position. Given
 * the step's variants, a variant whose transport an earlier one already drew takes an extra, so
 * that Socket.IO's engines and adapters (one transport, several lines) can be told apart.
 */
export function colorOf(v: VariantResult, index: number, siblings?: readonly VariantResult[]): string {
  if (v.variant.keepAlive === false) return '#a61e4d';
  const base = factsOf(v.variant.transport)?.colour;
  const repeated = siblings?.slice(0, index).some((s) => s.variant.transport === v.variant.transport) ?? false;
  if (base && index < 4 && !repeated) return base;
  const extras = EXTRA_COLOURS.filter((c) => c !== base);
  return extras[index % extras.length] as string;
}

