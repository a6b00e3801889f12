/**
 * The report's capacity section (a `capacity` run): a chart of p99 against clients per transport
 * with the SLO line, and a table of each transport's capacity, its first failing step and what
 * failed. Pure: results in, chart data and HTML out.
 */
import { capacityFigure, stopWords, stepP99 } from '../bench/model/capacity-words.ts';
import { factsOf, type BenchResults, type CapacityResult, type StepResult } from '../bench/model/results.ts';
import { logAxis, logGridPhrase, type ChartSpec } from './chart-kit.ts';
import { html, type Html } from './html.ts';
import { TRANSPORT_NAMES, variantName } from './select.ts';

/** The capacity chart, when the run searched a capacity with at least one step that ran. */
export function capacityCharts(results: BenchResults): ChartSpec[] {
  const searches = results.capacity ?? [];
  const sloMs = results.config.scenario.capacity?.sloMs;
  const points = (c: CapacityResult) =>
    [...c.steps]
      .filter((s) => s.result !== null && s.result.summary.latency.count > 0)
      .sort((a, b) => a.clients - b.clients)
      .map((s) => ({ x: s.clients, y: Math.max(1, s.result?.summary.latency.p99 ?? 1), pass: s.pass }));
  const datasets = searches
    .map((c) => ({ c, data: points(c) }))
    .filter((d) => d.data.length > 0)
    .map(({ c, data }) => {
      const colour = factsOf(c.variant.transport)?.colour;
      return {
        label: variantName(c.variant),
        data: data.map(({ x, y }) => ({ x, y })),
        borderColor: colour,
        backgroundColor: colour,
        pointStyle: data.map((p) => (p.pass ? 'circle' : 'crossRot')),
        pointRadius: data.map((p) => (p.pass ? 4 : 8)),
        pointBorderWidth: data.map((p) => (p.pass ? 1 : 3)),
      };
    });
  if (datasets.length === 0 || sloMs === undefined) return [];
  const { grid: xGrid, scale: xAxis } = logAxis(datasets.flatMap((d) => d.data.map((p) => p.x)), 'clients');
  const { grid: yGrid, scale: yAxis } = logAxis([...datasets.flatMap((d) => d.data.map((p) => p.y)), sloMs * 1000], 'p99 delivery latency');
  return [
    {
      id: 'capacity-p99',
      title: 'p99 delivery latency against clients, per transport',
      caption: `Every step each search tried: a dot passed, a cross failed (latency, loss, server CPU, fd limit or the generator; the table says which). The dashed line is the SLO (${sloMs} ms). ${logGridPhrase(xGrid, 'clients')} ${logGridPhrase(yGrid, 'latency')}`,
      formats: { x: 'number', y: 'us' },
      logGrid: { x: xGrid, y: yGrid },
      markers: [{ axis: 'y', value: sloMs * 1000, label: `SLO ${sloMs} ms` }],
      config: { type: 'line', data: { datasets }, options: { scales: { x: xAxis, y: yAxis } } },
    },
  ];
}

const clients = (n: number): string => n.toLocaleString('en-US');

function searchRow(c: CapacityResult): Html {
  const last = c.steps.find((s) => s.pass && s.clients === c.lastPass);
  const tried = c.steps.map((s, i) => html`${i > 0 ? ', ' : ''}<span class="${s.pass ? 'pass' : 'fail'}">${clients(s.clients)} ${s.pass ? '✓' : '✗'}</span>`);
  const cause = c.cause.length > 0 ? html`<ul>${c.cause.map((f) => html`<li><strong>${f.kind}</strong>: ${f.detail}</li>`)}</ul>` : '–';
  const badge = c.stop === 'failed' || c.stop === 'below-start' ? '' : html` <span class="badge qualified">lower bound</span>`;
  return html`<tr data-transport="${c.variant.transport}"><th scope="row">${variantName(c.variant)}</th>\
<td class="capacity">${capacityFigure(c)}${badge}</td><td>${last ? stepP99(last) : '–'}</td>\
<td>${c.firstFail === null ? '–' : clients(c.firstFail)}</td><td>${cause}</td><td>${stopWords(c)}</td><td class="tried">${tried}</td></tr>`;
}

