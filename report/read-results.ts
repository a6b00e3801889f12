import { readFileSync } from 'node:fs';
import { FIGURES, RESULTS_SCHEMA_VERSION, type BenchResults, type FigureKey, type StepResult } from '../bench/model/results.ts';

/**
 * A figure a file written before it existed does not have (the generator's CPU per message, added
 * without a schema change): listed as not measured, never read as a number.
 */
function withMissingFigures(steps: readonly StepResult[]): StepResult[] {
  const keys = Object.keys(FIGURES) as FigureKey[];
  return steps.map((step) => ({
    ...step,
    variants: step.variants.map((v) => {
      const missing = keys.filter((key) => !(key in v.summary.figures));
      if (missing.length === 0) return v;
      const blank = { median: Number.NaN, min: Number.NaN, max: Number.NaN };
      const figures = { ...v.summary.figures, ...Object.fromEntries(missing.map((key) => [key, blank])) };
      return { ...v, summary: { ...v.summary, figures, notMeasured: [...(v.summary.notMeasured ?? []), ...missing] } };
    }),
  }));
}

/** Reads a results file; the error says which file and what is wrong with it. */
export function readResults(path: string): BenchResults {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const v = value as Partial<BenchResults> | null;
  if (typeof v !== 'object' || v === null || !Array.isArray(v.steps) || typeof v.config !== 'object') {
    throw new Error(`${path} is not a results file of npm run bench`);
  }
  const version = (v as { schemaVersion?: unknown }).schemaVersion;
  // Version 1 is version 2 with every server figure measured, version 2 is version 3 with no
  // server read from /proc, and version 3 is version 4 without a capacity search: a baseline kept
  // from any of them still compares.
  if (version !== 1 && version !== 2 && version !== 3 && version !== RESULTS_SCHEMA_VERSION) {
    throw new Error(`${path} has results schema version ${String(version)}; this version reads 1 to ${RESULTS_SCHEMA_VERSION}`);
  }
  const read = v as BenchResults;
  return { ...read, schemaVersion: RESULTS_SCHEMA_VERSION, steps: withMissingFigures(read.steps) };
}
