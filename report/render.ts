/**
 * The HTML report: a pure function from a results file to one self-contained page. chart.js is
 * inlined (the caller passes its source), a Content-Security-Policy forbids every request, and all
 * text from the results is escaped.
 */
import { FIGURES, type BenchResults, type FigureKey, type Spread, type StepResult } from '../bench/results.ts';
import { BYTE_UNITS, DURATION_UNITS, formatBytes, formatFigure, formatNs, formatNumber, formatRatio, formatShare, formatUs } from '../bench/format.ts';
import { buildCharts, type ChartSpec } from './charts.ts';
import { checkClaims, type ClaimVerdict } from './claims.ts';
import { figureCaveat, untrusted, variantKnobs, variantName } from './select.ts';
import { headline, stepVerdict } from './verdict.ts';

export interface RenderAssets {
  /** The source of chart.js's UMD build (`chart.umd.min.js`), inlined into the page. */
  readonly chartJs: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** JSON that is safe inside a `<script>` element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function spreadCell(key: FigureKey, s: Spread): string {
  const median = formatFigure(key, s.median);
  if (s.min === s.max) return escapeHtml(median);
  return `${escapeHtml(median)}<span class="spread">${escapeHtml(formatFigure(key, s.min))} – ${escapeHtml(formatFigure(key, s.max))}</span>`;
}

/** A hot path whose relative margin of error is above this (percent) is marked noisy. */
const NOISY_RME_PERCENT = 20;

const VERDICT_CLASS: Readonly<Record<ClaimVerdict, string>> = {
  supported: 'supported',
  qualified: 'qualified',
  refuted: 'refuted',
  'not measured': 'unmeasured',
};

function alerts(results: BenchResults): string {
  const items: string[] = [];
  if (results.status === 'interrupted') items.push('This run was <strong>interrupted</strong>: it holds what was measured until then.');
  if (results.status === 'failed') items.push('Some trials <strong>could not run</strong>; see the warnings below.');
  for (const step of results.steps) {
    for (const v of step.variants) {
      if (!v.summary.ok) {
        const problems = [...new Set(v.trials.flatMap((t) => t.problems))].join('; ');
        items.push(`<strong>${escapeHtml(variantName(v))}</strong> in “${escapeHtml(step.step.label)}” <strong>lost or mis-delivered messages</strong>: ${escapeHtml(problems)}. Its speed means nothing.`);
      }
      if (v.summary.generatorBound) {
        const reasons = [...new Set(v.trials.flatMap((t) => t.generator.reasons))].join('; ');
        items.push(`<strong>${escapeHtml(variantName(v))}</strong> in “${escapeHtml(step.step.label)}” was <strong>generator-bound</strong> (${escapeHtml(reasons)}): its numbers say more about the load generator than the server.`);
      }
    }
  }
  if (items.length === 0) return '<section id="alerts" class="ok"><p>Every trial delivered every message, in order, once; no generator was the bottleneck.</p></section>';
  return `<section id="alerts" class="bad"><h2>Read this first</h2><ul>${items.map((i) => `<li>${i}</li>`).join('')}</ul></section>`;
}

function verdictSection(results: BenchResults): string {
  const steps = results.steps.filter((s) => s.variants.length > 1);
  if (steps.length === 0) return '<section id="verdict"><h2>Verdict</h2><p>No step ran more than one transport.</p></section>';
  const body = steps
    .map((step) => {
      const lines = stepVerdict(step);
      const winner = (l: (typeof lines)[number]): string =>
        l.best ? `: <span class="winner">${escapeHtml(l.best)}</span>` : l.tie.length > 1 ? ': <span class="tie">tie (within noise)</span>' : '';
      return `<div class="step-verdict"><h3>${escapeHtml(step.step.label)}</h3><dl>${lines
        .map((l) => `<dt data-figure="${escapeHtml(l.figure)}">${escapeHtml(l.title)}${winner(l)}</dt><dd>${escapeHtml(l.sentence)}</dd>`)
        .join('')}</dl></div>`;
    })
    .join('');
  const rounds = steps.flatMap((s) => s.variants.map((v) => v.summary.rounds));
  const oneRound = rounds.every((r) => r < 2)
    ? ' <strong>This run had one round, so the noise was not measured: a small difference may still be noise.</strong>'
    : rounds.some((r) => r < 2)
      ? ' <strong>Some transports ran a single round, so their noise was not measured: a small difference may still be noise.</strong>'
      : '';
  return `<section id="verdict"><h2>Verdict</h2><p class="how">Medians across rounds; the spread is the range across rounds. A difference is <em>within the noise</em> when the two transports' ranges across rounds overlap, and is then called a tie. Transports that lost messages or were generator-bound cannot be the best.${oneRound}</p>${body}</section>`;
}

function chartsSection(charts: readonly ChartSpec[]): string {
  if (charts.length === 0) return '';
  return `<section id="charts"><h2>Charts</h2>${charts
    .map((c) => `<figure class="chart"><h3>${escapeHtml(c.title)}</h3><div class="canvas"><canvas id="${escapeHtml(c.id)}" data-chart></canvas></div><figcaption>${escapeHtml(c.caption)}</figcaption></figure>`)
    .join('')}</section>`;
}

function claimsSection(results: BenchResults): string {
  const rows = checkClaims(results)
    .map(
      (c) =>
        `<tr><th scope="row">${escapeHtml(c.claim)}</th><td><span class="badge ${VERDICT_CLASS[c.verdict]}">${escapeHtml(c.verdict)}</span></td><td><ul>${c.evidence.map((e) => `<li>${escapeHtml(e)}</li>`).join('')}</ul></td></tr>`,
    )
    .join('');
  const weak = results.steps.some((s) => s.variants.some((v) => untrusted(v) !== undefined))
    ? ' <strong>Some of these figures come from transports that lost messages or were generator-bound (see “Read this first”): a verdict that rests on them is weak.</strong>'
    : '';
  return `<section id="claims"><h2>The claims, checked</h2><p class="how">Each common claim about these transports, against the figures this run measured.${weak}</p><table><thead><tr><th>claim</th><th>verdict</th><th>the figures</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function targetsSection(results: BenchResults): string {
  if (results.targets.length === 0) return '';
  const rows = results.targets
    .map((t) => {
      const verdict = t.pass === null ? 'not measured' : t.pass ? 'met' : 'missed';
      return `<tr><th scope="row">${escapeHtml(t.name)}</th><td><span class="badge ${t.pass === null ? 'unmeasured' : t.pass ? 'supported' : 'refuted'}">${verdict}</span></td><td>${t.value === null ? '–' : escapeHtml(formatNumber(t.value))}</td><td>${escapeHtml(t.target)}</td><td>${escapeHtml(t.note)}</td></tr>`;
    })
    .join('');
  return `<section id="targets"><h2>Targets</h2><table><thead><tr><th>target</th><th></th><th>value</th><th>goal</th><th>note</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function figuresTable(step: StepResult): string {
  const head = step.variants.map((v) => `<th>${escapeHtml(variantName(v))}${untrusted(v) ? ` <span class="badge refuted">${escapeHtml(untrusted(v) as string)}</span>` : ''}</th>`).join('');
  const cell = (key: FigureKey, v: StepResult['variants'][number]): string => {
    const caveat = figureCaveat(step, v, key);
    if (!caveat) return `<td>${spreadCell(key, v.summary.figures[key])}</td>`;
    return `<td class="caveat" data-caveat="${escapeHtml(caveat.kind)}" data-figure="${escapeHtml(key)}" title="${escapeHtml(caveat.why)}"><span class="value">–</span><span class="why">${escapeHtml(caveat.note)}</span></td>`;
  };
  const reasons = [...new Set(step.variants.flatMap((v) => (Object.keys(FIGURES) as FigureKey[]).map((key) => figureCaveat(step, v, key)?.why ?? '')))].filter(Boolean);
  const notes = reasons.length > 0 ? `<ul class="caveats how">${reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>` : '';
  const figureRows = (Object.keys(FIGURES) as FigureKey[])
    .map((key) => `<tr><th scope="row">${escapeHtml(FIGURES[key].label)}</th>${step.variants.map((v) => cell(key, v)).join('')}</tr>`)
    .join('');
  const sum = (pick: (t: StepResult['variants'][number]['trials'][number]) => number) => (v: StepResult['variants'][number]): number => v.trials.reduce((n, t) => n + pick(t), 0);
  const counts: [string, (v: StepResult['variants'][number]) => string][] = [
    ['rounds', (v) => String(v.summary.rounds)],
    ['clients', (v) => String(v.trials[0]?.clients ?? 0)],
    ['messages sent (all rounds)', (v) => String(sum((t) => t.delivery.sent)(v))],
    ['deliveries expected', (v) => String(sum((t) => t.delivery.expected)(v))],
    ['delivered', (v) => String(sum((t) => t.delivery.delivered)(v))],
    ['lost', (v) => String(sum((t) => t.delivery.lost)(v))],
    ['duplicated', (v) => String(sum((t) => t.delivery.duplicated)(v))],
    ['reordered', (v) => String(sum((t) => t.delivery.reordered)(v))],
    ['client reconnects', (v) => String(sum((t) => t.events.reconnects)(v))],
    ['generator CPU (worst round)', (v) => formatShare(Math.max(...v.trials.map((t) => t.generator.cpuShare)))],
    ['generator send lag p99 (worst round)', (v) => formatUs(Math.max(...v.trials.map((t) => t.generator.sendLagP99)))],
    ['latency, all rounds merged: p50 / p99 / max', (v) => `${formatUs(v.summary.latency.p50)} / ${formatUs(v.summary.latency.p99)} / ${formatUs(v.summary.latency.max)}`],
  ];
  const countRows = counts.map(([label, cell]) => `<tr><th scope="row">${escapeHtml(label)}</th>${step.variants.map((v) => `<td>${escapeHtml(cell(v))}</td>`).join('')}</tr>`).join('');
  return `<h3>${escapeHtml(step.step.label)}</h3><div class="scroll"><table class="figures"><thead><tr><th>figure (median, range across rounds)</th>${head}</tr></thead><tbody>${figureRows}${countRows}</tbody></table></div>${notes}`;
}

function ceilingsAndMicro(results: BenchResults): string {
  const parts: string[] = [];
  if (results.ceilings.length > 0) {
    parts.push(
      `<h3>Route ceilings (autocannon, closed loop)</h3><table><thead><tr><th>route</th><th>requests/s (median of the rounds)</th><th>range across rounds</th><th>ratio to bare fastify</th><th>request round trip p50 / p99</th><th>errors</th></tr></thead><tbody>${results.ceilings
        .map(
          (c) =>
            `<tr><th scope="row">${escapeHtml(c.target)}</th><td>${escapeHtml(formatNumber(c.requestsPerSecond.mean))}</td><td>${escapeHtml(`${formatNumber(c.requestsPerSecond.min)} – ${formatNumber(c.requestsPerSecond.max)}`)}</td><td>${c.ratioToBare === undefined ? '–' : escapeHtml(formatRatio(c.ratioToBare))}</td><td>${c.latencyMs.p50} ms / ${c.latencyMs.p99} ms</td><td>${c.errors + c.non2xx}</td></tr>`,
        )
        .join('')}</tbody></table><p class="how">autocannon's latency is one request's round trip with ${escapeHtml(String(results.ceilings[0]?.connections ?? ''))} connections in a closed loop, not message latency.</p>`,
    );
  }
  if (results.micro.length > 0) {
    parts.push(
      `<h3>Hot paths (tinybench)</h3><table><thead><tr><th>operation</th><th>ops/s</th><th>mean</th><th>p99</th><th>± (rme)</th></tr></thead><tbody>${results.micro
        .map(
          (m) =>
            `<tr><th scope="row">${escapeHtml(m.name)}</th><td>${escapeHtml(formatNumber(m.opsPerSecond))}</td><td>${escapeHtml(formatNs(m.meanNs))}</td><td>${escapeHtml(formatNs(m.p99Ns))}</td>` +
            `<td>${escapeHtml(m.rme.toFixed(1))}%${m.rme > NOISY_RME_PERCENT ? ' <span class="badge refuted">noisy</span>' : ''}</td></tr>`,
        )
        .join('')}</tbody></table>${
        results.micro.some((m) => m.rme > NOISY_RME_PERCENT)
          ? `<p class="how">A margin of error above ${NOISY_RME_PERCENT}% (marked noisy) means the machine was busy while it ran: its mean can even exceed its p99, pulled up by a few preempted samples. Re-run on a quiet machine before reading it.</p>`
          : ''
      }`,
    );
  }
  return parts.length > 0 ? `<section id="anchors"><h2>Anchors</h2>${parts.join('')}</section>` : '';
}

/** A `--target` run: which servers it ran against, and that their own figures were not measured. */
function targetNote(results: BenchResults): string {
  const target = results.config.target;
  if (!target) return '';
  const urls = Object.entries(target.urls).map(([transport, url]) => `${transport} at <code>${escapeHtml(url)}</code>`);
  return `<p>Run against servers the bench did not start (<code>--target</code>): ${urls.join(', ')}${target.token ? ', with a token' : ''}. Their CPU, memory and event-loop delay were not measured.</p>`;
}

function methodSection(results: BenchResults): string {
  const m = results.machine;
  const steps = results.config.scenario.steps
    .map((s) => {
      const w = s.workload;
      const variants = s.variants
        .map((v) => (variantKnobs(v).length > 0 ? `${v.id} (${variantKnobs(v).join(', ')})` : v.id))
        .join('; ');
      return `<tr><th scope="row">${escapeHtml(s.label)}</th><td>${w.rooms} × ${w.members} = ${w.rooms * w.members}</td><td>${escapeHtml(formatNumber(w.ratePerMember))}/s</td><td>${w.bodyBytes} B</td><td>${w.warmupMs / 1000} s + ${w.durationMs / 1000} s</td><td>${escapeHtml(variants)}</td></tr>`;
    })
    .join('');
  const warnings = results.warnings.length > 0 ? `<h3>Warnings</h3><ul>${results.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>` : '';
  return `<section id="method"><h2>How it was measured</h2>
<p>Scenario <strong>${escapeHtml(results.config.scenario.name)}</strong>: ${escapeHtml(results.config.scenario.description)} ${results.config.scenario.rounds} round(s), the order of the transports rotated each round; ${results.config.scenario.generators} generator process(es).</p>
${targetNote(results)}
<table><thead><tr><th>step</th><th>rooms × members</th><th>rate per member</th><th>body</th><th>warm-up + window</th><th>transports</th></tr></thead><tbody>${steps}</tbody></table>
<ul class="method">
<li><strong>Open loop</strong>: each member sends on its schedule whatever happened to earlier messages; latency counts from the time a message was meant to be sent, at every receiver, so a server or generator that falls behind shows in the numbers.</li>
<li><strong>HDR histograms</strong> (3 significant digits) in every generator process, merged by adding them across processes and rounds, never by averaging percentiles.</li>
<li><strong>Correctness in the same run</strong>: every receiver checks each room's sequence; expected deliveries are the acknowledged window messages times the room's members.</li>
<li><strong>Each server in its own process</strong> reports its CPU, memory and event-loop delay; clients count requests, connections and bytes on their sockets. The warm-up is discarded.</li>
<li><strong>The generator checks itself</strong>: a trial where it used 85% of a core or sent more than 10 ms late at p99 is marked generator-bound.</li>
</ul>
<p>Machine: ${escapeHtml(m.cpuModel)}, ${m.cores} cores, ${escapeHtml(formatBytes(m.memoryBytes))}; Node ${escapeHtml(m.node)} on ${escapeHtml(`${m.platform} ${m.arch} ${m.osRelease}`)}. Commit <code>${escapeHtml(m.commit.slice(0, 12))}</code>${m.dirty ? ' (with uncommitted changes)' : ''}. Run from ${escapeHtml(results.startedAt)} to ${escapeHtml(results.finishedAt)}, status ${escapeHtml(results.status)}. Absolute times differ from machine to machine; ratios measured side by side in one run hold.</p>
${warnings}</section>`;
}

const STYLE = `
:root { --fg:#1f2328; --muted:#59636e; --line:#d1d9e0; --bg:#fff; --soft:#f6f8fa; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); margin: 0 auto; max-width: 1200px; padding: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; } h2 { font-size: 20px; margin: 32px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; } h3 { font-size: 16px; margin: 18px 0 6px; }
.sub, .how, figcaption { color: var(--muted); font-size: 13px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 8px 0; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
thead th { background: var(--soft); }
table.figures td { text-align: right; white-space: nowrap; }
.spread { display: block; color: var(--muted); font-size: 11px; }
.scroll { overflow-x: auto; }
.badge { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.supported { background: #d3f9d8; color: #1b5e20; } .refuted { background: #ffe3e3; color: #a61e1e; } .qualified { background: #fff3bf; color: #7a5b00; } .unmeasured { background: #e9ecef; color: #495057; }
#alerts { border-radius: 6px; padding: 8px 16px; margin: 16px 0; } #alerts.bad { background: #fff5f5; border: 2px solid #e03131; } #alerts.ok { background: #ebfbee; border: 1px solid #40c057; }
#alerts h2 { border: 0; margin: 4px 0; color: #c92a2a; }
.status { font-weight: 600; }
dl dt { font-weight: 600; margin-top: 6px; } dl dd { margin: 0 0 0 16px; }
.winner { color: #2b8a3e; } .tie { color: #7a5b00; }
.caveats { margin: 4px 0 12px; padding-left: 20px; }
.headline { font-size: 17px; line-height: 1.45; margin: 12px 0; padding: 10px 14px; border-left: 4px solid #4c6ef5; background: var(--soft); }
td.caveat .value { display: block; } td.caveat .why { display: block; white-space: normal; max-width: 22em; margin-left: auto; color: var(--muted); font-size: 11px; text-align: left; }
.chart { margin: 16px 0 24px; } .canvas { position: relative; height: 340px; }
code { background: var(--soft); padding: 0 4px; border-radius: 3px; }
`;

/**
 * The page's script: formats axis ticks with the same unit ladders as the tables (IEC sizes,
 * ns to s), keeps only the gridlines a log axis's caption promises, and draws the markers (the end
 * of the warm-up, 1× a baseline) as dashed lines.
 */
const INIT = `
(function () {
  var page = JSON.parse(document.getElementById('chart-specs').textContent);
  function onLadder(v, ladder) {
    if (!isFinite(v)) return '–';
    var a = Math.abs(v), sign = v < 0 ? '-' : '';
    if (a === 0) return '0 ' + ladder.filter(function (u) { return u[1] === 1; })[0][0];
    var i = 0;
    while (i + 1 < ladder.length && a >= ladder[i + 1][1]) i++;
    function shown(k) { var n = a / ladder[k][1]; return n >= 100 ? Math.round(n) : +n.toPrecision(3); }
    var n = shown(i);
    if (i + 1 < ladder.length && n * ladder[i][1] >= ladder[i + 1][1]) { i++; n = shown(i); }
    return sign + n + ' ' + ladder[i][0];
  }
  var formats = {
    us: function (v) { return onLadder(v, page.units.duration); },
    bytes: function (v) { return onLadder(v, page.units.bytes); },
    share: function (v) { return +(v * 100).toPrecision(3) + '%'; },
    ratio: function (v) { return +v.toPrecision(3) + '×'; },
    number: function (v) { return +v.toPrecision(4) + ''; },
    seconds: function (v) { return v + ' s'; }
  };
  window.reportFormats = formats;
  function onGrid(value, grid) {
    if (!(value > 0)) return false;
    var mantissa = value / Math.pow(10, Math.floor(Math.log10(value) + 1e-9));
    var steps = grid === 'decades' ? [1, 10] : [1, 2, 5, 10];
    return steps.some(function (s) { return Math.abs(mantissa - s) < 1e-6 * s; });
  }
  var markers = {
    id: 'markers',
    afterDatasetsDraw: function (chart, args, options) {
      var ctx = chart.ctx, area = chart.chartArea;
      (options.items || []).forEach(function (m) {
        var scale = chart.scales[m.axis];
        if (!scale) return;
        var p = scale.getPixelForValue(m.value);
        var vertical = m.axis === 'x';
        if (!isFinite(p) || (vertical ? p < area.left || p > area.right : p < area.top || p > area.bottom)) return;
        ctx.save();
        ctx.strokeStyle = '#343a40'; ctx.fillStyle = '#343a40'; ctx.lineWidth = 1.5; ctx.setLineDash([6, 4]);
        ctx.beginPath();
        if (vertical) { ctx.moveTo(p, area.top); ctx.lineTo(p, area.bottom); } else { ctx.moveTo(area.left, p); ctx.lineTo(area.right, p); }
        ctx.stroke();
        ctx.font = '12px system-ui, sans-serif';
        var width = ctx.measureText(m.label).width;
        var x = vertical ? (p + 4 + width > area.right ? p - 4 - width : p + 4) : area.left + 4;
        var y = vertical ? area.top + 14 : p - 5;
        ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
        ctx.fillRect(x - 2, y - 11, width + 4, 14);
        ctx.fillStyle = '#343a40';
        ctx.fillText(m.label, x, y);
        ctx.restore();
      });
    }
  };
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  page.charts.forEach(function (spec) {
    var canvas = document.getElementById(spec.id);
    var config = spec.config;
    config.options = config.options || {};
    config.options.scales = config.options.scales || {};
    Object.keys(spec.formats).forEach(function (axis) {
      var scale = config.options.scales[axis] = config.options.scales[axis] || {};
      scale.ticks = Object.assign({}, scale.ticks, { callback: function (value) { return formats[spec.formats[axis]](Number(value)); } });
    });
    Object.keys(spec.logGrid).forEach(function (axis) {
      var scale = config.options.scales[axis];
      scale.ticks = Object.assign({}, scale.ticks, { autoSkip: false });
      scale.afterBuildTicks = function (s) { s.ticks = s.ticks.filter(function (t) { return onGrid(t.value, spec.logGrid[axis]); }); };
    });
    config.options.plugins = Object.assign({ tooltip: { callbacks: { label: function (ctx) {
      var axis = ctx.dataset.yAxisID || (config.options.indexAxis === 'y' ? 'x' : 'y');
      var f = formats[spec.formats[axis]] || formats.number;
      var raw = ctx.raw; var value = typeof raw === 'object' && raw !== null ? raw.y : raw;
      return ctx.dataset.label + ': ' + f(Number(value)) + (raw && raw.label ? ' (' + raw.label + ')' : '');
    } } } }, config.options.plugins || {}, { markers: { items: spec.markers } });
    config.plugins = [markers];
    new Chart(canvas, config);
  });
  document.body.setAttribute('data-charts-ready', String(page.charts.length));
})();
`;

/** The whole report page. */
export function renderReport(results: BenchResults, assets: RenderAssets): string {
  const charts = buildCharts(results);
  const title = `Chat transports compared: ${results.config.scenario.name}`;
  const statusClass = results.status === 'complete' ? 'supported' : 'refuted';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)}</h1>
<p class="sub">Short polling, long polling and WebSocket on one chat contract, measured side by side. <span class="badge ${statusClass} status">${escapeHtml(results.status)}</span>
${escapeHtml(results.machine.cpuModel)} · ${results.machine.cores} cores · Node ${escapeHtml(results.machine.node)} · commit ${escapeHtml(results.machine.commit.slice(0, 12))} · ${escapeHtml(results.startedAt)}</p>
<p id="headline" class="headline">${escapeHtml(headline(results))}</p>
</header>
${alerts(results)}
${verdictSection(results)}
${chartsSection(charts)}
${claimsSection(results)}
${targetsSection(results)}
<section id="figures"><h2>Every figure</h2><p class="how">Medians across rounds, with the range across rounds below each.</p>${results.steps.filter((s) => s.variants.length > 0).map(figuresTable).join('')}</section>
${ceilingsAndMicro(results)}
${methodSection(results)}
<script>${assets.chartJs.replace(/<\/script/gi, '<\\/script')}</script>
<script type="application/json" id="chart-specs">${scriptJson({
    units: { duration: DURATION_UNITS, bytes: BYTE_UNITS },
    charts: charts.map((c) => ({ id: c.id, config: c.config, formats: c.formats, logGrid: c.logGrid, markers: c.markers })),
  })}</script>
<script>${INIT}</script>
</body>
</html>
`;
}
