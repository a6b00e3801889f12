/**
 * The HTML report: a pure function from a results file to one self-contained page. chart.js, the
 * page's style (page.css) and its script (page.js) are inlined (the caller passes their source),
 * a Content-Security-Policy forbids every request, and every value from the results goes through
 * the escaping `html` template.
 */
import { BYTE_UNITS, DURATION_UNITS, formatBytes, formatFigure, formatNs, formatNumber, formatRatio, formatShare, formatUs } from '../bench/model/format.ts';
import { GENERATOR_CPU_LIMIT, GENERATOR_SEND_LAG_LIMIT_US } from '../bench/model/generator-limits.ts';
import { FIGURES, type BenchResults, type FigureKey, type MicroResult, type Spread, type StepResult } from '../bench/model/results.ts';
import { capacityCharts, capacityFigureSteps, capacityHeadline, capacitySection } from './capacity-section.ts';
import { buildCharts, type ChartSpec } from './charts.ts';
import { checkClaims, type ClaimVerdict } from './claims.ts';
import { clusterSection } from './cluster.ts';
import { html, raw, type Html } from './html.ts';
import { TRANSPORT_NAMES, capitalized, chatVariants, figureCaveat, untrusted, variantKnobs, variantName } from './select.ts';
import { projectionSection } from './projection-section.ts';
import { headline, stepVerdict } from './verdict.ts';
import { wanSection } from './wan.ts';
import { profilesSection } from './profiles-section.ts';
import { browserSection } from './browser-section.ts';
import { soakSection } from './soak-section.ts';

export interface RenderAssets {
  /** The source of chart.js's UMD build (`chart.umd.min.js`), inlined into the page. */
  readonly chartJs: string;
  /** The page's style: report/page.css. */
  readonly css: string;
  /** The page's script, which draws the charts and updates the projection: report/page.js. */
  readonly script: string;
  /** The projection's arithmetic, which the page's script calls: report/projection.js. */
  readonly projection: string;
}

type VariantOf = StepResult['variants'][number];
type TrialOf = VariantOf['trials'][number];

