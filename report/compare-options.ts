import { FIGURES, MICRO_FIGURE } from '../bench/model/results.ts';
import type { OptionTable } from '../servers/common/command-line/index.ts';
import { DEFAULT_ALPHA } from './compare.ts';

/** Every option of `npm run bench:compare`, with its default. `--max` may be given many times. */
export const COMPARE_OPTIONS = {
  max: { kind: 'string', default: '', repeatable: true, shownDefault: '(built-in limits)', doc: 'your limit for one figure, repeatable: FIGURE=+N% or FIGURE=+N in its unit (latency.p99=+15%, latency.p99=+2ms, perDelivered.connections=+0.001); crossing it exits 3' },
  thresholds: { kind: 'string', default: '', shownDefault: '(none)', doc: 'a JSON file of your limits: {"latency.p99": "+15%", "perDelivered.connections": ["+10%", "+0.001"]}' },
  alpha: { kind: 'number', default: DEFAULT_ALPHA, min: 0.0001, max: 0.2, doc: 'significance level of the one-sided rank test over the rounds' },
  figures: { kind: 'list', default: [], doc: `figures to compare (default: all): ${[...Object.keys(FIGURES), MICRO_FIGURE.key].join(', ')} (the hot paths' mean time per call, from --ci's micro-benchmarks)` },
  markdown: { kind: 'string', default: '', shownDefault: '(none)', doc: 'also write the table as Markdown to this file; appended when it exists (e.g. $GITHUB_STEP_SUMMARY)' },
  all: { kind: 'boolean', default: false, doc: 'list figures within their limit too' },
  paired: { kind: 'boolean', default: false, doc: "the two files are the sides of one paired job (its base.json and change.json, from --against): compare them pair by pair, as the job did, for example again with other limits" },
} as const satisfies OptionTable;
