/** Human formatting of figures: pure, shared by the progress display and the report. */
import { FIGURES, type FigureKey } from './results.ts';

/** Three significant figures, as a string that never rounds up into the next unit unnoticed. */
function threeFigures(value: number): string {
  return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);
}

/** 830 µs, 1.60 ms, 2.35 s: the unit chosen after rounding, so 999.6 µs is "1.00 ms". */
export function formatUs(us: number): string {
  if (!Number.isFinite(us)) return '–';
  if (Math.round(us) < 1000) return `${Math.round(us)} µs`;
  const ms = threeFigures(us / 1000);
  if (Number(ms) < 1000) return `${ms} ms`;
  return `${threeFigures(us / 1_000_000)} s`;
}

/** 512 B, 12.3 KB, 98.1 MB (powers of 1024, written KB/MB as most readers expect). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '–';
  const sign = bytes < 0 ? '-' : '';
  const b = Math.abs(bytes);
  if (b < 1024) return `${sign}${Math.round(b)} B`;
  if (b < 1024 ** 2) return `${sign}${(b / 1024).toFixed(1)} KB`;
  if (b < 1024 ** 3) return `${sign}${(b / 1024 ** 2).toFixed(1)} MB`;
  return `${sign}${(b / 1024 ** 3).toFixed(2)} GB`;
}

/** A plain number with sensible precision: 0.0123, 1.23, 12.3, 1,234. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const a = Math.abs(n);
  if (a === 0) return '0';
  if (a < 0.1) return n.toPrecision(2);
  if (a < 10) return n.toFixed(2);
  if (a < 100) return n.toFixed(1);
  return Math.round(n).toLocaleString('en-US');
}

/** 0.37 → 37%, 0.042 → 4.2%. */
export function formatShare(share: number): string {
  if (!Number.isFinite(share)) return '–';
  const percent = share * 100;
  return Number(percent.toFixed(1)) < 10 ? `${percent.toFixed(1)}%` : `${percent.toFixed(0)}%`;
}

/** "3.2×" for a ratio. */
export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return '–';
  if (Number(ratio.toFixed(1)) >= 10) return `${Math.round(ratio)}×`;
  return `${Number(ratio.toFixed(2)) >= 2 ? ratio.toFixed(1) : ratio.toFixed(2)}×`;
}

/** A figure of the results catalogue, formatted by its unit (µs, bytes, shares, plain numbers). */
export function formatFigure(key: FigureKey, n: number): string {
  switch (FIGURES[key].unit) {
    case 'µs':
      return formatUs(n);
    case 'B':
      return formatBytes(n);
    case 'core':
    case '':
      return formatShare(n);
    default:
      return formatNumber(n);
  }
}
