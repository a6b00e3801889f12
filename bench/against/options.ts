/**
 * The options of the paired CI gate (`npm run bench -- --ci --against REF`): a table of their own
 * beside the bench's, parsed on the same command line, listed in `--help` under their own heading
 * and in docs/ci.md. The comparison's options are bench:compare's.
 */
import { splitAtDoubleDash, type OptionTable } from '../../servers/common/command-line/index.ts';

export const AGAINST_OPTIONS = {
  against: {
    kind: 'string',
    default: '',
    shownDefault: '(none)',
    doc: 'the paired CI gate: measure this git revision (a branch, tag or commit) and the code checked out here alternately in one job, one round of each per pair, every server started fresh; compare the pairs and exit as bench:compare does. With --ci: 8 pairs, about 3 minutes. --out names the folder for both sides\' results and the comparison',
  },
  max: { kind: 'string', default: '', repeatable: true, shownDefault: '(built-in limits)', doc: 'with --against: your limit for one figure, repeatable, as bench:compare --max (FIGURE=+N% or FIGURE=+N); crossing it exits 3' },
  thresholds: { kind: 'string', default: '', shownDefault: '(none)', doc: 'with --against: a JSON file of your limits, as bench:compare --thresholds' },
  alpha: { kind: 'number', min: 0.0001, max: 0.2, shownDefault: '0.01', doc: 'with --against: significance level of the one-sided signed-rank test over the pairs' },
  markdown: { kind: 'string', default: '', shownDefault: '(none)', doc: 'with --against: also append the comparison as Markdown to this file (e.g. $GITHUB_STEP_SUMMARY)' },
} as const satisfies OptionTable;

/** Options of the bench that a paired job sets for each round itself. */
const SET_PER_ROUND = ['out', 'rounds'] as const;

/**
 * The bench command line each round of a paired job runs with, in either side's tree: the user's,
 * without the gate's options and those the job sets per round (`--out`, `--rounds`), then
 * `--rounds 1 --out FILE` (before any `--`). Flags are matched as written (`--name value` or `--name=value`).
 */
export function roundArgs(argv: readonly string[], out: string): string[] {
  const dropped = new Set([...Object.keys(AGAINST_OPTIONS), ...SET_PER_ROUND].map((name) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`));
  const { options, rest } = splitAtDoubleDash(argv);
  const kept: string[] = [];
  for (let i = 0; i < options.length; i++) {
    const arg = options[i] as string;
    const name = arg.includes('=') ? arg.slice(0, arg.indexOf('=')) : arg;
    if (!dropped.has(name)) kept.push(arg);
    // Every dropped option takes a value: skip it too, unless it came after "=".
    else if (!arg.includes('=')) i++;
  }
  return [...kept, '--rounds', '1', '--out', out, ...rest];
}
