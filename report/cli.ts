/**
 * `npm run report -- <results.json> [--out report.html]`: renders the HTML report of a results
 * file, next to it by default, and prints its path.
 */
import { resolve } from 'node:path';
import { UsageError, parseCommandLine } from '../servers/common/command-line/index.ts';
import { formatOptionHelp, resolveOptions } from '../servers/common/command-line/index.ts';
import { readResults } from './read-results.ts';
import { REPORT_OPTIONS } from './report-options.ts';
import { reportPathFor, writeReport } from './write-report.ts';

const USAGE = `Usage: npm run report -- <results.json> [--out report.html]

Renders the HTML report of a results file of npm run bench: one self-contained page
(chart.js inlined, no request to any other host), readable offline and as a CI artifact.

Options:
${formatOptionHelp(REPORT_OPTIONS)}
  -h, --help     show this help`;

async function main(argv: readonly string[]): Promise<number> {
  let file: string;
  let out: string;
  try {
    const parsed = parseCommandLine(REPORT_OPTIONS, argv);
    if (parsed.help) {
      console.log(USAGE);
      return 0;
    }
    if (parsed.positionals.length !== 1) throw new UsageError(`give exactly one results file, got ${parsed.positionals.length}`);
    file = parsed.positionals[0] as string;
    out = resolveOptions(REPORT_OPTIONS, parsed.values).out || reportPathFor(file);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    console.error('Usage: npm run report -- <results.json> [--out report.html]');
    return 2;
  }
  try {
    const results = readResults(file);
    await writeReport(results, out);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    return 1;
  }
  console.log(`report: ${resolve(out)}`);
  return 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code));
