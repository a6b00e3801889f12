/**
 * The report's browser-members table (`--clients browser`, `TrialResult.browser`): per variant
 * and round, the pages and members, what Chromium cost (its CPU per delivery, counted as the
 * generator's, and its memory), how late the pages' posts left, and the bound on their clock
 * mapping. Pure: results in, HTML out.
 */
import { formatBytes, formatUs } from '../bench/model/format.ts';
import type { BenchResults } from '../bench/model/results.ts';
import { html, type Html } from './html.ts';
import { variantName } from './select.ts';

export function browserSection(results: BenchResults): Html | string {
  const rows = results.steps.flatMap((step) =>
    step.variants.flatMap((v) =>
      v.trials.flatMap((t) => {
        const b = t.browser;
        if (!b) return [];
        return [
          html`<tr><td>${step.step.label}</td><td>${variantName(v)}</td><td>${t.round + 1}</td><td>${b.pages} / ${b.members}</td>\
<td>${formatUs(b.cpuUs / Math.max(1, t.delivery.delivered))}</td><td>${formatBytes(b.pssBytes)}</td>\
<td>${formatUs(b.dispatch.p50)} / ${formatUs(b.dispatch.p99)}</td><td>${formatUs(b.clockErrorUs)}</td>\
<td class="${t.generator.bound ? 'bad' : 'good'}">${t.generator.bound ? 'yes' : 'no'}</td></tr>`,
        ];
      }),
    ),
  );
  if (rows.length === 0) return '';
  return html`<section id="browser-members"><h2>Browser members</h2>\
<p class="how">These members were pages of Chromium on the platform's own fetch, EventSource and WebSocket (or Socket.IO's browser client), their requests and bytes counted by a relay in front of the server. Chromium's CPU is counted as the generator's, so a browser that could not keep up makes its trial generator-bound. A post is handed to its page 50 ms ahead and sent on the page's timer: "posts late" is how late it left (p50 / p99), part of the latency. The clock bound is the most a page's receipt times can be off (bench/METHOD.md, "Browser members").</p>\
<table><thead><tr><th>step</th><th>variant</th><th>round</th><th>pages / members</th><th>Chromium CPU per delivery</th><th>Chromium memory (Pss)</th><th>posts late, p50 / p99</th><th>clock bound</th><th>generator-bound</th></tr></thead>\
<tbody>${rows}</tbody></table></section>`;
}
