import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RenderAssets } from './render.ts';

/** What the page inlines, read at render time: its style and script beside this file. */
const PAGE_CSS = fileURLToPath(new URL('./page.css', import.meta.url));
const PAGE_JS = fileURLToPath(new URL('./page.js', import.meta.url));
const PROJECTION_JS = fileURLToPath(new URL('./projection.js', import.meta.url));

/**
 * The page's assets: chart.js's UMD build, read from the installed package (its exports map does
 * not list it), the page's own style and script, and the projection's arithmetic.
 */
export function loadAssets(): RenderAssets {
  const entry = createRequire(import.meta.url).resolve('chart.js');
  return {
    chartJs: readFileSync(join(dirname(entry), 'chart.umd.min.js'), 'utf8'),
    css: readFileSync(PAGE_CSS, 'utf8'),
    script: readFileSync(PAGE_JS, 'utf8'),
    projection: readFileSync(PROJECTION_JS, 'utf8'),
  };
}
