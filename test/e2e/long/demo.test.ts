/**
 * `npm run demo` in Debian's Chromium (issue 20): the page opens with every transport receiving,
 * a message typed and sent with Enter arrives on each of them with its latency and what its
 * transport spent on the wire, the slider (moved with the keyboard) brings simulated members whose
 * messages arrive on every transport, and a page closed mid-run leaves the servers serving the
 * next one. Nothing the page asks for leaves 127.0.0.1, and nothing fails in its console.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, chromiumSuite, launchChromium } from '../../helpers/chromium.ts';
import { startDemo, type Demo } from '../../../cli/demo/demo-server.ts';
import { DEMO_TRANSPORTS } from '../../../cli/demo/options.ts';

/** Bounds that only end a hang: each event comes in well under a second here. */
const BOUND_MS = 20_000;

describe.skipIf(!HAVE_CHROMIUM)(chromiumSuite('the demo page in Chromium'), () => {
  let demo: Demo;
  let browser: Browser;
  let pages: Page[] = [];
  /** What each page asked for, and what went wrong in it. */
  let requested: string[] = [];
  let problems: string[] = [];

  beforeAll(async () => {
    demo = await startDemo({ port: 0, transports: DEMO_TRANSPORTS, pollIntervalMs: 250, maxMembers: 10, memberPostMs: 250 });
    browser = await launchChromium();
  }, 60_000);
  afterEach(async () => {
    await Promise.all(pages.map((page) => page.close()));
    pages = [];
  });
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  async function open(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    pages.push(page);
    requested = [];
    problems = [];
    page.on('request', (request) => requested.push(request.url()));
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    await page.goto(demo.url);
    // The form opens once every transport receives the room.
    await page.waitForSelector('#message:enabled', { timeout: BOUND_MS });
    return page;
  }

  /** One column's figures. */
  async function lane(page: Page, transport: string) {
    const column = page.locator(`.lane[data-transport="${transport}"]`);
    return {
      state: await column.getAttribute('data-state'),
      last: await column.locator('.last-message').textContent(),
      latency: await column.locator('.latency').textContent(),
      cost: await column.locator('.cost').textContent(),
      firstListed: await column.locator('.messages li').first().textContent(),
    };
  }

  /** Types `text` key by key, sends it with Enter, and waits until every column has had `count` of the page's messages. */
  async function sendTyped(page: Page, text: string, count: number): Promise<void> {
    await page.locator('#message').pressSequentially(text);
    await page.keyboard.press('Enter');
    for (const transport of DEMO_TRANSPORTS) await page.waitForSelector(`.lane[data-transport="${transport}"][data-delivered="${count}"]`, { timeout: BOUND_MS });
  }

  it('a message typed and sent with Enter arrives on every transport, with its latency and the requests, bytes and connections it took', async () => {
    const page = await open();
    // Socket.IO's default engine starts on polling: wait until it upgraded, so its message goes as a frame.
    await page.locator('.lane[data-transport="socketio"] .state', { hasText: 'websocket' }).waitFor({ timeout: BOUND_MS });
    await sendTyped(page, 'hello from the keyboard', 1);
    expect(await page.locator('.lane').evaluateAll((columns) => columns.map((column) => column.getAttribute('data-transport')))).toEqual([...DEMO_TRANSPORTS]);
    for (const transport of DEMO_TRANSPORTS) {
      const seen = await lane(page, transport);
      expect(seen.state, transport).toBe('receiving');
      expect(seen.last, transport).toBe('hello from the keyboard');
      expect(seen.latency, transport).toMatch(/^[\d.,]+ ms$/);
      expect(seen.firstListed, transport).toContain('you: hello from the keyboard');
      const cost = /^(\d+) requests? · ([\d.]+) (B|KiB) · (\d+) new connections?$/.exec(seen.cost ?? '');
      expect(cost, `${transport}: ${seen.cost}`).not.toBeNull();
      const requests = Number(cost?.[1]);
      expect(Number(cost?.[2]), `${transport} spent bytes on the wire`).toBeGreaterThan(0);
      // A post over HTTP is a request (a preflight too, at times); a frame over an open socket is none.
      if (transport === 'websocket' || transport === 'socketio') expect(requests, transport).toBe(0);
      else expect(requests, transport).toBeGreaterThanOrEqual(1);
    }
    expect(problems).toEqual([]);
    const origin = new URL(demo.url).origin;
    expect(requested.filter((url) => !url.startsWith('http://127.0.0.1:') && !url.startsWith('ws://127.0.0.1:') && !url.startsWith('data:'))).toEqual([]);
    expect(requested.filter((url) => url.startsWith(origin)).length, 'the page and its scripts come from the demo').toBeGreaterThan(0);
  }, 60_000);

  it('the slider, moved with the keyboard, adds simulated members whose messages arrive on every transport; a bad count is refused', async () => {
    const page = await open();
    await page.locator('#members').focus();
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    await page.waitForSelector('body[data-members="3"]', { timeout: BOUND_MS });
    const counters = (await (await fetch(new URL('/counters', demo.url))).json()) as { transports: Record<string, { members: { count: number } }> };
    for (const transport of DEMO_TRANSPORTS) expect(counters.transports[transport]?.members.count, transport).toBe(3);
    // Each column lists a member's message, timed.
    for (const transport of DEMO_TRANSPORTS) {
      await page.locator(`.lane[data-transport="${transport}"] .messages li`, { hasText: /^\d+ msmember \d: simulated message/ }).first().waitFor({ timeout: BOUND_MS });
    }
    const refused = await fetch(new URL('/members', demo.url), { method: 'PUT', body: JSON.stringify({ count: 11 }) });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toMatch(/count must be an integer from 0 to 10/);
    await page.locator('#members').fill('0');
    await page.waitForSelector('body[data-members="0"]', { timeout: BOUND_MS });
    expect(problems).toEqual([]);
  }, 60_000);

  it('a page closed mid-run leaves every server serving: the next page receives its message on every transport', async () => {
    const first = await open();
    await first.close();
    pages = [];
    const next = await open();
    await sendTyped(next, 'after a page closed', 1);
    for (const transport of DEMO_TRANSPORTS) expect((await lane(next, transport)).last, transport).toBe('after a page closed');
  }, 60_000);
});
