/**
 * How far a figure's median may move in its bad direction before the CI comparison looks at it:
 * a relative part (a share of the baseline's median) and an absolute part (in the figure's unit),
 * the larger of the two counting. The built-in limits, and the user's own (`--max`, `--thresholds`)
 * parsed with errors that name the bad entry. Pure.
 */
import { FIGURES, type FigureKey } from '../bench/model/results.ts';

export interface Limit {
  /** Relative worsening allowed, as a share of the baseline's median: 0.2 = 20%. */
  readonly relative: number;
  /** Worsening allowed in the figure's own unit (µs, bytes, a share…), whatever the baseline. */
  readonly absolute: number;
}

/**
 * The built-in limits, chosen from the spread of consecutive runs of unchanged code on a shared
 * 2-core machine: the noisier the figure, the wider its limit. Each limit is about twice the drift
 * of a whole run its figure shows, so that half of it (the rank test's drift allowance, see
 * DRIFT_SHARE in compare.ts) covers that drift and the gate stays quiet on unchanged code, while
 * a regression of 1.5× the limit is caught most of the time at 6 rounds a side (bench/METHOD.md,
 * "Detection thresholds"; test/report/compare-power.test.ts). Absolute parts keep figures whose
 * baseline is zero or tiny (connections per message, empty-poll share) from failing on one extra
 * connection or poll.
 */
export const DEFAULT_LIMITS: Readonly<Record<FigureKey, Limit>> = {
  // Latency: the middle moves with scheduling on a busy machine; the tail moves more.
  'latency.p50': { relative: 0.6, absolute: 500 },
  'latency.mean': { relative: 0.6, absolute: 500 },
  'latency.p90': { relative: 0.7, absolute: 1000 },
  'latency.p99': { relative: 0.9, absolute: 2000 },
  'latency.p999': { relative: 1.2, absolute: 5000 },
  // One sample of the whole run: a single stall moves it. Gated only on more than tripling.
  'latency.max': { relative: 2, absolute: 20_000 },
  // Counts of what crossed the wire: nearly deterministic for a fixed schedule.
  'perDelivered.requests': { relative: 0.3, absolute: 0.01 },
  'perDelivered.bytes': { relative: 0.15, absolute: 16 },
  'perDelivered.connections': { relative: 0.5, absolute: 0.01 },
  // Fixed by the transport and HTTP version (1 or 2 a client); a keep-alive pool moves it a little.
  'server.connectionsPerClient': { relative: 0.25, absolute: 0.1 },
  // CPU and memory: measured by the server on a machine it shares with the generators.
  'perDelivered.serverCpuUs': { relative: 0.3, absolute: 10 },
  'perDelivered.generatorCpuUs': { relative: 0.3, absolute: 10 },
  'server.cpuShare': { relative: 0.3, absolute: 0.02 },
  'server.rssWindowBytes': { relative: 0.2, absolute: 8 * 1024 * 1024 },
  // Below about a thousand clients this swings by ±100 KB between runs (see bench/model/results.ts).
  'server.perClientRssBytes': { relative: 1, absolute: 200_000 },
  'server.perClientHeapBytes': { relative: 0.2, absolute: 512 },
  'server.eventLoopDelay.p99': { relative: 3, absolute: 20_000 },
  'wire.emptyPollShare': { relative: 0.1, absolute: 0.05 },
};

/**
 * The built-in limit of a hot path's mean time per call (`micro.meanNs`, `--ci`'s micro-benchmarks).
 * Between two runs of unchanged code on this shared machine the paths' medians moved by up to
 * three quarters, and in a paired job of unchanged code two paths moved 25% and 27% per pair
 * (bench/METHOD.md, "Hot paths in the gate"): at 50% (25% paired), a path 79% slower failed its
 * job, and unchanged code passed.
 */
export const MICRO_LIMIT: Limit = { relative: 0.5, absolute: 5 };

/**
 * A user's limit for one figure, one part per entry. A figure the user sets drops its built-in
 * limit entirely: the parts not given are 0 (so `latency.p99=+15%` means 15%, with no hidden
 * absolute floor; give `+N` as well for a figure whose baseline may be zero).
 */
export interface UserLimit {
  readonly figure: FigureKey;
  readonly relative?: number;
  readonly absolute?: number;
}

/** A limit that cannot be used: the message names the entry and what is allowed. */
export class LimitError extends Error {
  override readonly name = 'LimitError';
}

const FIGURE_NAMES = Object.keys(FIGURES) as readonly FigureKey[];

