/** The comparison as a terminal table and as Markdown (for a CI job summary). */
import { formatFigure } from '../bench/model/format.ts';
import type { CompareRow, Comparison } from './compare.ts';
import { smallestP } from '../bench/model/mann-whitney.ts';
import { smallestSignedRankP } from './wilcoxon.ts';
import { HEADLINE_FIGURES, reachOf } from './compare-reach.ts';

function value(row: CompareRow, which: 'baselineMedian' | 'currentMedian'): string {
  if (row.figure === 'delivery') return '–';
  return formatFigure(row.figure, row[which]);
}

function percent(share: number): string {
  const pct = Math.round(share * 1000) / 10;
  return `${pct}%`;
}

function change(row: CompareRow): string {
  if (row.status === 'missing' || row.status === 'new' || row.status === 'not-measured') return row.status;
  if (row.figure === 'delivery') return row.status === 'regressed' || row.status === 'generator-bound' || row.status === 'not-held' ? 'not delivered' : '–';
  if (!Number.isFinite(row.worse)) {
    const sign = row.change > 0 ? '+' : '−';
    return `${sign}${formatFigure(row.figure, Math.abs(row.change))} ${row.change > 0 ? 'worse' : 'better'} (from 0)`;
  }
  const pct = Math.round(row.worse * 1000) / 10;
  return pct === 0 ? '0%' : `${pct > 0 ? '+' : ''}${pct}% ${pct > 0 ? 'worse' : 'better'}`;
}

function limit(row: CompareRow): string {
  const l = row.limit;
  if (!l || row.figure === 'delivery') return '–';
  const parts = [l.relative > 0 ? `${percent(l.relative)}` : '', l.absolute > 0 ? formatFigure(row.figure, l.absolute) : ''].filter((s) => s);
  const text = parts.length === 0 ? '0' : parts.length === 1 ? (parts[0] as string) : `max(${parts.join(', ')})`;
  return l.source === 'user' ? `${text} (yours)` : text;
}

function pValue(row: CompareRow): string {
  if (row.figure === 'delivery' || row.status === 'missing' || row.status === 'new' || row.status === 'not-measured') return '–';
  if (row.p === null) return 'not enough rounds';
  return row.p < 0.001 ? row.p.toExponential(1) : row.p.toPrecision(2);
}

const VERDICT: Readonly<Record<CompareRow['status'], string>> = {
  regressed: 'REGRESSED',
  'over-limit': 'OVER YOUR LIMIT',
  improved: 'improved',
  unchanged: '',
  noise: 'within noise',
  'too-few-rounds': 'not enough rounds',
  'generator-bound': 'generator-bound, not judged',
  'not-held': "Socket.IO's adapter, not judged",
  missing: 'MISSING',
  'not-measured': 'not measured',
  new: 'new',
};

function headline(c: Comparison): string {
  const test =
    c.method === 'paired' ? `a one-sided Wilcoxon signed-rank test over the paired rounds gives p ≤ ${c.alpha}` : `a one-sided Mann-Whitney U test over the rounds gives p ≤ ${c.alpha}`;
  const missing =
    c.missing.length > 0
      ? ` ${c.missing.length} transport(s) of the baseline missing from the current run (${c.missing.map((r) => `${r.step}: ${r.variant}`).join(', ')}): not judged, and that fails.`
      : '';
  if (c.regressions.length > 0) return `${c.regressions.length} regression(s) in scenario ${c.scenario}: past the built-in limit, and ${test}.${missing}`;
  if (missing) return missing.trimStart();
  if (c.overLimit.length > 0) return `${c.overLimit.length} figure(s) past your limits in scenario ${c.scenario}, and ${test}.`;
  return `No regression in scenario ${c.scenario}.`;
}

/** Rounds, and what they allow: the sentence under the headline. */
function roundsLine(c: Comparison): string {
  const { generatorBound: gb, roundsSeen: seen } = c;
  const busy =
    gb.baseline + gb.current > 0
      ? ` The generator was the bottleneck in ${gb.baseline} of ${seen.baseline} rounds of the baseline and ${gb.current} of ${seen.current} now: ${c.method === 'paired' ? 'the pairs of those rounds are' : 'those rounds are'} left out of the latencies, which time the generator's delay there; their counts per message and the server's own CPU and memory are judged as usual.`
      : '';
  return roundsOnly(c) + busy;
}

function roundsOnly(c: Comparison): string {
  if (c.method === 'paired') return pairsOnly(c);
  const k = c.roundsNeeded;
  const needs = `the test needs ${k} rounds a side${k > 1 && smallestP(k - 1, k) <= c.alpha ? `, or ${k - 1} and ${k},` : ''} to reach p ≤ ${c.alpha}`;
  const { baseline, current } = c.rounds;
  if (smallestP(Math.max(baseline, 1), Math.max(current, 1)) > c.alpha) {
    const past = c.rows.filter((r) => r.status === 'too-few-rounds' && r.figure !== 'delivery').length;
    return `Not enough rounds to call a regression (${baseline} in the baseline, ${current} now; ${needs}): ${past} figure(s) past their limit are listed as "not enough rounds" and do not fail. ${c.generatorBound.baseline + c.generatorBound.current > 0 ? 'Run on a quieter machine, or more rounds (--rounds).' : 'Run more rounds (--rounds).'}`;
  }
  return `Rounds: ${baseline} in the baseline, ${current} now (${needs}). A figure fails only when its median moves past its limit and the rank test says its rounds are worse than the baseline's moved by half that limit (the allowance for a drift of the whole run).`;
}

