/**
 * Debian's Chromium for the browser tests, driven by playwright-core (no browser download): where it
 * is, whether it is there, how each suite says it was skipped, and one way to launch it.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);

/** A suite's title: `what`, or, without Chromium, `what` and why it was skipped (also said once on stderr). */
export function chromiumSuite(what: string): string {
  if (HAVE_CHROMIUM) return what;
  console.warn(`${what}: skipped, no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  return `${what} (skipped: no browser at ${CHROMIUM}; apt-get install chromium, or set CHROMIUM_PATH)`;
}

/** Headless, without the sandbox (root in CI), and with none of Chromium's own calls home. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
