/**
 * A capacity search in words, the same in the progress, the summary and the report: pure, it reads
 * only the results' types.
 */
import { formatUs } from './format.ts';
import type { CapacityResult, CapacityStep, Failure } from './results.ts';

const clients = (n: number): string => n.toLocaleString('en-US');

/**
 * The kind of stop a failing step makes: a step that could not be run or judged (fd limit, an error,
 * the generator) says that, even when a verdict failure came with it, since the verdict is then not
 * the transport's alone.
 */
export function stopOf(failures: readonly Failure[]): 'failed' | 'generator' | 'fd-limit' | 'error' {
  const kinds = new Set(failures.map((f) => f.kind));
  if (kinds.has('fd-limit')) return 'fd-limit';
  if (kinds.has('error')) return 'error';
  if (kinds.has('generator')) return 'generator';
  return 'failed';
}

/**
 * The capacity as one short figure: `5,070` when the transport failed past it, `≥ 17,100` when the
 * step after it could not be judged or the cap was reached, `< 1,000` when the first step failed.
 */
export function capacityFigure(c: CapacityResult): string {
  // A first step that could not be judged says nothing of the transport: no figure at all.
  if (c.lastPass === null) return c.firstFail === null || !judged(c) ? '–' : `< ${clients(c.firstFail)}`;
  return c.stop === 'failed' ? clients(c.lastPass) : `≥ ${clients(c.lastPass)}`;
}

/** The first failing step failed on the transport's account (not the generator, the fd limit or an error). */
function judged(c: CapacityResult): boolean {
  return stopOf(c.cause) === 'failed';
}

/** What stopped the search, in words. */
export function stopWords(c: CapacityResult): string {
  if (c.stop === 'below-start' && !judged(c)) return `no step could be judged, down to a single room (${c.cause.map((f) => f.kind).join(', ')}): no figure for this transport`;
  return STOP_WORDS[c.stop];
}

/** What each stop means, in words. */
export const STOP_WORDS: Readonly<Record<CapacityResult['stop'], string>> = {
  failed: 'the next step failed on the transport’s account',
  generator: 'the generator could not go further (not a verdict on the transport)',
  'fd-limit': 'one server process cannot hold the next step’s sockets (fd limit)',
  error: 'the next step could not run',
  'max-clients': 'every step passed up to the cap (--capacity-max)',
  'below-start': 'no step passed, down to a single room',
};

/** A step's failures, `latency (p99 412 ms > SLO 250 ms); loss (…)`, or `pass`. */
export function stepVerdict(step: Pick<CapacityStep, 'pass' | 'failures'>): string {
  return step.pass ? 'pass' : `FAIL ${step.failures.map((f) => `${f.kind} (${f.detail})`).join('; ')}`;
}

/** A step's p99 over its rounds, or `–` when no round ran. */
export function stepP99(step: CapacityStep): string {
  return step.result ? formatUs(step.result.summary.latency.p99) : '–';
}

/** One line per step while it searches: `long-polling: 3,380 clients… pass · p99 41 ms`. */
export function stepLine(id: string, step: CapacityStep): string {
  const halving = step.phase === 'up' ? '' : ` (${step.phase})`;
  return `${id}: ${clients(step.clients)} clients${halving}… ${step.pass ? 'pass' : stepVerdict(step)} · p99 ${stepP99(step)}`;
}

/** The line at the end of a transport's search. */
export function resultLine(c: CapacityResult): string {
  const fail = c.firstFail === null ? '' : `; first failing step ${clients(c.firstFail)}: ${c.cause.map((f) => f.kind).join(', ')}`;
  return `${c.variant.id}: capacity ${capacityFigure(c)} clients (${stopWords(c)}${fail}; ${c.steps.length} step${c.steps.length === 1 ? '' : 's'})`;
}