/** The paired gate's pairs, and what they allow. */
function pairsOnly(c: Comparison): string {
  const n = Math.min(c.rounds.baseline, c.rounds.current);
  const needs = `the signed-rank test needs ${c.roundsNeeded} pairs to reach p ≤ ${c.alpha}`;
  if (smallestSignedRankP(n) > c.alpha) {
    const past = c.rows.filter((r) => r.status === 'too-few-rounds' && r.figure !== 'delivery').length;
    const all = Math.min(c.roundsAll.baseline, c.roundsAll.current);
    const which = all > n ? `Not enough pairs without a generator-bound round to judge the latencies (${n} of ${all}; ${needs})` : `Not enough pairs to call a regression (${n}; ${needs})`;
    return `${which}: ${past} figure(s) past their limit are listed as "not enough rounds" and do not fail. Run more pairs (--rounds).`;
  }
  const all = Math.min(c.roundsAll.baseline, c.roundsAll.current);
  return `Pairs: ${all > n ? `${all} (${n} without a generator-bound round, for the latencies)` : n}, the base and the change measured alternately in this job, so that a drift of the machine moves both rounds of a pair (${needs}). A figure fails only when its median change per pair moves past its limit (half the built-in one: pairing leaves no drift between runs to allow for) and the signed-rank test says the pairs lean worse.`;
}

/**
 * For two runs made at different times: that they catch only large changes, and how large, per
 * transport, for the headline figures (compare-reach.ts says how the size is found).
 */
function reachLine(c: Comparison): string {
  if (c.method === 'paired') return '';
  const steps = new Set(c.rows.map((r) => r.step));
  const byVariant = new Map<string, string[]>();
  for (const key of HEADLINE_FIGURES) {
    for (const row of c.rows.filter((r) => r.figure === key)) {
      const reach = reachOf(row, c.alpha, formatFigure);
      if (reach === null) continue;
      const name = steps.size > 1 ? `${row.step} · ${row.variant}` : row.variant;
      byVariant.set(name, [...(byVariant.get(name) ?? []), `${row.label} ${reach}`]);
    }
  }
  const sizes = [...byVariant].map(([name, list]) => `${name}: ${list.join(', ')}`).join('; ');
  const found = sizes
    ? ` The smallest change these rounds let it call (the current rounds moved onto the baseline's median, keeping their scatter, and shifted until the gate calls it): ${sizes}.`
    : ' With these rounds it can call none.';
  return `Runs made at different times can only catch large changes: the machine drifts between them by as much as a change, so each figure is allowed half its limit for that drift and its rounds must clear it.${found} To catch smaller ones, measure the base and the change in one job: npm run bench -- --ci --against <base>.`;
}

/** Rows worth showing: every row but the unchanged ones, those only when asked. */
function shown(c: Comparison, all: boolean): CompareRow[] {
  return c.rows.filter((r) => all || r.status !== 'unchanged');
}

const HEAD = ['step', 'transport', 'figure', 'baseline', 'current', 'change', 'limit', 'p', 'verdict'];

function cells(r: CompareRow): string[] {
  return [r.step, r.variant, r.label, value(r, 'baselineMedian'), value(r, 'currentMedian'), change(r), limit(r), pValue(r), VERDICT[r.status]];
}

export function formatComparisonText(c: Comparison, all = false): string {
  const rows = shown(c, all);
  const lines = [headline(c), roundsLine(c), reachLine(c)].filter((line) => line !== '');
  if (rows.length === 0) {
    lines.push('Every figure is within its limit.');
    return lines.join('\n');
  }
  const table = rows.map(cells);
  const widths = HEAD.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] ?? '').length)));
  const fmt = (line: readonly string[]): string => line.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  lines.push(fmt(HEAD), ...table.map(fmt));
  return lines.join('\n');
}

function md(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function formatComparisonMarkdown(c: Comparison, all = false): string {
  const rows = shown(c, all);
  const failed = c.regressions.length + c.overLimit.length + c.missing.length > 0;
  const reach = reachLine(c);
  const lines = [`### Chat transport benchmark: ${md(c.scenario)}`, '', `${failed ? '❌' : '✅'} ${md(headline(c))}`, '', md(roundsLine(c)), '', ...(reach ? [md(reach), ''] : [])];
  if (rows.length === 0) return [...lines, 'Every figure is within its limit.', ''].join('\n');
  lines.push(`| ${HEAD.join(' | ')} |`, `|${HEAD.map(() => '---').join('|')}|`);
  for (const r of rows) {
    const row = cells(r).map(md);
    if (r.status === 'regressed' || r.status === 'over-limit' || r.status === 'missing') row[8] = `**${row[8] ?? ''}**`;
    lines.push(`| ${row.join(' | ')} |`);
  }
  return [...lines, ''].join('\n');
}
