/**
 * The browser clients come back (servers/clients/browser/clients.js): a page of Debian's Chromium
 * whose connections to the server are all cut mid-chat reconnects by itself, subscribes again from
 * its last cursor and receives every message, those posted while it was away included, in order.
 * The page's origin is a TCP relay in front of the server that can cut every connection through
 * it. Without Chromium the suite says it was skipped, and why.
 */
import { once } from 'node:events';
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer } from '../../../bench/run/spawn-server.ts';
import { servePageFiles } from '../../../bench/generator/chromium.ts';
import { createClient } from '../../../servers/clients/index.ts';
import { HAVE_CHROMIUM, chromiumSuite, launchChromium } from '../../helpers/chromium.ts';

/** A relay to `port` on 127.0.0.1 that can cut every connection through it and keep listening. */
async function cuttingRelay(port: number): Promise<{ origin: string; cut(): number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const relay = createServer((inbound) => {
    const outbound = createConnection({ host: '127.0.0.1', port });
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => {
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  relay.listen(0, '127.0.0.1');
  await once(relay, 'listening');
  return {
    origin: `http://127.0.0.1:${(relay.address() as AddressInfo).port}`,
    cut: () => {
      const n = sockets.size;
      for (const socket of sockets) socket.destroy();
      return n;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => relay.close(resolve));
    },
  };
}

const PAGE = `<!doctype html><script src="/__page/socket.io.min.js"></script><script type="module">
import { openClient } from '/__page/clients.js';
window.received = [];
window.events = [];
window.start = async (transport) => {
  const client = openClient(transport, { base: location.origin, onMessages: (room, messages) => window.received.push(...messages.map((m) => m.id)), onEvent: (type) => window.events.push(type) });
  await client.connect();
  await client.subscribe('room');
};
window.ready = true;
</script>`;

describe.skipIf(!HAVE_CHROMIUM)(chromiumSuite('the browser clients after their connections are cut'), () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => browser?.close());

  it.each(['websocket', 'socketio'] as const)('%s: reconnects by itself, subscribes again from its cursor and receives everything, in order', async (transport) => {
    const server = await spawnServer(transport, []);
    const relay = await cuttingRelay(Number(new URL(server.url).port));
    const sender = await createClient(transport, { url: server.url });
    let page: Page | undefined;
    try {
      page = await (await browser.newContext()).newPage();
      await servePageFiles(page, relay.origin, '/__page/', PAGE);
      await page.goto(`${relay.origin}/__page/`);
      await page.waitForFunction(() => (globalThis as { ready?: boolean }).ready === true);
      await page.evaluate((t) => (globalThis as unknown as { start(t: string): Promise<void> }).start(t), transport);
      await sender.connect();
      const received = () => page?.evaluate(() => (globalThis as unknown as { received: string[] }).received) ?? Promise.resolve([]);
      await sender.send('room', { id: 'before', from: 'sender', body: 'b' });
      await expect.poll(received, { timeout: 10_000 }).toEqual(['before']);
      expect(relay.cut()).toBeGreaterThan(0);
      // Posted while the page is away: it gets them when it subscribes again from its cursor.
      await sender.send('room', { id: 'away-1', from: 'sender', body: 'b' });
      await sender.send('room', { id: 'away-2', from: 'sender', body: 'b' });
      const events = () => page?.evaluate(() => (globalThis as unknown as { events: string[] }).events) ?? Promise.resolve([]);
      await expect.poll(events, { timeout: 15_000 }).toContain('reconnect');
      await sender.send('room', { id: 'after', from: 'sender', body: 'b' });
      await expect.poll(received, { timeout: 15_000 }).toEqual(['before', 'away-1', 'away-2', 'after']);
    } finally {
      await page?.close();
      await sender.close();
      await relay.close();
      await server.stop();
    }
  }, 60_000);
});
