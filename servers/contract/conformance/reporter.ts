/**
 * The vitest reporter of `npm run conformance`: one line per check as it finishes, under the
 * promise it belongs to, then a summary with one `BROKEN:` line per broken check. It prints and
 * counts; the command turns the counts into its exit code.
 */
import type { Reporter, SerializedError, TestCase, TestModule, TestSuite } from 'vitest/node';

/** A broken check: the promise, the check, and what the server did instead. */
export interface Broken {
  readonly promise: string;
  readonly check: string;
  readonly detail: string;
}

export interface Tally {
  kept: number;
  skipped: number;
  readonly broken: Broken[];
  /** Errors outside any check (the suite could not load, an unhandled rejection): the run is not valid. */
  readonly errors: string[];
}

/**
 * The first line of an error message, which is where the suite puts what went wrong, without the
 * name of the equality vitest used.
 */
export function firstLine(error: SerializedError | undefined): string {
  const line = (error?.message ?? 'failed without a message').split('\n')[0] ?? '';
  return line.replace(/ \/\/ Object\.is equality$/, '');
}

export class ConformanceReporter implements Reporter {
  readonly tally: Tally = { kept: 0, skipped: 0, broken: [], errors: [] };
  private readonly printed = new Set<TestSuite | TestModule>();

  /** `part`: the one part of the suite this run checks (the others are neither printed nor counted). */
  constructor(
    private readonly write: (line: string) => void,
    private readonly part?: string,
  ) {}

  onTestCaseResult(testCase: TestCase): void {
    const result = testCase.result();
    if (result.state === 'pending') return;
    const promise = testCase.parent.type === 'suite' ? testCase.parent.name : '';
    if (this.part !== undefined && promise !== this.part) return;
    if (!this.printed.has(testCase.parent)) {
      this.printed.add(testCase.parent);
      this.write(`\n${promise}`);
    }
    const ms = Math.round(testCase.diagnostic()?.duration ?? 0);
    if (result.state === 'passed') {
      this.tally.kept++;
      this.write(`  ok      ${testCase.name} (${ms} ms)`);
    } else if (result.state === 'skipped') {
      this.tally.skipped++;
      // The suite skips only the token checks; what does not apply to a transport is not defined at all.
      this.write(`  skipped ${testCase.name} (needs --token)`);
    } else {
      const detail = firstLine(result.errors[0]);
      this.tally.broken.push({ promise, check: testCase.name, detail });
      this.write(`  BROKEN  ${testCase.name} (${ms} ms)`);
      this.write(`          ${detail}`);
    }
  }

  onTestModuleEnd(testModule: TestModule): void {
    for (const error of testModule.errors()) this.tally.errors.push(firstLine(error));
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    for (const error of unhandledErrors) this.tally.errors.push(firstLine(error));
  }
}

/** The closing lines: the counts, then each broken promise and each error on a line of its own. */
export function summarize(tally: Tally): string[] {
  const checked = tally.kept + tally.broken.length;
  const lines = [`${checked} checks: ${tally.kept} kept, ${tally.broken.length} broken${tally.skipped > 0 ? `, ${tally.skipped} skipped` : ''}`];
  for (const b of tally.broken) lines.push(`BROKEN: ${b.promise} — ${b.detail}`);
  for (const e of tally.errors) lines.push(`ERROR: the suite did not run to the end: ${e}`);
  if (checked === 0 && tally.errors.length === 0) lines.push('ERROR: nothing was checked');
  return lines;
}