/** The capacity section, with the chart's figure given by the caller (it renders every chart alike). */
export function capacitySection(results: BenchResults, chart: (spec: ChartSpec) => Html): Html | string {
  const searches = results.capacity;
  const spec = results.config.scenario.capacity;
  if (!searches || !spec) return '';
  const template = results.config.scenario.steps[0];
  const shape = template
    ? `rooms of ${template.workload.members}, ${template.workload.ratePerMember} messages a second per member, ${template.workload.bodyBytes}-byte bodies, ${template.workload.warmupMs / 1000} s warm-up and a ${template.workload.durationMs / 1000} s window per trial, ${results.config.scenario.rounds} round(s) per step`
    : '';
  const head = html`<thead><tr><th>transport</th><th>capacity (clients)</th><th>p99 there</th><th>first failing step</th><th>what failed there</th>\
<th>why the search stopped</th><th>steps tried, in order</th></tr></thead>`;
  const missing = (template?.variants ?? []).filter((v) => factsOf(v.transport)?.group !== 'baseline' && !searches.some((c) => c.variant.id === v.id));
  const notSearched = missing.length > 0 ? html`<p class="how">Not searched (the run stopped first): ${missing.map((v) => TRANSPORT_NAMES[v.transport] ?? v.id).join(', ')}.</p>` : '';
  return html`<section id="capacity"><h2>Capacity</h2>\
<p class="how">The most clients each transport served on this machine with p99 delivery at most ${spec.sloMs} ms, nothing lost and the \
generator not the bottleneck (${shape}). Clients were stepped up ×${spec.factor} from ${clients(spec.startClients)} (at most ${clients(spec.maxClients)}), \
then the interval between the last pass and the first fail halved until within ${Math.round(spec.resolution * 100)}%. \
A number marked <em>at least</em> is a lower bound: the next step could not be judged (the generator was the bottleneck, one server \
process cannot hold that many sockets, or the trial could not run), which says nothing against the transport. It is one machine's \
number, with this room shape and rate: another shape moves it.</p>\
<div class="scroll"><table class="capacity">${head}<tbody>${searches.map(searchRow)}</tbody></table></div>${notSearched}\
${capacityCharts(results).map(chart)}</section>`;
}

/**
 * Each transport's last passing step as a step of its own, for the figure tables: what it cost at
 * the most clients it served within the SLO.
 */
export function capacityFigureSteps(results: BenchResults): StepResult[] {
  const template = results.config.scenario.steps[0];
  if (!template) return [];
  return (results.capacity ?? []).flatMap((c) => {
    const last = c.steps.find((s) => s.pass && s.clients === c.lastPass);
    if (!last?.result) return [];
    const workload = { ...template.workload, rooms: last.clients / template.workload.members };
    const label = `${variantName(c.variant)} at ${clients(last.clients)} clients, its last passing step`;
    return [{ step: { label, x: { name: 'clients', value: last.clients, unit: 'clients' }, workload, variants: [c.variant] }, variants: [last.result] }];
  });
}

/** The sentence at the top of a capacity run's report: each transport's number, the largest first. */
export function capacityHeadline(results: BenchResults): string {
  const slo = results.config.scenario.capacity?.sloMs;
  const searches = [...(results.capacity ?? [])].sort((a, b) => (b.lastPass ?? 0) - (a.lastPass ?? 0));
  if (searches.length === 0) return 'No capacity search finished in this run.';
  const figured = searches.filter((c) => capacityFigure(c) !== '–');
  const none = searches.filter((c) => capacityFigure(c) === '–');
  const each = figured.map((c) => `${variantName(c.variant)} ${capacityFigure(c)}`).join(', ');
  const bounds = figured.some((c) => c.stop !== 'failed' && c.stop !== 'below-start') ? ' (≥: a lower bound, the next step could not be judged or was past the cap)' : '';
  const served = figured.length > 0 ? `Clients served on this machine with p99 ≤ ${slo ?? '?'} ms and nothing lost: ${each}${bounds}.` : '';
  const unjudged = none.length > 0 ? `No figure for ${none.map((c) => variantName(c.variant)).join(', ')}: the first step could not be judged (see the capacity table).` : '';
  return [served, unjudged].filter(Boolean).join(' ');
}
