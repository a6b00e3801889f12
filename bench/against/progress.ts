/**
 * The paired job's progress, fed by its events: a line as each round starts (which pair and side,
 * the time so far and about how long is left) and a line as it ends. Line by line, for a terminal
 * and a CI log alike: a round is 10 to 20 seconds, long enough that no live line is needed.
 */
import type { AgainstEvent } from './run-against.ts';
import type { Side } from './order.ts';

/** `13.1 s`, `2 min 05 s`. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** Prints the events of a paired job to `stream`; `labels` names each side (`base origin/main (1a2b3c4)`). */
export function createAgainstProgress(stream: NodeJS.WritableStream, labels: Readonly<Record<Side, string>>): (event: AgainstEvent) => void {
  return (event) => {
    if (event.type === 'spare') {
      stream.write(`   pair ${event.pair + 1} had a round whose generator was the bottleneck: it is left out of the latencies, and pair ${event.spare + 1} runs in its place (${event.left} more may)\n`);
      return;
    }
    const at = `[${event.round.index + 1}/${event.total}]`;
    if (event.type === 'round-end') {
      stream.write(`${at} done in ${formatDuration(event.tookMs)}\n`);
      return;
    }
    const left = event.leftMs === undefined ? '' : `, about ${formatDuration(event.leftMs)} left`;
    const pairs = event.total / 2;
    stream.write(`${at} pair ${event.round.pair + 1}/${pairs} · ${labels[event.round.side]} · ${formatDuration(event.elapsedMs)} so far${left}\n`);
  };
}
