/**
 * A hidden tab (issue 20): its throttling shows in the numbers, not as lost messages. A member's
 * page of Debian's Chromium, covered by a newer tab once receiving, is hidden for real
 * (`document.visibilityState`, checked by the arm), and Chromium then wakes its timers once a
 * second: short polling every 250 ms makes four requests a second in front and at most about one
 * behind; a WebSocket's member receives as before, with no request. Every message reaches the
 * page, in order, either way. Without Chromium the suite says it was skipped, and why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureHidden, type HiddenOptions } from '../../../bench/micro/browser-hidden.ts';
import { launchChromiumAsUsers, type UsersChromium } from '../../../bench/generator/chromium.ts';
import { HAVE_CHROMIUM, chromiumSuite } from '../../helpers/chromium.ts';

const OPTIONS: HiddenOptions = { seconds: 4, everyMs: 200, pollIntervalMs: 250, drainMs: 10_000 };

describe.skipIf(!HAVE_CHROMIUM)(chromiumSuite('a hidden tab'), () => {
  let chromium: UsersChromium;
  beforeAll(async () => {
    chromium = await launchChromiumAsUsers();
  }, 60_000);
  afterAll(async () => chromium?.close());

  it('short polling slows to about one request a second behind another tab, and loses nothing', async () => {
    const visible = await measureHidden(chromium, 'short-polling', false, OPTIONS);
    const hidden = await measureHidden(chromium, 'short-polling', true, OPTIONS);
    expect(visible.visibility).toBe('visible');
    expect(hidden.visibility).toBe('hidden');
    for (const arm of [visible, hidden]) {
      expect(arm.sent).toBeGreaterThanOrEqual(15);
      expect(arm.received).toBe(arm.sent);
      expect(arm.outOfOrder).toBe(0);
    }
    // Four a second asked; a page in front keeps most of them, a hidden one gets one wake-up a second.
    expect(visible.requestsPerSecond).toBeGreaterThan(2);
    expect(hidden.requestsPerSecond).toBeLessThan(1.6);
    expect(hidden.requestsPerSecond).toBeGreaterThan(0.5);
  }, 120_000);

  it("a WebSocket's member behind another tab still receives every message, with no request", async () => {
    const hidden = await measureHidden(chromium, 'websocket', true, OPTIONS);
    expect(hidden.visibility).toBe('hidden');
    expect(hidden.received).toBe(hidden.sent);
    expect(hidden.outOfOrder).toBe(0);
    expect(hidden.requestsPerSecond).toBe(0);
  }, 120_000);
});
