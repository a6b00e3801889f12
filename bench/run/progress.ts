/**
 * The progress display, fed by run events: on a terminal, one live line that rewrites itself plus
 * a line per finished trial; elsewhere (CI, a pipe), one line per step and nothing that rewrites.
 */
import { resultLine, stepLine } from '../model/capacity-words.ts';
import { formatDistance, formatDrops, formatNumber, formatUs } from '../model/format.ts';
import type { RunEvent } from './run.ts';
import type { SoakResult } from '../model/results.ts';
import { describeVariant } from './scenarios.ts';

export interface ProgressOptions {
  readonly stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Rewrite a live line (a terminal); otherwise print one line per step. */
  readonly live: boolean;
}

export function createProgress(options: ProgressOptions): (event: RunEvent) => void {
  const { stream, live } = options;
  let liveLine = false;
  const clear = (): void => {
    if (liveLine) stream.write('\r\x1b[2K');
    liveLine = false;
  };
  const line = (text: string): void => {
    clear();
    stream.write(`${text}\n`);
  };
  let lastLiveWrite = 0;
  return (event) => {
    switch (event.type) {
      case 'phase':
        line(`» ${event.detail}`);
        return;
      case 'trial-start':
        line(`[${event.index}/${event.total}] ${event.step} · ${describeVariant(event.variant)} · round ${event.round + 1}/${event.rounds}`);
        return;
      case 'trial-progress': {
        if (!live) return;
        const now = performance.now();
        if (now - lastLiveWrite < 100) return;
        lastLiveWrite = now;
        const p = event.progress;
        const width = (stream.columns ?? 100) - 1;
        const text = `   ${p.phase} ${(p.elapsedMs / 1000).toFixed(1)}/${(p.totalMs / 1000).toFixed(1)} s · sent ${p.sent} · delivered ${p.delivered}`;
        stream.write(`\r\x1b[2K${text.slice(0, width)}`);
        liveLine = true;
        return;
      }
      case 'trial-end': {
        const t = event.trial;
        const verdict = t.ok ? 'ok' : `FAILED: ${t.problems.join('; ')}`;
        const bound = t.generator.bound ? ' · GENERATOR-BOUND' : '';
        const net = t.network ? ` · ${formatDrops(t.network)}` : '';
        line(
          `   p50 ${formatUs(t.latency.p50)} · p99 ${formatUs(t.latency.p99)} · ${t.delivery.delivered}/${t.delivery.expected} delivered · ` +
            `${formatNumber(t.perDelivered.requests)} req/msg · ${formatNumber(t.perDelivered.bytes)} B/msg${net} · ${verdict}${bound}`,
        );
        if (t.distance) line(`   ${formatDistance(t.distance)}`);
        if (t.broker) line(`   Redis: ${formatUs(t.broker.cpuUsPerMessage)} CPU and ${t.broker.commandsPerMessage.toFixed(1)} commands per message`);
        if (t.soak) line(`   ${formatSoak(t.soak)}`);
        if (t.failover) {
          const f = t.failover;
          const faults = f.faults.map((x) => `${x.name}: ${x.recoveryMs === null ? `${x.waiting} clients never received again` : `all receiving again after ${formatNumber(x.recoveryMs)} ms`}`);
          line(`   failover: ${f.acknowledged} acknowledged, ${f.lostAcknowledged} of them lost, ${f.notAcknowledged} not acknowledged; ${faults.join('; ')}`);
        }
        return;
      }
      case 'ceiling':
        line(`   ${event.target}`);
        return;
      case 'warning':
        line(`! ${event.message}`);
        return;
      case 'capacity-step':
        line(`   ${stepLine(event.variant.id, event.step)}`);
        return;
      case 'capacity-end':
        line(`» ${resultLine(event.result)}`);
        return;
    }
  };
}

/** A soak trial's figures in one line: what the bystanders did, the server's cuts, its RSS, the slots left. */
export function formatSoak(soak: SoakResult): string {
  const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  const b = soak.bystanders;
  const left = Object.entries(soak.leftAfter);
  return [
    `soak: ${b.nonReaderJoins} non-reader joins, ${b.leaves} leaves, ${b.failures} failed joins`,
    `server cut ${soak.slowConsumerCloses} slow consumers, ${soak.budgetCuts} for its budget, refused ${soak.busyRefusals} reads busy`,
    `RSS ${mib(soak.rss.firstThirdMaxBytes)} → ${mib(soak.rss.lastThirdMaxBytes)} (${soak.rss.bounded ? 'levelled off' : 'GREW'}), peak ${mib(soak.rssGrowthPeakBytes)} above idle against ${mib(soak.peakWaitingBytes)} counted waiting`,
    left.length === 0 ? 'every slot given back' : `LEFT TAKEN: ${left.map(([k, v]) => `${k} ${v}`).join(', ')}`,
  ].join(' · ');
}
