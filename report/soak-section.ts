/**
 * The report's soak table (the `soak` scenario, `TrialResult.soak`): per transport, what the
 * clients that never read and the clients that left did, what the server cut, whether its RSS
 * levelled off, and the slots it still held once every client had left. Pure: results in, HTML out.
 */
import { formatBytes } from '../bench/model/format.ts';
import { SOAK_RSS_GROWTH, type BenchResults } from '../bench/model/results.ts';
import { html, type Html } from './html.ts';
import { variantName } from './select.ts';

/** A count, with thousands separated. */
const count = (n: number): string => n.toLocaleString('en-US');

export function soakSection(results: BenchResults): Html | string {
  const rows = results.steps.flatMap((step) =>
    step.variants.flatMap((v) =>
      v.trials.flatMap((t) => {
        const soak = t.soak;
        if (!soak) return [];
        const left = Object.entries(soak.leftAfter);
        const b = soak.bystanders;
        return [
          html`<tr><td>${variantName(v)}</td><td>${count(b.nonReaderJoins)}</td><td>${count(b.leaves)}</td><td>${count(soak.slowConsumerCloses)} / ${count(soak.budgetCuts)} / ${count(soak.busyRefusals)}</td>\
<td>${formatBytes(soak.rss.firstThirdMaxBytes)} → ${formatBytes(soak.rss.lastThirdMaxBytes)}</td><td class="${soak.rss.bounded ? 'good' : 'bad'}">${soak.rss.bounded ? 'levelled off' : 'grew'}</td>\
<td>${formatBytes(soak.rssGrowthPeakBytes)} / ${formatBytes(soak.peakWaitingBytes)}</td>\
<td class="${left.length === 0 ? 'good' : 'bad'}">${left.length === 0 ? 'none' : left.map(([k, n]) => `${k} ${n}`).join(', ')}</td></tr>`,
        ];
      }),
    ),
  );
  if (rows.length === 0) return '';
  return html`<section id="soak"><h2>Soak: clients that never read, clients that leave</h2>\
<p class="how">Beside the measured readers, every room had clients that subscribed and never read (replaced by fresh ones, stalled again, after a while) and clients that left abruptly mid-load and came back. The server must cut the non-readers before they cost it unbounded memory, and give back every slot: RSS over the window's last third within ${SOAK_RSS_GROWTH * 100}% of its first, and no held poll, stream, socket, connection or waiting byte left once every client had gone. "RSS above idle / counted waiting" sets the server's RSS growth at its peak against the most its waiting budget counted at once.</p>\
<table><thead><tr><th>transport</th><th>non-reader joins</th><th>leaves</th><th>cut slow / for the budget / reads refused</th><th>RSS, first → last third</th><th>RSS</th><th>RSS above idle / counted waiting, at peak</th><th>slots left after</th></tr></thead>\
<tbody>${rows}</tbody></table></section>`;
}