/** JSON that is safe inside a `<script>` element. */
function scriptJson(value: unknown): Html {
  return raw(JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029'));
}

/** Script source that cannot close its `<script>` element early. */
function scriptSource(source: string): Html {
  return raw(source.replace(/<\/script/gi, '<\\/script'));
}

function spreadCell(key: FigureKey, s: Spread): Html {
  const median = formatFigure(key, s.median);
  if (s.min === s.max) return html`${median}`;
  return html`${median}<span class="spread">${formatFigure(key, s.min)} – ${formatFigure(key, s.max)}</span>`;
}

/** A hot path whose relative margin of error is above this (percent) is marked noisy. */
const NOISY_RME_PERCENT = 20;

const VERDICT_CLASS: Readonly<Record<ClaimVerdict, string>> = {
  supported: 'supported',
  qualified: 'qualified',
  refuted: 'refuted',
  'not measured': 'unmeasured',
  'not judged': 'unmeasured',
};

function alerts(results: BenchResults): Html {
  const items: Html[] = [];
  if (results.status === 'interrupted') items.push(html`This run was <strong>interrupted</strong>: it holds what was measured until then.`);
  if (results.status === 'failed') items.push(html`Some trials <strong>could not run</strong>; see the warnings below.`);
  for (const step of results.steps) {
    for (const v of step.variants) {
      const where = html`<strong>${variantName(v)}</strong> in “${step.step.label}”`;
      if (!v.summary.ok) {
        const problems = [...new Set(v.trials.flatMap((t) => t.problems))].join('; ');
        items.push(html`${where} <strong>lost or mis-delivered messages</strong>: ${problems}. Its speed means nothing.`);
      }
      const bound = v.trials.filter((t) => t.generator.bound).length;
      if (v.summary.generatorBound || bound > 0) {
        const reasons = [...new Set(v.trials.flatMap((t) => t.generator.reasons))].join('; ');
        const rounds = bound > 0 && bound < v.trials.length ? `in ${bound} of its ${v.trials.length} rounds` : 'in every round';
        const latency = bound > 0 && bound < v.trials.length ? 'its latency is judged on the other rounds only' : 'its latency is not judged';
        items.push(
          html`${where} was <strong>generator-bound</strong> ${rounds} (${reasons}): the load generator sent late, so ${latency}; its requests, bytes and connections per message, which the generator's lateness cannot change, are judged as usual.`,
        );
      }
    }
  }
  if (items.length === 0 && results.capacity) {
    // A capacity search steps until something fails: its failures are in its own table, named.
    return html`<section id="alerts" class="ok"><p>Each step of the capacity search is judged in the capacity table below: what failed, with its figure, \
including the steps where the generator was the bottleneck.</p></section>`;
  }
  if (items.length === 0) {
    return html`<section id="alerts" class="ok"><p>Every trial delivered every message, in order, once; no generator was the bottleneck.</p></section>`;
  }
  return html`<section id="alerts" class="bad"><h2>Read this first</h2><ul>${items.map((i) => html`<li>${i}</li>`)}</ul></section>`;
}

function verdictSection(results: BenchResults): Html {
  const steps = results.steps.filter((s) => s.variants.length > 1);
  if (steps.length === 0) return html`<section id="verdict"><h2>Verdict</h2><p>No step ran more than one transport.</p></section>`;
  const body = steps.map((step) => {
    const lines = stepVerdict(step);
    const winner = (l: (typeof lines)[number]): Html | string =>
      l.best ? html`: <span class="winner">${l.best}</span>` : l.tie.length > 1 ? html`: <span class="tie">tie (within noise)</span>` : '';
    const entries = lines.map((l) => html`<dt data-figure="${l.figure}">${l.title}${winner(l)}</dt><dd>${l.sentence}</dd>`);
    return html`<div class="step-verdict"><h3>${step.step.label}</h3><dl>${entries}</dl></div>`;
  });
  const rounds = steps.flatMap((s) => s.variants.map((v) => v.summary.rounds));
  const oneRound = rounds.every((r) => r < 2)
    ? html` <strong>This run had one round, so the noise was not measured: a small difference may still be noise.</strong>`
    : rounds.some((r) => r < 2)
      ? html` <strong>Some transports ran a single round, so their noise was not measured: a small difference may still be noise.</strong>`
      : '';
  const trials = steps.flatMap((s) => chatVariants(s).flatMap((v) => v.trials));
  const bound = trials.filter((t) => t.generator.bound).length;
  const boundText = bound === 0 ? ' No round of a transport here was generator-bound.' : ` ${bound} of the ${trials.length} rounds of the transports here ${bound === 1 ? 'was' : 'were'} generator-bound.`;
  const how = html`Medians across rounds; the spread is the range across rounds. A difference is <em>within the noise</em> when the two transports' \
ranges across rounds overlap, and is then called a tie. A transport that lost messages is never judged. A latency leaves out the rounds in which the load generator was the bottleneck (a transport it limited in every round is not judged on latency); requests, bytes and connections per message, CPU and memory keep every round, since the generator's lateness cannot change them.${boundText}${oneRound}`;
  return html`<section id="verdict"><h2>Verdict</h2><p class="how">${how}</p>${body}</section>`;
}

function chartFigure(c: ChartSpec): Html {
  return html`<figure class="chart"><h3>${c.title}</h3><div class="canvas"><canvas id="${c.id}" data-chart></canvas></div>\
<figcaption>${c.caption}</figcaption></figure>`;
}

function chartsSection(charts: readonly ChartSpec[]): Html | string {
  if (charts.length === 0) return '';
  return html`<section id="charts"><h2>Charts</h2>${charts.map(chartFigure)}</section>`;
}

function claimsSection(results: BenchResults): Html {
  const rows = checkClaims(results).map((c) => {
    const evidence = c.evidence.map((e) => html`<li>${e}</li>`);
    const badge = html`<span class="badge ${VERDICT_CLASS[c.verdict]}">${c.verdict}</span>`;
    return html`<tr><th scope="row">${c.claim}</th><td>${badge}</td><td><ul>${evidence}</ul></td></tr>`;
  });
  const weak = results.steps.some((s) => s.variants.some((v) => untrusted(v) !== undefined))
    ? html` <strong>Some of these figures come from transports that lost messages or were generator-bound (see “Read this first”): \
a verdict that rests on them is weak.</strong>`
    : '';
  const head = html`<thead><tr><th>claim</th><th>verdict</th><th>the figures</th></tr></thead>`;
  return html`<section id="claims"><h2>The claims, checked</h2>\
<p class="how">Each common claim about these transports, against the figures this run measured.${weak}</p>\
<table>${head}<tbody>${rows}</tbody></table></section>`;
}

/** A target's verdict in a word: met, MISSED, within noise (the rounds cannot tell), or not measured. */
export function targetVerdict(t: BenchResults['targets'][number]): string {
  if (t.noise !== undefined) return 'within noise';
  return t.pass === null ? 'not measured' : t.pass ? 'met' : 'MISSED';
}

function targetsSection(results: BenchResults): Html | string {
  if (results.targets.length === 0) return '';
  const rows = results.targets.map((t) => {
    const verdict = targetVerdict(t);
    const badge = t.noise !== undefined ? 'qualified' : t.pass === null ? 'unmeasured' : t.pass ? 'supported' : 'refuted';
    const value = t.value === null ? '–' : formatNumber(t.value);
    const note = t.noise === undefined ? t.note : `${t.note}; within noise: ${t.noise}`;
    return html`<tr><th scope="row">${t.name}</th><td><span class="badge ${badge}">${verdict}</span></td>\
<td>${value}</td><td>${t.target}</td><td>${note}</td></tr>`;
  });
  const head = html`<thead><tr><th>target</th><th></th><th>value</th><th>goal</th><th>note</th></tr></thead>`;
  const how = html`<p class="how">A target that compares figures is judged across rounds with the CI gate's noise test: \
met or MISSED only when the rounds lie on that side beyond the noise (a rank test with enough rounds, ranges that do not overlap with fewer), \
otherwise <em>within noise</em>.</p>`;
  return html`<section id="targets"><h2>Targets</h2>${how}<table>${head}<tbody>${rows}</tbody></table></section>`;
}

/** The rows under the figures: counts summed over rounds, and the generator's self-check. */
function countRows(step: StepResult): Html[] {
  const sum = (pick: (t: TrialOf) => number) => (v: VariantOf): number => v.trials.reduce((n, t) => n + pick(t), 0);
  const latency = (v: VariantOf): string => [v.summary.latency.p50, v.summary.latency.p99, v.summary.latency.max].map(formatUs).join(' / ');
  const counts: [string, (v: VariantOf) => string][] = [
    ['rounds', (v) => String(v.summary.rounds)],
    ['clients', (v) => String(v.trials[0]?.clients ?? 0)],
    ['messages sent (all rounds)', (v) => String(sum((t) => t.delivery.sent)(v))],
    ['deliveries expected', (v) => String(sum((t) => t.delivery.expected)(v))],
    ['delivered', (v) => String(sum((t) => t.delivery.delivered)(v))],
    ['lost', (v) => String(sum((t) => t.delivery.lost)(v))],
    ['acknowledged and lost', (v) => String(sum((t) => t.delivery.lostAcknowledged ?? 0)(v))],
    ['duplicated', (v) => String(sum((t) => t.delivery.duplicated)(v))],
    ['reordered', (v) => String(sum((t) => t.delivery.reordered)(v))],
    ['client reconnects', (v) => String(sum((t) => t.events.reconnects)(v))],
    ['generator CPU (worst round)', (v) => formatShare(Math.max(...v.trials.map((t) => t.generator.cpuShare)))],
    ['generator send lag p99 (worst round)', (v) => formatUs(Math.max(...v.trials.map((t) => t.generator.sendLagP99)))],
    ['latency, all rounds merged: p50 / p99 / max', latency],
  ];
  return counts.map(([label, cell]) => html`<tr><th scope="row">${label}</th>${step.variants.map((v) => html`<td>${cell(v)}</td>`)}</tr>`);
}

function figuresTable(step: StepResult): Html {
  const badge = (v: VariantOf): Html | string => {
    const why = untrusted(v);
    return why === undefined ? '' : html` <span class="badge refuted">${why}</span>`;
  };
  const head = step.variants.map((v) => html`<th>${variantName(v)}${badge(v)}</th>`);
  const cell = (key: FigureKey, v: VariantOf): Html => {
    const caveat = figureCaveat(step, v, key);
    if (!caveat) return html`<td>${spreadCell(key, v.summary.figures[key])}</td>`;
    return html`<td class="caveat" data-caveat="${caveat.kind}" data-figure="${key}" title="${caveat.why}">\
<span class="value">–</span><span class="why">${caveat.note}</span></td>`;
  };
  const keys = Object.keys(FIGURES) as FigureKey[];
  const reasons = [...new Set(step.variants.flatMap((v) => keys.map((key) => figureCaveat(step, v, key)?.why ?? '')))].filter(Boolean);
  const notes = reasons.length > 0 ? html`<ul class="caveats how">${reasons.map((r) => html`<li>${r}</li>`)}</ul>` : '';
  const figureRows = keys.map((key) => html`<tr><th scope="row">${FIGURES[key].label}</th>${step.variants.map((v) => cell(key, v))}</tr>`);
  const thead = html`<thead><tr><th>figure (median, range across rounds)</th>${head}</tr></thead>`;
  const table = html`<table class="figures">${thead}<tbody>${figureRows}${countRows(step)}</tbody></table>`;
  return html`<h3>${step.step.label}</h3><div class="scroll">${table}</div>${notes}`;
}

function ceilingsTable(results: BenchResults): Html {
  const head = html`<thead><tr><th>route</th><th>requests/s (median of the rounds)</th><th>range across rounds</th>\
<th>ratio to bare fastify</th><th>request round trip p50 / p99</th><th>errors</th></tr></thead>`;
  const rows = results.ceilings.map((c) => {
    const range = `${formatNumber(c.requestsPerSecond.min)} – ${formatNumber(c.requestsPerSecond.max)}`;
    const ratio = c.ratioToBare === undefined ? '–' : formatRatio(c.ratioToBare);
    return html`<tr><th scope="row">${c.target}</th><td>${formatNumber(c.requestsPerSecond.mean)}</td><td>${range}</td><td>${ratio}</td>\
<td>${c.latencyMs.p50} ms / ${c.latencyMs.p99} ms</td><td>${c.errors + c.non2xx}</td></tr>`;
  });
  const connections = String(results.ceilings[0]?.connections ?? '');
  return html`<h3>Route ceilings (autocannon, closed loop)</h3><table>${head}<tbody>${rows}</tbody></table>\
<p class="how">autocannon's latency is one request's round trip with ${connections} connections in a closed loop, not message latency.</p>`;
}

/**
 * One row a hot path: with several rounds (`--ci`, a paired job's side), the round of its median
 * mean time per call, so that its figures stay one measurement's, and how many rounds there were.
 */
function medianRounds(micro: readonly MicroResult[]): { readonly result: MicroResult; readonly rounds: number }[] {
  const byName = new Map<string, MicroResult[]>();
  for (const m of micro) byName.set(m.name, [...(byName.get(m.name) ?? []), m]);
  return [...byName.values()].map((rounds) => {
    const sorted = [...rounds].sort((a, b) => a.meanNs - b.meanNs);
    return { result: sorted[Math.floor((sorted.length - 1) / 2)] as MicroResult, rounds: rounds.length };
  });
}

function microTable(results: BenchResults): Html {
  const head = html`<thead><tr><th>operation</th><th>ops/s</th><th>mean</th><th>p99</th><th>± (rme)</th></tr></thead>`;
  const shown = medianRounds(results.micro);
  const rounds = Math.max(...shown.map((s) => s.rounds));
  const rows = shown.map(({ result: m }) => {
    const noisy = m.rme > NOISY_RME_PERCENT ? html` <span class="badge refuted">noisy</span>` : '';
    return html`<tr><th scope="row">${m.name}</th><td>${formatNumber(m.opsPerSecond)}</td><td>${formatNs(m.meanNs)}</td><td>${formatNs(m.p99Ns)}</td>\
<td>${m.rme.toFixed(1)}%${noisy}</td></tr>`;
  });
  const note = shown.some(({ result: m }) => m.rme > NOISY_RME_PERCENT)
    ? html`<p class="how">A margin of error above ${NOISY_RME_PERCENT}% (marked noisy) means the machine was busy while it ran: \
its mean can even exceed its p99, pulled up by a few preempted samples. Re-run on a quiet machine before reading it.</p>`
    : '';
  const per = rounds > 1 ? html`<p class="how">Each path’s round with the median mean of its ${rounds} rounds.</p>` : '';
  return html`<h3>Hot paths (tinybench)</h3><table>${head}<tbody>${rows}</tbody></table>${per}${note}`;
}

function ceilingsAndMicro(results: BenchResults): Html | string {
  const parts = [results.ceilings.length > 0 ? ceilingsTable(results) : '', results.micro.length > 0 ? microTable(results) : ''];
  return parts.some((p) => p !== '') ? html`<section id="anchors"><h2>Anchors</h2>${parts}</section>` : '';
}

/** A `--target` run: which servers it ran against, and that their own figures were not measured. */
function targetNote(results: BenchResults): Html | string {
  const target = results.config.target;
  if (!target) return '';
  const urls = Object.entries(target.urls).map(([transport, url], i) => html`${i > 0 ? ', ' : ''}${transport} at <code>${url}</code>`);
  return html`<p>Run against servers the bench did not start (<code>--target</code>): ${urls}${target.token ? ', with a token' : ''}. \
${target.pids ? html`Their CPU time and RSS were read from /proc (<code>--target-pid</code>); their heap, event-loop delay and connections were not measured.` : 'Their CPU, memory, event-loop delay and connections were not measured.'}</p>`;
}

function methodSection(results: BenchResults): Html {
  const m = results.machine;
  const { scenario } = results.config;
  const steps = scenario.steps.map((s) => {
    const w = s.workload;
    const variants = s.variants.map((v) => (variantKnobs(v).length > 0 ? `${v.id} (${variantKnobs(v).join(', ')})` : v.id)).join('; ');
    return html`<tr><th scope="row">${s.label}</th><td>${w.rooms} × ${w.members} = ${w.rooms * w.members}</td><td>${formatNumber(w.ratePerMember)}/s</td>\
<td>${w.bodyBytes} B</td><td>${w.warmupMs / 1000} s + ${w.durationMs / 1000} s</td><td>${variants}</td></tr>`;
  });
  const warnings = results.warnings.length > 0 ? html`<h3>Warnings</h3><ul>${results.warnings.map((w) => html`<li>${w}</li>`)}</ul>` : '';
  const head = html`<thead><tr><th>step</th><th>rooms × members</th><th>rate per member</th><th>body</th>\
<th>warm-up + window</th><th>transports</th></tr></thead>`;
  const cpuLimit = `${Math.round(GENERATOR_CPU_LIMIT * 100)}% of a core`;
  const lagLimit = `${GENERATOR_SEND_LAG_LIMIT_US / 1000} ms`;
  const machine = html`Machine: ${m.cpuModel}, ${m.cores} cores, ${formatBytes(m.memoryBytes)}; Node ${m.node} on ${`${m.platform} ${m.arch} ${m.osRelease}`}. \
Commit <code>${m.commit.slice(0, 12)}</code>${m.dirty ? ' (with uncommitted changes)' : ''}. \
Run from ${results.startedAt} to ${results.finishedAt}, status ${results.status}. \
Absolute times differ from machine to machine; ratios measured side by side in one run hold.`;
  return html`<section id="method"><h2>How it was measured</h2>
<p>Scenario <strong>${scenario.name}</strong>: ${scenario.description} ${scenario.rounds} round(s), the order of the transports rotated each round; \
${scenario.generators} generator process(es).</p>
${targetNote(results)}
<table>${head}<tbody>${steps}</tbody></table>
<ul class="method">
<li><strong>Open loop</strong>: each member sends on its schedule whatever happened to earlier messages; latency counts from the time a message was \
meant to be sent, at every receiver, so a server or generator that falls behind shows in the numbers.</li>
<li><strong>HDR histograms</strong> (3 significant digits) in every generator process, merged by adding them across processes and rounds, \
never by averaging percentiles.</li>
<li><strong>Correctness in the same run</strong>: every receiver checks each room's sequence; expected deliveries are the acknowledged window messages \
times the room's members.</li>
${
    results.config.target
      ? html`<li><strong>The server under test was not started by the bench</strong> (<code>--target</code>): it is whatever answered at the URL above, \
measured from outside; ${results.config.target.pids ? 'its CPU and RSS read from /proc' : 'its CPU and memory not measured'}. Clients count requests, connections and bytes on \
their sockets. The warm-up is discarded.</li>`
      : html`<li><strong>Each server in its own process</strong> reports its CPU, memory and event-loop delay; clients count requests, connections and bytes on \
their sockets. The warm-up is discarded.</li>`
  }
<li><strong>The generator checks itself</strong>: a trial where it used ${cpuLimit} or sent more than ${lagLimit} late at p99 is marked generator-bound.</li>
</ul>
<p>${machine}</p>
${warnings}</section>`;
}

/** The chat transports the run measured, in the order first met: "short polling, long polling and WebSocket". */
export function transportsOf(results: BenchResults): string {
  const names = [...new Set(results.steps.flatMap((s) => chatVariants(s).map((v) => TRANSPORT_NAMES[v.variant.transport] ?? v.variant.transport)))];
  if (names.length === 0) return 'no chat transport';
  return names.length === 1 ? (names[0] as string) : `${names.slice(0, -1).join(', ')} and ${names.at(-1) as string}`;
}

/** Whose servers the run measured, in a sentence: this project's, or the ones at the `--target` URLs. */
export function measuredWhat(results: BenchResults): string {
  const target = results.config.target;
  if (!target) return `${capitalized(transportsOf(results))} on one chat contract, this project's servers, measured side by side.`;
  const servers = Object.entries(target.urls).map(([transport, url]) => `${TRANSPORT_NAMES[transport] ?? transport} at ${url}`);
  const list = servers.length <= 1 ? (servers[0] ?? '') : `${servers.slice(0, -1).join(', ')} and ${servers.at(-1) as string}`;
  return `A server this bench did not start (--target): ${list}, measured from outside with this project's load generator${target.pids ? ', its CPU and RSS read from /proc (--target-pid)' : ''}.`;
}

function header(results: BenchResults, title: string): Html {
  const statusClass = results.status === 'complete' ? 'supported' : 'refuted';
  const m = results.machine;
  return html`<header>
<h1>${title}</h1>
<p class="sub">${measuredWhat(results)} \
<span class="badge ${statusClass} status">${results.status}</span>
${m.cpuModel} · ${m.cores} cores · Node ${m.node} · commit ${m.commit.slice(0, 12)} · ${results.startedAt}</p>
<p id="headline" class="headline">${results.capacity ? capacityHeadline(results) : headline(results)}</p>
</header>`;
}

/** The whole report page. */
export function renderReport(results: BenchResults, assets: RenderAssets): string {
  const charts = buildCharts(results);
  const target = results.config.target;
  const title = target
    ? `A chat server at ${Object.values(target.urls).join(', ')}, measured: ${results.config.scenario.name}`
    : `Chat transports compared: ${results.config.scenario.name}`;
  const projection = projectionSection(results);
  const specs = {
    units: { duration: DURATION_UNITS, bytes: BYTE_UNITS },
    charts: [...capacityCharts(results), ...charts].map((c) => ({ id: c.id, config: c.config, formats: c.formats, logGrid: c.logGrid, markers: c.markers })),
    projection: projection.measured,
  };
  const figures = [...results.steps, ...capacityFigureSteps(results)].filter((s) => s.variants.length > 0).map(figuresTable);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${title}</title>
<style>${raw(assets.css)}</style>
</head>
<body>
${header(results, title)}
${alerts(results)}
${capacitySection(results, chartFigure)}
${results.capacity ? '' : verdictSection(results)}
${wanSection(results)}
${chartsSection(charts)}
${claimsSection(results)}
${targetsSection(results)}
${projection.section}
<section id="figures"><h2>Every figure</h2><p class="how">Medians across rounds, with the range across rounds below each.</p>${figures}</section>
${clusterSection(results)}
${soakSection(results)}
${browserSection(results)}
${profilesSection(results)}
${ceilingsAndMicro(results)}
${methodSection(results)}
<script>${scriptSource(assets.chartJs)}</script>
<script type="application/json" id="chart-specs">${scriptJson(specs)}</script>
<script>${scriptSource(assets.projection)}</script>
<script>${scriptSource(assets.script)}</script>
</body>
</html>
`.toString();
}
