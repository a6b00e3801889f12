/**
 * `npm run bench -- --ci --against REF`, wired: the base's tree (bench/against/worktree.ts), the
 * pairs run as bench processes in each side's tree (bench/against/run-against.ts), both sides'
 * results and reports written, the pairs compared (report/compare-paired.ts), the gate's exit
 * code. Writes to one folder: base.json, change.json, their reports, comparison.txt,
 * comparison.md, and rounds/ with each round's results and log. Above bench/ and report/: the one
 * place the paired gate uses both.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { comparePaired, pairsNeeded } from '../report/compare-paired.ts';
import { formatComparisonMarkdown, formatComparisonText } from '../report/compare-format.ts';
import { EXIT, appendMarkdown, exitCodeOf, readUserLimits } from '../report/compare-gate.ts';
import { DEFAULT_ALPHA } from '../report/compare.ts';
import { mergeLimits } from '../report/compare-limits.ts';
import { writeReport } from '../report/index.ts';
import { readResults } from '../report/read-results.ts';
import type { BenchResults, Scenario } from '../bench/model/results.ts';
import { defaultResultsPath, displayPath } from '../bench/run/write-results.ts';
import { roundArgs } from '../bench/against/options.ts';
import { nextFirst, type Side } from '../bench/against/order.ts';
import { createAgainstProgress, formatDuration } from '../bench/against/progress.ts';
import { runAgainst, type RoundRunner } from '../bench/against/run-against.ts';
import { prepareBaseTree, type Exec } from '../bench/against/worktree.ts';

export interface AgainstCommand {
  /** The user's bench command line, as given. */
  readonly argv: readonly string[];
  readonly ref: string;
  /** The resolved scenario (its rounds give the pairs unless `rounds` was given). */
  readonly scenario: Scenario;
  /** `--rounds` as the user gave it (not a preset's): the pairs. */
  readonly rounds: number | undefined;
  /** `--out`: the folder ('' for the default). */
  readonly out: string;
  readonly max: readonly string[];
  readonly thresholds: string;
  readonly alpha: number | undefined;
  readonly markdown: string;
}

