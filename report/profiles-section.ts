/**
 * The report's links to the servers' CPU profiles (`--profile`): one per trial, over its measured
 * window, beside the results file, so that any reader can open where a transport's time goes.
 * Pure: results in, HTML out.
 */
import { formatBytes } from '../bench/model/format.ts';
import type { BenchResults } from '../bench/model/results.ts';
import { html, type Html } from './html.ts';
import { variantName } from './select.ts';

export function profilesSection(results: BenchResults): Html | string {
  const rows = results.steps.flatMap((step) =>
    step.variants.flatMap((v) =>
      v.trials.flatMap((t) => (t.profile ? [html`<li><a href="${t.profile.file}">${step.step.label}: ${variantName(v)}, round ${t.round + 1}</a> (${formatBytes(t.profile.bytes)})</li>`] : [])),
    ),
  );
  if (rows.length === 0) return '';
  return html`<section id="profiles"><h2>CPU profiles</h2>\
<p class="how">Each trial's server, sampled every 200 µs over the measured window only (V8's profiler through the inspector). Open one in Chrome DevTools (Performance, "Load profile") or at speedscope: the time a transport's server spends per function, its own code and its libraries'.</p>\
<ul>${rows}</ul></section>`;
}
