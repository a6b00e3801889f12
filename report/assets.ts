import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { RenderAssets } from './render.ts';

/** chart.js's UMD build, read from the installed package (its exports map does not list it). */
export function loadAssets(): RenderAssets {
  const entry = createRequire(import.meta.url).resolve('chart.js');
  return { chartJs: readFileSync(join(dirname(entry), 'chart.umd.min.js'), 'utf8') };
}
