/**
 * `npm run bench:compare -- <baseline.json> <current.json>`: prints the changes per transport and
 * figure, optionally writes them as Markdown, and exits 1 when a figure got worse by more than both
 * the threshold and the noise across rounds (2 for bad usage or results that cannot be compared).
 */
import { writeFileSync, appendFileSync } from 'node:fs';
import { FIGURES, type FigureKey } from '../bench/results.ts';
import { UsageError, parseCommandLine } from '../servers/cli-options.ts';
import { formatOptionHelp, resolveOptions } from '../servers/contract/index.ts';
import { compareResults } from './compare.ts';
import { COMPARE_OPTIONS } from './compare-options.ts';
import { formatComparisonMarkdown, formatComparisonText } from './compare-format.ts';
import { readResults } from './read-results.ts';



const USAGE = `Usage: npm run bench:compare -- <baseline.json> <current.json> [options]

Compares two results files of the same scenario. Exits 1 when a figure got worse by more than
both the threshold and the noise measured across rounds; 0 otherwise; 2 when the files cannot be
compared (different scenarios or workloads) or the command line is wrong.

Options:
${formatOptionHelp(COMPARE_OPTIONS)}
  -h, --help             show this help`;

function main(argv: readonly string[]): number {
  let options;
  let files: string[];
  try {
    const parsed = parseCommandLine(COMPARE_OPTIONS, argv);
    if (parsed.help) {
      console.log(USAGE);
      return 0;
    }
    if (parsed.positionals.length !== 2) throw new UsageError(`give a baseline and a current results file, got ${parsed.positionals.length} file(s)`);
    files = parsed.positionals;
    options = resolveOptions(COMPARE_OPTIONS, parsed.values);
    for (const f of options.figures) {
      if (!Object.hasOwn(FIGURES, f)) throw new UsageError(`--figures: unknown figure "${f}"; known: ${Object.keys(FIGURES).join(', ')}`);
    }
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    console.error('Usage: npm run bench:compare -- <baseline.json> <current.json> [--threshold 0.1] [--markdown FILE]');
    return 2;
  }
  try {
    const [baseline, current] = files.map(readResults) as [ReturnType<typeof readResults>, ReturnType<typeof readResults>];
    const comparison = compareResults(baseline, current, {
      threshold: options.threshold,
      ...(options.figures.length > 0 ? { figures: options.figures as FigureKey[] } : {}),
    });
    console.log(formatComparisonText(comparison, options.all));
    if (options.markdown) {
      const text = formatComparisonMarkdown(comparison, options.all);
      try {
        appendFileSync(options.markdown, text);
      } catch {
        writeFileSync(options.markdown, text);
      }
    }
    return comparison.regressions.length > 0 ? 1 : 0;
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    return 2;
  }
}

process.exit(main(process.argv.slice(2)));
