/**
 * How many browser members this machine holds (`--clients browser`, issue 20): each page is a
 * Chromium browser context with a renderer process of its own, and what a page takes in memory
 * was measured here by `npm run bench:browser-cost` (2026-12-07, Chromium 156, headless): 432–457
 * MiB for Chromium with one page, 619–645 MiB with 4, 989–992 MiB with 10 (Pss of all its
 * processes), so about 384 MiB for Chromium itself and 61 MiB for each page.
 *
 * A step whose pages would take more than half of the memory available is refused before it
 * runs, with those figures. CPU is not judged before the run: what a page costs depends on what
 * it receives (1.7–10 ms of Chromium's CPU per WebSocket delivery, 15–29 ms per long-poll one, in
 * the same runs), and Chromium's CPU counts as the generator's, so a browser that cannot keep up
 * makes its trial generator-bound, said in its results. Members share a page with `membersPerPage`.
 */
import { freemem } from 'node:os';
import type { Variant, Workload } from '../model/results.ts';

export const BROWSER_BASE_BYTES = 384 * 2 ** 20;
export const BROWSER_PAGE_BYTES = 61 * 2 ** 20;

/** Pages a step's browser members take. */
export function browserPages(workload: Pick<Workload, 'rooms' | 'members'>, variant: Pick<Variant, 'membersPerPage'>): number {
  return Math.ceil((workload.rooms * workload.members) / (variant.membersPerPage ?? 1));
}

/** The most pages this machine holds: half of `availableBytes`, less Chromium itself, in pages. */
export function browserPagesHeld(availableBytes: number = freemem()): number {
  return Math.max(0, Math.floor((availableBytes / 2 - BROWSER_BASE_BYTES) / BROWSER_PAGE_BYTES));
}

/** Why a step of `pages` pages cannot run here, or undefined when it can. */
export function browserCapacityRefusal(pages: number, held = browserPagesHeld()): string | undefined {
  if (pages <= held) return undefined;
  return `its browser members need ${pages} pages of Chromium; this machine holds ${held}: each page takes about ${BROWSER_PAGE_BYTES / 2 ** 20} MiB beside Chromium's ${BROWSER_BASE_BYTES / 2 ** 20} MiB, and half of the memory available here holds ${held}. Put more members on a page (--members-per-page) or run fewer`;
}
