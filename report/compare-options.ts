import { FIGURES } from '../bench/results.ts';
import type { OptionTable } from '../servers/contract/index.ts';
import { DEFAULT_THRESHOLD } from './compare.ts';

/** Every option of `npm run bench:compare`, with its default. */
export const COMPARE_OPTIONS = {
  threshold: { kind: 'number', default: DEFAULT_THRESHOLD, min: 0, max: 100, doc: 'relative worsening that fails, when it also exceeds the noise (0.1 = 10%)' },
  figures: { kind: 'list', default: [], doc: `figures to gate on (default: all): ${Object.keys(FIGURES).join(', ')}` },
  markdown: { kind: 'string', default: '', shownDefault: '(none)', doc: 'also write the table as Markdown to this file; appended when it exists (e.g. $GITHUB_STEP_SUMMARY)' },
  all: { kind: 'boolean', default: false, doc: 'list unchanged figures too' },
} as const satisfies OptionTable;