/** What the command runs on: its trees, where it keeps them, how it runs programs, where it writes. */
export interface AgainstDeps {
  /** The change's tree: a git checkout with node_modules. */
  readonly repoRoot: string;
  /** Where worktrees, installs and the side that went first last time are kept between jobs. */
  readonly cacheDir: string;
  readonly exec: Exec;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

const execFileAsync = promisify(execFile);
const exec: Exec = async (file, args, { cwd }) => {
  try {
    return (await execFileAsync(file, [...args], { cwd, maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (error) {
    const e = error as Error & { stderr?: string };
    throw new Error(`${file} ${args.join(' ')} failed: ${(e.stderr ?? '').trim() || e.message}`, { cause: error });
  }
};

/** The last lines of a round's log, for the message of a round that failed. */
function tail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * The bench command's entry in a side's tree, relative to it: `cli/bench.ts`, or `bench/cli.ts` in
 * a tree from before the command moved out of bench/ (a base older than this layout).
 */
export function benchEntry(root: string): string {
  return existsSync(join(root, 'bench', 'cli.ts')) ? 'bench/cli.ts' : 'cli/bench.ts';
}

/**
 * Runs one round as a bench process in its side's tree, its output to a log beside its results.
 * Aborting sends the process SIGINT: it stops its servers and writes what it measured.
 */
function roundRunner(roots: Readonly<Record<Side, string>>, argv: readonly string[], folder: string): RoundRunner {
  return async (round, signal) => {
    const name = `pair${String(round.pair + 1).padStart(2, '0')}-${round.side}`;
    const out = join(folder, 'rounds', `${name}.json`);
    const log = join(folder, 'rounds', `${name}.log`);
    const root = roots[round.side];
    // A file left by an earlier job in the same folder must not pass for this round's.
    rmSync(out, { force: true });
    const fd = openSync(log, 'w');
    // A process group of its own, so that a Ctrl-C reaches it once, passed on by the job: a second
    // SIGINT would make the bench quit without writing what it measured.
    const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), [benchEntry(root), ...roundArgs(argv, out)], { cwd: root, stdio: ['ignore', fd, fd], detached: true });
    const stop = (): void => void child.kill('SIGINT');
    signal?.addEventListener('abort', stop, { once: true });
    try {
      const [code] = (await once(child, 'exit')) as [number | null];
      if (!existsSync(out)) throw new Error(`its bench exited with code ${String(code)} and wrote no results; the end of its log (${displayPath(log)}):\n${tail(log)}`);
      return readResults(out);
    } finally {
      signal?.removeEventListener('abort', stop);
      closeSync(fd);
    }
  };
}

/**
 * The job's folder, absolute (each round's bench runs in its own side's tree, where a relative
 * path would land): `--out` as given, else `results/<time>-<scenario>-against-<commit>`, both
 * from the working directory.
 */
export function jobFolder(out: string, startedAt: string, scenario: string, commit: string, cwd = process.cwd()): string {
  return resolve(cwd, out || defaultResultsPath(startedAt, scenario).replace(/\.json$/, `-against-${commit.slice(0, 7)}`));
}

async function writeSide(folder: string, name: string, results: BenchResults): Promise<void> {
  await writeFile(join(folder, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
  await writeReport(results, join(folder, `${name}.html`));
}

/** This checkout, its node_modules/.cache, git and npm, the process's own streams. */
export const REAL_DEPS: AgainstDeps = {
  repoRoot: REPO_ROOT,
  cacheDir: join(REPO_ROOT, 'node_modules', '.cache', 'chat-transport-bench', 'against'),
  exec,
  stdout: process.stdout,
  stderr: process.stderr,
};

/** Runs the paired job and returns the gate's exit code (130 when interrupted, as the bench). */
/**
 * Pairs a job runs beyond the fewest at which the signed-rank test can reach its level. At the
 * fewest (7 at 0.01) every pair must lean worse: one pair a burst of the machine's noise turned the
 * other way hides any change (a +25% in short polling's server CPU per message passed so, at
 * p = 0.016, on 2026-12-07). With one more, the smallest of the pairs may lean the other way
 * (8 pairs: p = 2/256 = 0.0078).
 */
export const EXTRA_PAIRS = 1;

export async function runAgainstCommand(input: AgainstCommand, signal: AbortSignal, deps: AgainstDeps = REAL_DEPS): Promise<number> {
  const print = (line: string): void => void deps.stdout.write(`${line}\n`);
  const step = (line: string): void => void deps.stderr.write(`${line}\n`);
  const fail = (message: string): void => step(`error: ${message}`);
  let limits;
  try {
    limits = mergeLimits(readUserLimits(input.max, input.thresholds));
  } catch (error) {
    fail((error as Error).message);
    return EXIT.refused;
  }
  const alpha = input.alpha ?? DEFAULT_ALPHA;
  // The --ci preset's 6 rounds become 8 pairs: one more than the fewest at which the signed-rank test can call a change at 0.01.
  const pairs = input.rounds ?? Math.max(input.scenario.rounds, pairsNeeded(alpha) + EXTRA_PAIRS);
  let base;
  try {
    base = await prepareBaseTree({ repoRoot: deps.repoRoot, ref: input.ref, cacheDir: deps.cacheDir, exec: deps.exec, onStep: step });
  } catch (error) {
    fail((error as Error).message);
    return EXIT.refused;
  }
  const short = base.commit.slice(0, 7);
  const startedAt = new Date().toISOString();
  const folder = jobFolder(input.out, startedAt, input.scenario.name, base.commit);
  await mkdir(join(folder, 'rounds'), { recursive: true });
  const kept = join(deps.cacheDir, 'first-side');
  const first = nextFirst(existsSync(kept) ? readFileSync(kept, 'utf8').trim() : undefined);
  await writeFile(kept, `${first}\n`);
  const labels = { base: `base ${input.ref} (${short})`, change: 'change (this tree)' };
  step(
    `paired job: ${pairs} pairs of scenario ${input.scenario.name}, ${labels.change} against ${labels.base}, one round of each per pair, the first pair starting with the ${first}; base tree ${displayPath(base.root)} (${base.checkout === 'made' ? 'checked out now' : 'kept'}, dependencies ${base.install === 'shared' ? "this tree's" : base.install === 'kept' ? 'installed earlier' : 'installed now'})`,
  );
  const began = Date.now();
  const outcome = await runAgainst(
    { pairs, first, argv: input.argv },
    roundRunner({ change: deps.repoRoot, base: base.root }, input.argv, folder),
    createAgainstProgress(deps.stderr, labels),
    { signal },
  );
  for (const side of ['base', 'change'] as const) {
    const results = outcome.sides[side];
    if (results) await writeSide(folder, side, results);
  }
  const where = `results: ${displayPath(folder)}/ (base.json, change.json, their reports, the comparison, rounds/)`;
  if (outcome.status !== 'complete' || !outcome.sides.base || !outcome.sides.change) {
    fail(`the paired job stopped after ${formatDuration(Date.now() - began)}: ${outcome.stopped ?? 'no round ran'}; nothing is compared`);
    print(where);
    return outcome.status === 'interrupted' ? 130 : EXIT.refused;
  }
  let comparison;
  try {
    comparison = comparePaired(outcome.sides.base, outcome.sides.change, { ...limits, alpha, names: { baseline: labels.base, current: labels.change } });
  } catch (error) {
    fail((error as Error).message);
    print(where);
    return EXIT.refused;
  }
  const text = formatComparisonText(comparison);
  const code = exitCodeOf(comparison);
  // The files list every figure, within its limit or not: the record a detection table is read from.
  await writeFile(join(folder, 'comparison.txt'), `${formatComparisonText(comparison, true)}\n`);
  await writeFile(join(folder, 'comparison.md'), formatComparisonMarkdown(comparison, true));
  if (input.markdown) appendMarkdown(input.markdown, comparison, false, code);
  print(text);
  print(`paired job: ${pairs} pairs in ${formatDuration(Date.now() - began)}; exit code ${code}`);
  print(where);
  return code;
}
