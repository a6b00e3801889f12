/**
 * What the two gate commands share (`bench:compare` on two files, `bench --against` on one paired
 * job): the exit codes, the user's limits from `--max` and `--thresholds`, and the Markdown
 * written for a CI job summary.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { UsageError } from '../servers/common/command-line/index.ts';
import type { Comparison } from './compare.ts';
import { formatComparisonMarkdown } from './compare-format.ts';
import { parseLimit, parseLimitsJson, type UserLimit } from './compare-limits.ts';

/** Exit codes, documented in the README ("Comparing runs in CI"). */
export const EXIT = { clean: 0, regressed: 1, refused: 2, overUserLimit: 3 } as const;

/** 1 for a regression past a built-in limit or a missing transport, 3 when only the user's limits were crossed, else 0. */
export function exitCodeOf(c: Comparison): number {
  if (c.regressions.length > 0 || c.missing.length > 0) return EXIT.regressed;
  return c.overLimit.length > 0 ? EXIT.overUserLimit : EXIT.clean;
}

/** The user's limits: every `--max` given, then the entries of the `--thresholds` file (none when ''). */
export function readUserLimits(max: readonly string[], thresholds: string): UserLimit[] {
  const user = max.map((text) => parseLimit(text));
  if (thresholds) {
    let text: string;
    try {
      text = readFileSync(thresholds, 'utf8');
    } catch (error) {
      throw new UsageError(`--thresholds: cannot read ${thresholds}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
    }
    user.push(...parseLimitsJson(text, `--thresholds ${thresholds}`));
  }
  return user;
}

/**
 * Appends the comparison as Markdown to `path` (e.g. $GITHUB_STEP_SUMMARY). A file that cannot be
 * written is reported on stderr and does not change the exit code, which is chosen before.
 */
export function appendMarkdown(path: string, c: Comparison, all: boolean, code: number): void {
  try {
    appendFileSync(path, formatComparisonMarkdown(c, all));
  } catch (error) {
    console.error(`error: --markdown: cannot write ${path}: ${(error as Error).message} (the comparison above stands; exit code ${code})`);
  }
}
