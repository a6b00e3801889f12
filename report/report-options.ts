import type { OptionTable } from '../servers/common/command-line/index.ts';

/** Every option of `npm run report`, with its default (docs/options.md is generated from it). */
export const REPORT_OPTIONS = {
  out: { kind: 'string', default: '', shownDefault: 'beside the results file, .html', doc: 'where to write the report' },
} as const satisfies OptionTable;
