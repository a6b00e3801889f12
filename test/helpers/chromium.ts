/**
 * Debian's Chromium for the browser tests, started as the project starts it
 * (bench/generator/chromium.ts): where it is, whether it is there, and how each suite says it was
 * skipped, and why.
 */
import { existsSync } from 'node:fs';
import { CHROMIUM_PATH } from '../../bench/generator/chromium.ts';

export { launchChromium } from '../../bench/generator/chromium.ts';

export const CHROMIUM = CHROMIUM_PATH;
export const HAVE_CHROMIUM = existsSync(CHROMIUM);

/** A suite's title: `what`, or, without Chromium, `what` and why it was skipped (also said once on stderr). */
export function chromiumSuite(what: string): string {
  if (HAVE_CHROMIUM) return what;
  console.warn(`${what}: skipped, no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  return `${what} (skipped: no browser at ${CHROMIUM}; apt-get install chromium, or set CHROMIUM_PATH)`;
}
