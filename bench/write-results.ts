import { copyFile, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { BenchResults } from './results.ts';

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
  const latest = join(dirname(path), 'latest.json');
  if (join(path) !== latest) await copyFile(path, latest);
  return latest;
}
