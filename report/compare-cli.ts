/**
 * `npm run bench:compare -- <baseline.json> <current.json>`: prints the changes per transport and
 * figure, optionally writes them as Markdown, and exits 0 when clean, 1 on a regression past a
 * built-in limit or a transport missing from the current run, 3 when only limits the user set
 * were crossed, 2 for bad usage or results that cannot be compared (interrupted or failed runs,
 * different scenarios or workloads). A Markdown file that cannot be written is reported on stderr
 * and does not change the exit code.
 */
import { FIGURES, MICRO_FIGURE, type GatedFigure } from '../bench/model/results.ts';
import { UsageError, parseCommandLine } from '../servers/common/command-line/index.ts';
import { formatOptionHelp, resolveOptions } from '../servers/common/command-line/index.ts';
import { compareResults } from './compare.ts';
import { comparePaired } from './compare-paired.ts';
import { mergeLimits, type UserLimit } from './compare-limits.ts';
import { COMPARE_OPTIONS } from './compare-options.ts';
import { formatComparisonText } from './compare-format.ts';
import { EXIT, appendMarkdown, exitCodeOf, readUserLimits } from './compare-gate.ts';
import { readResults } from './read-results.ts';

const USAGE = `Usage: npm run bench:compare -- <baseline.json> <current.json> [options]

Compares the rounds of two complete runs of the same scenario. A figure is worse only when its
median moved past its limit AND a one-sided Mann-Whitney U test says its rounds are worse than the
baseline's moved by half that limit, a drift allowance (p <= --alpha); with too few rounds (fewer
than 5 a side at 0.01) it says "not enough rounds" and does not fail. Rounds whose generator was
the bottleneck are left out.

Two runs made at different times catch only large changes: the machine drifts between them by as
much as a change. The output says how large a change these rounds let it call. To catch smaller
ones, npm run bench -- --ci --against <base> measures the base and the change in one job.

Exit codes: 0 clean; 1 a regression past a built-in limit, lost messages, or a transport or step
of the baseline missing from the current run; 2 bad usage, or a run that cannot be compared
(interrupted, failed, another scenario or workload); 3 only limits you set (--max, --thresholds)
were crossed. A --markdown file that cannot be written is reported on stderr; the exit code stays.

Options:
${formatOptionHelp(COMPARE_OPTIONS)}
  -h, --help             show this help`;

function main(argv: readonly string[]): number {
  let options;
  let files: string[];
  let user: UserLimit[];
  try {
    const parsed = parseCommandLine(COMPARE_OPTIONS, argv);
    if (parsed.help) {
      console.log(USAGE);
      return EXIT.clean;
    }
    if (parsed.positionals.length !== 2) throw new UsageError(`give a baseline and a current results file, got ${parsed.positionals.length} file(s)`);
    files = parsed.positionals;
    options = resolveOptions(COMPARE_OPTIONS, parsed.values);
    const valid = [...Object.keys(FIGURES), MICRO_FIGURE.key];
    for (const f of options.figures) {
      if (!valid.includes(f)) throw new UsageError(`--figures: unknown figure "${f}"; valid figures: ${valid.join(', ')}`);
    }
    user = readUserLimits(parsed.repeated.max ?? [], options.thresholds);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    console.error('Usage: npm run bench:compare -- <baseline.json> <current.json> [--max FIGURE=+N%] [--thresholds FILE] [--markdown FILE] (--help for more)');
    return EXIT.refused;
  }
  try {
    const { limits, userSet } = mergeLimits(user);
    const [baseline, current] = files.map(readResults) as [ReturnType<typeof readResults>, ReturnType<typeof readResults>];
    const comparison = (options.paired ? comparePaired : compareResults)(baseline, current, {
      limits,
      userSet,
      alpha: options.alpha,
      names: { baseline: `the baseline ${files[0] ?? ''}`, current: `the current run ${files[1] ?? ''}` },
      ...(options.figures.length > 0 ? { figures: options.figures as GatedFigure[] } : {}),
    });
    console.log(formatComparisonText(comparison, options.all));
    // The exit code is the comparison's; the Markdown is written after it is chosen, and a file
    // that cannot be written is reported without turning a regression into a usage error.
    const code = exitCodeOf(comparison);
    if (options.markdown) appendMarkdown(options.markdown, comparison, options.all, code);
    return code;
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    return EXIT.refused;
  }
}

process.exit(main(process.argv.slice(2)));
