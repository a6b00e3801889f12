/**
 * `npm run docs:demo-screenshot`: the README's picture of `npm run demo`, taken as a newcomer would
 * see the page ten seconds in: Debian's Chromium (playwright-core, `CHROMIUM_PATH` for another)
 * opens it, 20 simulated members join each transport, a message is typed and sent, and the page is
 * saved to docs/demo.png.
 */
import { fileURLToPath } from 'node:url';
import { startDemo } from '../cli/demo/demo-server.ts';
import { launchChromium } from '../bench/generator/chromium.ts';
import { DEMO_OPTIONS, DEMO_TRANSPORTS } from '../cli/demo/options.ts';

const OUT = fileURLToPath(new URL('./demo.png', import.meta.url));
const MEMBERS = 20;
/** How long the members chat before the picture: enough points on the chart to read. */
const CHAT_MS = 8000;

const demo = await startDemo({ port: 0, transports: DEMO_TRANSPORTS, pollIntervalMs: DEMO_OPTIONS.pollIntervalMs.default, maxMembers: DEMO_OPTIONS.maxMembers.default, memberPostMs: DEMO_OPTIONS.memberPostMs.default });
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(demo.url);
  await page.waitForSelector('#message:enabled');
  await page.locator('#members').fill(String(MEMBERS));
  await page.waitForSelector(`body[data-members="${MEMBERS}"]`);
  await page.waitForTimeout(CHAT_MS);
  await page.locator('#message').pressSequentially('hello over every transport');
  await page.keyboard.press('Enter');
  for (const transport of DEMO_TRANSPORTS) await page.waitForSelector(`.lane[data-transport="${transport}"][data-delivered="1"]`);
  // The next reading of the running figures, a second on.
  await page.waitForTimeout(1000);
  await page.screenshot({ path: OUT, fullPage: true });
  console.log(`wrote ${OUT}`);
} finally {
  await browser.close();
  await demo.close();
}
