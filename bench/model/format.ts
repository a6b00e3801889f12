/**
 * Human formatting of figures: pure, shared by the progress display, the summary and the report.
 * Durations go from ns to s; sizes are IEC binary units (1 KiB = 1024 B), labelled so.
 */
import { figureFacts, type DistanceResult, type GatedFigure } from './results.ts';

/** A ladder of units, smallest first: each unit's name and its size in the ladder's base unit. */
export type UnitLadder = readonly (readonly [name: string, size: number])[];

/** Durations, in µs: ns, µs, ms, s. */
export const DURATION_UNITS: UnitLadder = [
  ['ns', 1e-3],
  ['µs', 1],
  ['ms', 1e3],
  ['s', 1e6],
];

/** Sizes, in bytes, in IEC binary units: 1 KiB = 1024 B, 1 MiB = 1024 KiB. */
export const BYTE_UNITS: UnitLadder = [
  ['B', 1],
  ['KiB', 1024],
  ['MiB', 1024 ** 2],
  ['GiB', 1024 ** 3],
  ['TiB', 1024 ** 4],
];

/** Three significant figures (two decimals below 10), the precision every figure is shown with. */
function threeFigures(value: number): string {
  return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);
}

/**
 * `value` (in the ladder's base unit) in the largest unit it reaches, the unit chosen after
 * rounding: 999.6 µs is "1.00 ms", never "1000 µs". Zero is shown in the base unit.
 */
function onLadder(value: number, ladder: UnitLadder, digits: (scaled: number, unit: number) => string): string {
  if (!Number.isFinite(value)) return '–';
  const sign = value < 0 ? '-' : '';
  const a = Math.abs(value);
  if (a === 0) return `0 ${ladder.find(([, size]) => size === 1)?.[0] ?? ''}`.trimEnd();
  let i = 0;
  while (i + 1 < ladder.length && a >= (ladder[i + 1] as readonly [string, number])[1]) i++;
  const at = (k: number): { name: string; text: string; size: number } => {
    const [name, size] = ladder[k] as readonly [string, number];
    return { name, size, text: digits(a / size, k) };
  };
  let shown = at(i);
  const next = ladder[i + 1];
  if (next && Number(shown.text) * shown.size >= next[1]) shown = at(i + 1);
  return `${sign}${shown.text} ${shown.name}`;
}

/** 468 ns, 5.40 µs, 830 µs, 1.60 ms, 2.35 s, from a time in µs. */
export function formatUs(us: number): string {
  return onLadder(us, DURATION_UNITS, threeFigures);
}

/** The same, from a time in ns (tinybench's unit). */
export function formatNs(ns: number): string {
  return formatUs(ns / 1000);
}

/** 512 B, 12.3 KiB, 98.1 MiB, 2.50 GiB: IEC binary units. */
export function formatBytes(bytes: number): string {
  return onLadder(bytes, BYTE_UNITS, (n, unit) => (unit === 0 ? Math.round(n).toFixed(0) : threeFigures(n)));
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
export function formatFigure(key: GatedFigure, n: number): string {
  switch (figureFacts(key).unit) {
    case 'ns':
      return formatNs(n);
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

/**
 * What a lossy loopback's rule counted in the window, beside what was asked:
 * "5% loss asked: 312 of 6,230 packets dropped (5.0%)".
 */
export function formatDrops(network: { readonly lossPct: number; readonly window: { readonly packets: number; readonly dropped: number } }): string {
  const { packets, dropped } = network.window;
  const realised = packets > 0 ? ` (${formatShare(dropped / packets)})` : '';
  return `${network.lossPct}% loss asked: ${dropped.toLocaleString('en-US')} of ${packets.toLocaleString('en-US')} packets dropped${realised}`;
}

/**
 * A trial's path across a distance, asked and measured, and what its delay line cost:
 * "RTT 80 ms asked, 81.2 ms measured (TCP connect, median of 5) · delay line 640 packets/s, 19 µs CPU each, 0.2 ms late at p99".
 */
export function formatDistance(d: DistanceResult): string {
  const jitter = d.jitterMs > 0 ? ` ±${d.jitterMs / 2} ms each way` : '';
  const rate = d.bandwidthMbit !== undefined ? `, ${d.bandwidthMbit} Mbit/s` : '';
  const line = d.delayLine;
  const path = `RTT ${d.rttMs} ms${jitter}${rate} asked, ${formatUs(d.path.median)} measured (TCP connect, median of ${d.path.samples})`;
  if (!line) return `${path} · delayed by the kernel's netem`;
  const cpu = line.cpuPerPacketUs === null ? 'no packet' : `${formatUs(line.cpuPerPacketUs)} CPU each`;
  return `${path} · delay line (${d.method}) ${formatNumber(line.packetsPerS)} packets/s, ${cpu}, ${formatUs(line.late.p99)} late at p99`;
}
