import { copyFile, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { BenchResults } from '../model/results.ts';

/** Where results go by default: `results/`, beside package.json. */
export const RESULTS_DIR = 'results';

/** `results/2026-11-26T01-02-03-default.json` */
export function defaultResultsPath(startedAt: string, scenario: string): string {
  const stamp = startedAt.replace(/\.\d+Z$/, '').replaceAll(':', '-');
  const safe = scenario.replace(/^.*\//, '').replace(/\.json$/, '').replace(/[^A-Za-z0-9_-]/g, '_');
  return join(RESULTS_DIR, `${stamp}-${safe}.json`);
}

/**
 * Writes the results (atomically: a partial file is never left) and copies them to `latest.json`
 * in the same folder, so that a run written elsewhere (a test, a CI job) never replaces the
 * user's own `results/latest.json`. Returns the path of the copy.
 */
export async function writeResults(results: BenchResults, path: string): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.partial`;
  await writeFile(temporary, `${JSON.stringify(results, null, 2)}\n`);
  await rename(temporary, path);
  return copyAsLatest(path);
}

/**
 * Copies a file to `latest<ext>` in its folder (`latest.json`, `latest.html`), unless it is that
 * file; returns the copy's path.
 */
export async function copyAsLatest(path: string): Promise<string> {
  const latest = join(dirname(path), `latest${extname(path)}`);
  if (resolve(path) !== resolve(latest)) await copyFile(path, latest);
  return latest;
}

/**
 * How the bench prints a path, one rule everywhere: relative to the working directory when the
 * file is inside it (`results/latest.json`), absolute otherwise (`/tmp/run.json`).
 */
export function displayPath(path: string, cwd = process.cwd()): string {
  const rel = relative(cwd, resolve(cwd, path));
  return rel !== '' && rel.split(sep)[0] !== '..' && !isAbsolute(rel) ? rel : resolve(cwd, path);
}
