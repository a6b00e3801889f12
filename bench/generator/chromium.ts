/**
 * The system's Chromium as this project runs it (Debian's `chromium`, driven by playwright-core; no
 * browser download): the browser members, the micro-benchmarks of a browser's cost, the demo's
 * screenshot and the browser tests all start it the same way.
 */
import { chromium, type Browser } from 'playwright-core';

/** Where the system's Chromium is (`CHROMIUM_PATH` for another). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** How it runs: headless, without the sandbox (root in CI), and with none of its own calls home. */
export const CHROMIUM_ARGS: readonly string[] = [
  ...['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  // No background timer throttling: every page is a member in the foreground of its own browser.
  ...['--disable-background-timer-throttling', '--disable-renderer-backgrounding'],
  // Chromium's Local Network Access checks refuse a WebSocket from a page that came from no
  // address (a route's) to loopback (net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS): here
  // page and server are both on loopback, as a public page and its public server are both public.
  '--disable-features=LocalNetworkAccessChecks,LocalNetworkAccessChecksWebSockets',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
}
