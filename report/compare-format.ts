/** The comparison as a terminal table and as Markdown (for a CI job summary). */
import { formatFigure } from '../bench/format.ts';
import type { CompareRow, Comparison } from './compare.ts';

function value(row: CompareRow, which: 'baseline' | 'current'): string {
  const s = row[which];
  if (!s || row.figure === 'delivery') return '–';
  return formatFigure(row.figure, s.median);
}

function change(row: CompareRow): string {
  if (row.status === 'missing' || row.status === 'new') return row.status;
  if (!Number.isFinite(row.worse)) return row.worse > 0 ? 'worse (from 0)' : 'better (to 0)';
  const pct = Math.round(row.worse * 1000) / 10;
  return pct === 0 ? '0%' : `${pct > 0 ? '+' : ''}${pct}% ${pct > 0 ? 'worse' : 'better'}`;
}

const MARK: Readonly<Record<CompareRow['status'], string>> = { regressed: 'REGRESSED', improved: 'improved', unchanged: '', missing: 'missing', new: 'new' };

function headline(c: Comparison): string {
  return c.regressions.length === 0
    ? `No regression in scenario ${c.scenario} (threshold ${Math.round(c.threshold * 100)}%, and beyond the noise across rounds).`
    : `${c.regressions.length} regression(s) in scenario ${c.scenario}: worse by more than ${Math.round(c.threshold * 100)}% and by more than the noise across rounds.`;
}

/** Rows worth showing: every regression, improvement, missing or new row; unchanged ones only when asked. */
function shown(c: Comparison, all: boolean): CompareRow[] {
  return c.rows.filter((r) => all || r.status !== 'unchanged');
}

export function formatComparisonText(c: Comparison, all = false): string {
  const rows = shown(c, all);
  const lines = [headline(c)];
  if (rows.length === 0) {
    lines.push('Every figure is within the threshold or the noise.');
    return lines.join('\n');
  }
  const table = rows.map((r) => [r.step, r.variant, r.label, value(r, 'baseline'), value(r, 'current'), change(r), `${Math.round(r.noise * 100)}%`, MARK[r.status]]);
  const head = ['step', 'transport', 'figure', 'baseline', 'current', 'change', 'noise', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] ?? '').length)));
  const fmt = (cells: readonly string[]): string => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  lines.push(fmt(head), ...table.map(fmt));
  return lines.join('\n');
}

function md(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function formatComparisonMarkdown(c: Comparison, all = false): string {
  const rows = shown(c, all);
  const lines = [`### Chat transport benchmark: ${md(c.scenario)}`, '', `${c.regressions.length === 0 ? '✅' : '❌'} ${md(headline(c))}`, ''];
  if (rows.length === 0) return [...lines, 'Every figure is within the threshold or the noise.', ''].join('\n');
  lines.push('| step | transport | figure | baseline | current | change | noise | |', '|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    lines.push(`| ${md(r.step)} | ${md(r.variant)} | ${md(r.label)} | ${value(r, 'baseline')} | ${value(r, 'current')} | ${change(r)} | ${Math.round(r.noise * 100)}% | ${r.status === 'regressed' ? '**REGRESSED**' : MARK[r.status]} |`);
  }
  return [...lines, ''].join('\n');
}