/** Unit suffixes a limit may carry, by the figure's unit, as multipliers to that unit. */
const SUFFIXES: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  µs: { µs: 1, us: 1, ms: 1000, s: 1_000_000 },
  B: { B: 1, KB: 1024, KiB: 1024, MB: 1024 ** 2, MiB: 1024 ** 2 },
};

function unitHelp(figure: FigureKey): string {
  const unit = FIGURES[figure].unit;
  const suffixes = SUFFIXES[unit];
  if (suffixes) return `a number of ${unit} (or with ${Object.keys(suffixes).join(', ')})`;
  return unit === '' || unit === 'core' ? 'a share, 0.05 = 5 points' : `a number of ${unit}`;
}

export const LIMIT_SYNTAX = 'FIGURE=+N% (relative to the baseline) or FIGURE=+N (absolute, in the figure\'s unit; µs figures take us/ms/s, byte figures B/KB/MB)';

/**
 * One limit as written: `latency.p99=+15%`, `latency.p99=+2ms`, `perDelivered.connections=+0.001`.
 * The `+` may be left out; the value must be zero or more (a limit on how much worse, never a
 * demand to improve). `where` names the entry in errors (`--max`, or a file and key).
 */
export function parseLimit(text: string, where = '--max'): UserLimit {
  const eq = text.indexOf('=');
  if (eq < 0) throw new LimitError(`${where} ${JSON.stringify(text)}: write ${LIMIT_SYNTAX}, e.g. latency.p99=+15%`);
  return parseLimitValue(text.slice(0, eq).trim(), text.slice(eq + 1), where);
}

/** The value part of a limit, for a figure named separately (as in a thresholds file). */
export function parseLimitValue(name: string, value: string, where: string): UserLimit {
  if (!Object.hasOwn(FIGURES, name)) {
    throw new LimitError(`${where}: unknown figure ${JSON.stringify(name)}; valid figures: ${FIGURE_NAMES.join(', ')}`);
  }
  const figure = name as FigureKey;
  const m = /^\s*\+?\s*(\d+(?:\.\d+)?|\.\d+)\s*(%|[A-Za-zµ]+)?\s*$/.exec(value);
  const bad = (): LimitError =>
    new LimitError(`${where}: ${figure}=${value} is not a limit; write +N% (e.g. +15%) or +N, ${unitHelp(figure)}, zero or more`);
  if (!m) throw bad();
  const n = Number(m[1]);
  const suffix = m[2];
  if (suffix === '%') return { figure, relative: n / 100 };
  if (suffix === undefined) return { figure, absolute: n };
  const factor = SUFFIXES[FIGURES[figure].unit]?.[suffix];
  if (factor === undefined) throw bad();
  return { figure, absolute: n * factor };
}

/**
 * A thresholds file: a JSON object from figure name to a limit string or a list of them,
 * `{"latency.p99": "+15%", "perDelivered.connections": ["+10%", "+0.001"]}`.
 */
export function parseLimitsJson(text: string, file: string): UserLimit[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new LimitError(`${file} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new LimitError(`${file}: expected an object from figure name to limit, e.g. {"latency.p99": "+15%"}`);
  }
  const out: UserLimit[] = [];
  for (const [name, entry] of Object.entries(value)) {
    const list: unknown[] = Array.isArray(entry) ? entry : [entry];
    for (const item of list) {
      if (typeof item !== 'string') throw new LimitError(`${file}: "${name}" must be a limit string such as "+15%" or a list of them, got ${JSON.stringify(item)}`);
      out.push(parseLimitValue(name, item, `${file}, "${name}"`));
    }
  }
  return out;
}

/**
 * The limits in force: the built-in ones, those of the figures the user set replaced by the user's
 * parts, and which figures the user set (crossing those has its own exit code). A part given twice
 * for a figure is refused.
 */
export function mergeLimits(user: readonly UserLimit[]): { limits: Record<FigureKey, Limit>; userSet: ReadonlySet<FigureKey> } {
  const limits = { ...DEFAULT_LIMITS } as Record<FigureKey, Limit>;
  const seen = new Set<string>();
  const userSet = new Set<FigureKey>();
  for (const u of user) {
    for (const part of ['relative', 'absolute'] as const) {
      if (u[part] === undefined) continue;
      const key = `${u.figure} ${part}`;
      if (seen.has(key)) throw new LimitError(`the ${part} limit of ${u.figure} is given twice; give each once`);
      seen.add(key);
      const base = userSet.has(u.figure) ? limits[u.figure] : { relative: 0, absolute: 0 };
      userSet.add(u.figure);
      limits[u.figure] = { ...base, [part]: u[part] };
    }
  }
  return { limits, userSet };
}
