/** Human formatting of figures: pure, shared by the progress display and the report. */

/** 830 µs, 1.6 ms, 2.35 s. */
export function formatUs(us: number): string {
  if (!Number.isFinite(us)) return '–';
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(us < 10_000 ? 2 : us < 100_000 ? 1 : 0)} ms`;
  return `${(us / 1_000_000).toFixed(2)} s`;
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
  if (a < 0.01) return n.toPrecision(2);
  if (a < 10) return n.toFixed(2);
  if (a < 100) return n.toFixed(1);
  return Math.round(n).toLocaleString('en-US');
}

/** 0.37 → 37%. */
export function formatShare(share: number): string {
  return Number.isFinite(share) ? `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%` : '–';
}

/** "3.2×" for a ratio. */
export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return '–';
  return `${ratio >= 10 ? Math.round(ratio) : ratio.toFixed(ratio >= 2 ? 1 : 2)}×`;
}
