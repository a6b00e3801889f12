import { writeFile } from 'node:fs/promises';
import type { BenchResults } from '../bench/model/results.ts';
import { loadAssets } from './assets.ts';
import { renderReport } from './render.ts';

/** `results/x.json` → `results/x.html`. */
export function reportPathFor(resultsPath: string): string {
  return resultsPath.endsWith('.json') ? `${resultsPath.slice(0, -'.json'.length)}.html` : `${resultsPath}.html`;
}

/** Renders the report of `results` and writes it; returns its path. */
export async function writeReport(results: BenchResults, path: string): Promise<string> {
  await writeFile(path, renderReport(results, loadAssets()));
  return path;
}
