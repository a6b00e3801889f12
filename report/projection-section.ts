/**
 * The report's projection section: the reader's deployment as inputs, and per transport what it
 * would need, with the arithmetic shown. The table is rendered here for the default inputs and
 * again by the page's script (with report/projection.js, the same arithmetic) when an input changes.
 */
import type { BenchResults } from '../bench/model/results.ts';
import { html, type Html } from './html.ts';
import { DEFAULT_DEPLOYMENT, busiestServer, projectionInputs, projectionLeftOut, projectionTable, type MeasuredTransport, type ProjectionTable } from './projection.ts';
import { formatShare } from '../bench/model/format.ts';

/** The table's rows, in the same markup the page's script builds (page.js, `projectionRows`). */
function rows(table: ProjectionTable): Html[] {
  return table.rows.map((row) => {
    const caveats = row.caveats.map((c) => html`<span class="caveat-note">${c}</span>`);
    const cells = row.cells.map(
      (c) => html`<td class="${c.missing ? 'proj-cell missing' : 'proj-cell'}"><span class="value">${c.text}</span><span class="formula">${c.formula}</span></td>`,
    );
    return html`<tr data-transport="${row.transport}"><th scope="row">${row.name}</th><td class="basis">${row.basis}${caveats}</td>${cells}</tr>`;
  });
}

/** What one server process of this run could use, in its own measured cores. */
function coresText(results: BenchResults): string {
  const busiest = busiestServer(results);
  const used = busiest ? `the busiest server of this run, ${busiest.name}, used at most ${formatShare(busiest.share)} of a core` : 'this run did not measure its servers\' CPU';
  return results.config.target
    ? `${used} (a server the bench did not start: how many cores it can use is its own affair, and a row's cores are CPU time the work needs, not a plan to spread it)`
    : `${used} (this project's servers run their JavaScript on one thread, so each stops near one core; a row's cores are CPU time the work needs, not a plan to spread it)`;
}

/** The section, and the measured figures the page's script projects from. */
export function projectionSection(results: BenchResults): { readonly section: Html; readonly measured: readonly MeasuredTransport[] } {
  const measured = projectionInputs(results);
  const title = html`<h2>Cost at your scale, on paper <span class="badge qualified">projection</span></h2>`;
  const left = projectionLeftOut(results, measured);
  const leftNote = left.length > 0 ? html`<p class="how left-out">Not projected: ${left.map((l, i) => html`${i > 0 ? '; ' : ''}<strong>${l.name}</strong>, because ${l.why}`)}.</p>` : '';
  if (measured.length === 0) {
    return {
      section: html`<section id="projection">${title}<p class="how">No transport of this run delivered everything: there is nothing trustworthy to project from.</p>${leftNote}</section>`,
      measured,
    };
  }
  const d = DEFAULT_DEPLOYMENT;
  const table = projectionTable(d, measured);
  const input = (id: string, label: string, value: number, attrs: { min: number; step: string }): Html =>
    html`<label>${label} <input type="number" id="${id}" value="${value}" min="${attrs.min}" step="${attrs.step}" required></label>`;
  const head = html`<thead><tr><th>transport</th><th>rests on (measured in this run)</th>${table.head.map((h) => html`<th>${h}</th>`)}</tr></thead>`;
  const section = html`<section id="projection">${title}\
<p class="how"><strong>A projection, not a measurement.</strong> Describe a deployment; each column scales a figure this run measured, \
at the step named, by your load: server CPU per delivered message and bytes and HTTP requests per delivered message by deliveries \
per second, and RSS per connected client by users (one connection each). Each cell shows its arithmetic and the range the figure took \
across rounds. It assumes costs grow in proportion, which they do not past what one server process can use, ${coresText(results)}, \
or past the sockets one process holds (~20,000 here): read it as the order of magnitude, not a plan. A figure this run did not measure is not projected.</p>${leftNote}\
<form id="projection-inputs" class="projection-inputs">${input('projection-users', 'users', d.users, { min: 1, step: '1' })}\
${input('projection-room', 'room size', d.roomSize, { min: 1, step: '1' })}\
${input('projection-rate', 'messages per user per minute', d.messagesPerUserPerMinute, { min: 0, step: 'any' })}</form>\
<p id="projection-totals" class="how">${table.totals}</p><p id="projection-error" class="error" hidden></p>\
<div class="scroll"><table id="projection-table" class="projection">${head}<tbody id="projection-rows">${rows(table)}</tbody></table></div></section>`;
  return { section, measured };
}
