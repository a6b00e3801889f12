/**
 * The conformance suite against many servers broken on purpose, in one vitest run of its own
 * process, for test/servers/conformance-broken.test.ts: a run of `npm run conformance` spends about
 * 2.5 s of CPU starting tsx and vitest before its first check, once per server (20 servers took
 * 67 s so); here it is paid once. Each server is checked on the one part of the suite that covers
 * its bug. Reads the targets as JSON from its first argument; prints, as JSON, each target's
 * broken checks in that part (what the server did, as the command's `BROKEN:` lines say it) and any
 * error outside a check.
 */
import { fileURLToPath } from 'node:url';
import { startVitest, type Reporter } from 'vitest/node';
import type { Transport } from '../../servers/contract/index.ts';
import { firstLine } from '../../servers/contract/conformance/reporter.ts';
import { SETUP_FILE } from '../../servers/contract/conformance/run.ts';

/** A server to check: its name in the catalogue, where it listens, and the part that must find its bug. */
export interface BatchTarget {
  readonly name: string;
  readonly transport: Transport;
  readonly url: string;
  readonly part: string;
  readonly token?: string;
}

/** What the batch found: per target, its broken checks; and errors outside any check. */
export interface BatchResult {
  readonly broken: Record<string, string[]>;
  readonly errors: string[];
}

declare module 'vitest' {
  export interface ProvidedContext {
    brokenTargets: BatchTarget[];
  }
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SUITE_FILE = 'test/helpers/broken.conformance.ts';
/** As `npm run conformance`'s: only turns a hang into a broken check. */
const TEST_TIMEOUT_MS = 120_000;

async function main(): Promise<void> {
  const targets = JSON.parse(process.argv[2] ?? '[]') as BatchTarget[];
  const result: BatchResult = { broken: Object.fromEntries(targets.map((t) => [t.name, []])), errors: [] };
  const reporter: Reporter = {
    onTestCaseResult(testCase) {
      const state = testCase.result();
      if (state.state !== 'failed') return;
      // Full name: target, part, check.
      const part = testCase.parent.type === 'suite' ? testCase.parent : undefined;
      const target = part?.parent.type === 'suite' ? part.parent.name : '';
      result.broken[target]?.push(firstLine(state.errors[0]));
    },
    onTestRunEnd(modules, unhandled) {
      for (const m of modules) for (const e of m.errors()) result.errors.push(firstLine(e));
      for (const e of unhandled) result.errors.push(firstLine(e));
    },
  };
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const vitest = await startVitest('test', [SUITE_FILE], {
    config: false,
    root: ROOT,
    include: [SUITE_FILE],
    setupFiles: [SETUP_FILE],
    watch: false,
    reporters: [reporter],
    provide: { brokenTargets: targets },
    testNamePattern: new RegExp(`^(${targets.map((t) => escape(`${t.name} ${t.part}`)).join('|')}) `),
    testTimeout: TEST_TIMEOUT_MS,
    hookTimeout: TEST_TIMEOUT_MS,
  });
  await vitest.close();
  // Written whole before the exit: a write to a pipe completes asynchronously.
  process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
