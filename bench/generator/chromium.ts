/**
 * The system's Chromium as this project runs it (Debian's `chromium`, driven by playwright-core; no
 * browser download): the browser members, the micro-benchmarks of a browser's cost, the demo's
 * screenshot and the browser tests all start it the same way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { browserClientsFile, socketIoBundleFile } from '../../servers/clients/browser/index.ts';

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
  // And a page's WebRTC offers its host candidate as an address, not as an mDNS name announced by
  // multicast (which the server could not resolve, and which would leave the bench's addresses).
  '--disable-features=LocalNetworkAccessChecks,LocalNetworkAccessChecksWebSockets,WebRtcHideLocalIpsWithMdns',
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
  const started = spawnChromium([
    ...CHROMIUM_ARGS.filter((a) => !NO_THROTTLING.has(a)),
    '--remote-debugging-address=127.0.0.1',
    '--remote-debugging-port=0',
    ...(features.length > 0 ? [`--enable-features=${features.join(',')}`] : []),
    'about:blank',
  ]);
  const { child } = started;
  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      let said = '';
      const timer = setTimeout(() => reject(new Error(`Chromium at ${CHROMIUM_PATH} did not open its DevTools port within 20 s: ${said.trim().split('\n').at(-1) ?? ''}`)), 20_000);
      child.stderr?.on('data', (chunk: Buffer) => {
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
        await started.stop();
      },
    };
  } catch (error) {
    await started.stop();
    throw error;
  }
}

/** A Chromium started by hand ({@link spawnChromium}): its process, and how to stop it. */
export interface SpawnedChromium {
  readonly child: ChildProcess;
  /** Kills it and its helpers, then removes its profile. */
  stop(): Promise<void>;
}

/**
 * The system's Chromium started by hand with `args`, without playwright-core, in a profile folder
 * of its own and a process group of its own, so that stopping it stops its helpers too before its
 * profile is removed. Its stderr is piped and read (the DevTools port is said there).
 */
export function spawnChromium(args: readonly string[]): SpawnedChromium {
  const profile = mkdtempSync(join(tmpdir(), 'chromium-'));
  const child = spawn(CHROMIUM_PATH, [...args, `--user-data-dir=${profile}`], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  // Read always, so that a full pipe never stops it; a caller may listen too.
  child.stderr?.on('data', () => undefined);
  return {
    child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        const exited = once(child, 'exit');
        process.kill(-child.pid, 'SIGKILL');
        await exited;
      }
      // Its helpers may still be writing the profile for a moment after it exits.
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}

/** The files of a bench page that a route answers ({@link servePageFiles}): name → [content type, body]. */
export type PageFiles = Readonly<Record<string, readonly [type: string, body: () => string]>>;

/**
 * Answers a page's own files by a route, so that they never reach the server behind `origin`:
 * `origin` + `path` is `html`, `path` + `clients.js` the contract's browser clients,
 * `path` + `socket.io.min.js` Socket.IO's bundle, and `more` any other file by name; anything
 * else under `path` is a 404. The page is then of `origin`, and its requests to the server are
 * same-origin.
 */
export async function servePageFiles(page: Page, origin: string, path: string, html: string, more: PageFiles = {}): Promise<void> {
  const files: PageFiles = {
    '': ['text/html', () => html],
    'clients.js': ['text/javascript', () => readFileSync(browserClientsFile(), 'utf8')],
    'socket.io.min.js': ['text/javascript', () => readFileSync(socketIoBundleFile(), 'utf8')],
    ...more,
  };
  await page.route(`${origin}${path}**`, (route) => {
    const file = files[new URL(route.request().url()).pathname.slice(path.length)];
    return file ? route.fulfill({ status: 200, contentType: file[0], body: file[1]() }) : route.fulfill({ status: 404, body: 'not a file of this page' });
  });
}
