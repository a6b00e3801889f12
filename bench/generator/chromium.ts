/**
 * The system's Chromium as this project runs it (Debian's `chromium`, driven by playwright-core; no
 * browser download): the browser members, the micro-benchmarks of a browser's cost, the demo's
 * screenshot and the browser tests all start it the same way.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

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
  '--disable-features=LocalNetworkAccessChecks,LocalNetworkAccessChecksWebSockets,WebRtcHideLocalIpsWithMdns',
  // WebRTC: a page's peer offers its loopback address (Chromium leaves loopback out by default),
  // as an address, not an mDNS name it would announce by multicast. The bench runs WebRTC browser
  // members only in a network namespace whose interfaces are loopback and the benchmarking range.
  '--allow-loopback-in-peer-connection',
  // No name lookups: with nothing to resolve, Chromium still sent about 30 DNS queries in a page's
  // first 5 s to the machine's resolver, past loopback. Every address it is given is an IP.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1, EXCLUDE 198.18.*, EXCLUDE 198.19.*',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
}

/** The timer throttling of hidden pages that {@link CHROMIUM_ARGS} turns off for the members. */
const NO_THROTTLING = new Set(['--disable-background-timer-throttling', '--disable-renderer-backgrounding']);

/** A Chromium whose pages are hidden and throttled as a user's are: {@link launchChromiumAsUsers}. */
export interface UsersChromium {
  readonly browser: Browser;
  /** Its default context: a page made here is a tab of one window, and only the newest tab is visible. */
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/**
 * The system's Chromium with a hidden tab's throttling as a user gets it. playwright-core's own
 * launch keeps every page visible: it turns throttling off by its default arguments, and its
 * focus emulation counts each page as captured, which Chromium never hides. So this Chromium is
 * started by hand, without the arguments that turn throttling off, on a DevTools port of
 * loopback, and driven through its default context with playwright-core's `noDefaults` (no focus
 * emulation). `features` are added to `--enable-features` (for example
 * `IntensiveWakeUpThrottling:grace_period_seconds/10`, to reach Chrome's one wake-up a minute
 * sooner than after its five minutes).
 */
export async function launchChromiumAsUsers(features: readonly string[] = []): Promise<UsersChromium> {
  const profile = mkdtempSync(join(tmpdir(), 'chromium-users-'));
  const args = [
    ...CHROMIUM_ARGS.filter((a) => !NO_THROTTLING.has(a)),
    `--user-data-dir=${profile}`,
    '--remote-debugging-address=127.0.0.1',
    '--remote-debugging-port=0',
    ...(features.length > 0 ? [`--enable-features=${features.join(',')}`] : []),
    'about:blank',
  ];
  // Its own process group, so that stopping it stops its helpers too, before its profile is removed.
  const child = spawn(CHROMIUM_PATH, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      process.kill(-(child.pid as number), 'SIGKILL');
      await exited;
    }
    // Its helpers may still be writing the profile for a moment after it exits.
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  };
  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      let said = '';
      const timer = setTimeout(() => reject(new Error(`Chromium at ${CHROMIUM_PATH} did not open its DevTools port within 20 s: ${said.trim().split('\n').at(-1) ?? ''}`)), 20_000);
      child.stderr.on('data', (chunk: Buffer) => {
        said += chunk.toString();
        const found = /DevTools listening on (ws:\/\/\S+)/.exec(said);
        if (found) {
          clearTimeout(timer);
          resolve(found[1] as string);
        }
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`cannot start Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH): ${error.message}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`Chromium at ${CHROMIUM_PATH} exited at start (${signal ?? `status ${code}`}): ${said.trim().split('\n').at(-1) ?? ''}`));
      });
    });
    const browser = await chromium.connectOverCDP(endpoint, { noDefaults: true, isLocal: true });
    const context = browser.contexts()[0];
    if (!context) throw new Error('Chromium started with no default context');
    return {
      browser,
      context,
      close: async () => {
        await browser.close().catch(() => undefined);
        await stop();
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
