/**
 * `npm run bench:detection -- <job folder>…`: from paired jobs of unchanged code (`npm run bench --
 * --ci --against HEAD --out <folder>`), the smallest change the paired gate catches in at least 9
 * of 10 jobs, per transport and figure, as a Markdown table. With `--figures KEY,KEY…`, only those
 * figures, one row each and a column per transport (the README's table). Exit 0, or 2 for bad usage
 * or a folder without both sides' results.
 */
import { join } from 'node:path';
import { figureValue } from '../bench/model/aggregate.ts';
import { FIGURES, generatorSensitive, type FigureKey } from '../bench/model/results.ts';
import { DEFAULT_LIMITS } from './compare-limits.ts';
import { PAIRED, pairRounds } from './compare-paired.ts';
import { smallestCaught, type JobPairs } from './paired-reach.ts';
import { readResults } from './read-results.ts';

const USAGE = 'Usage: npm run bench:detection -- [--figures KEY,KEY...] <job folder>... (folders of npm run bench -- --ci --against HEAD --out <folder>, unchanged code)';

function main(argv: readonly string[]): number {
  const at = argv.indexOf('--figures');
  const picked = at >= 0 ? (argv[at + 1] ?? '').split(',').filter((k) => k !== '') : undefined;
  const folders = at >= 0 ? [...argv.slice(0, at), ...argv.slice(at + 2)] : [...argv];
  if (folders.length === 0 || folders.includes('--help') || folders.includes('-h')) {
    console.error(USAGE);
    return folders.length === 0 ? 2 : 0;
  }
  const unknown = picked?.filter((k) => !(k in FIGURES));
  if (picked !== undefined && (picked.length === 0 || (unknown?.length ?? 0) > 0)) {
    console.error(`error: --figures takes figure keys separated by commas${unknown?.length ? `; unknown: ${unknown.join(', ')}` : ''}; the keys: ${Object.keys(FIGURES).join(', ')}`);
    return 2;
  }
  const byFigure = new Map<string, { variant: string; key: FigureKey; jobs: JobPairs[] }>();
  try {
    for (const folder of folders) {
      const base = readResults(join(folder, 'base.json'));
      const change = readResults(join(folder, 'change.json'));
      for (const step of change.steps) {
        for (const v of step.variants) {
          const bv = base.steps.find((s) => s.step.label === step.step.label)?.variants.find((x) => x.variant.id === v.variant.id);
          if (!bv) continue;
          for (const key of Object.keys(FIGURES) as FigureKey[]) {
            // As the gate pairs them: a generator-bound pair is left out of the latencies only.
            const pairs = pairRounds(bv.trials, v.trials, generatorSensitive(key));
            const b = pairs.baseline.map((t) => figureValue(t, key));
            const c = pairs.current.map((t) => figureValue(t, key));
            if (b.some((x) => x === null) || c.some((x) => x === null)) continue;
            const id = `${v.variant.id} ${key}`;
            const entry = byFigure.get(id) ?? { variant: v.variant.id, key, jobs: [] };
            entry.jobs.push({ baseline: b as number[], current: c as number[] });
            byFigure.set(id, entry);
          }
        }
      }
    }
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    return 2;
  }
  const limitOf = (key: FigureKey): number => Math.round(PAIRED.limit(DEFAULT_LIMITS[key], false).relative * 100);
  const caughtOf = (key: FigureKey, jobs: readonly JobPairs[]): number | null => smallestCaught(key, jobs, PAIRED.limit(DEFAULT_LIMITS[key], false));
  if (picked !== undefined) {
    const variants = [...new Set([...byFigure.values()].map((e) => e.variant))];
    console.log(`| figure | paired limit | ${variants.join(' | ')} |`);
    console.log(`|---|---|${variants.map(() => '---|').join('')}`);
    for (const key of picked as FigureKey[]) {
      const cells = variants.map((variant) => {
        const entry = byFigure.get(`${variant} ${key}`);
        if (!entry) return '–';
        const caught = caughtOf(key, entry.jobs);
        return caught === null ? 'absolute' : `+${Math.round(caught * 100)}%`;
      });
      console.log(`| ${FIGURES[key].label} | ${limitOf(key)}% | ${cells.join(' | ')} |`);
    }
    return 0;
  }
  console.log(`| transport | figure | paired limit | smallest change caught in ≥ 90% of ${folders.length} jobs |`);
  console.log('|---|---|---|---|');
  for (const { variant, key, jobs } of byFigure.values()) {
    const caught = caughtOf(key, jobs);
    const shown = caught === null ? 'not by a share (judged by its absolute part)' : `+${Math.round(caught * 100)}%`;
    console.log(`| ${variant} | ${FIGURES[key].label} | ${limitOf(key)}% | ${shown} |`);
  }
  return 0;
}

process.exit(main(process.argv.slice(2)));
