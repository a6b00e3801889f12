/**
 * The report in a real browser: Debian's Chromium driven by playwright-core opens reports rendered
 * from the hand-written fixture and from a real (tiny) benchmark run, and checks that the page works
 * offline: no console error, no request leaving the file, every chart drawn, the verdict there,
 * the verdict sentence at the top as made from the figures, no "not meaningful" figure shown as a
 * number, and log axes drawing only the gridlines their captions name.
 * Screenshots are kept in test-artifacts/. Without Chromium the suite says it was skipped, and why.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, chromiumSuite, launchChromium } from '../../helpers/chromium.ts';
import type { BenchResults, Scenario } from '../../../bench/model/results.ts';
import { runBench } from '../../../bench/run/run.ts';
import { describeMachine } from '../../../bench/run/machine.ts';
import { checkTargets } from '../../../bench/run/targets.ts';
import { loadAssets } from '../../../report/assets.ts';
import { renderReport } from '../../../report/render.ts';
import { headline } from '../../../report/verdict.ts';
import { projectionInputs, projectionTable } from '../../../report/projection.ts';
import { defaultStep, results } from '../../report/fixture.ts';

const ARTIFACTS = new URL('../../../test-artifacts/', import.meta.url).pathname;
/** A drawn chart colours far more than this many pixels; an empty canvas colours none. */
const MIN_DRAWN_PIXELS = 500;

const TINY: Scenario = {
  name: 'tiny-report',
  description: 'a tiny real run for the report test',
  rounds: 2,
  generators: 1,
  steps: [
    {
      label: 'tiny real run',
      workload: { rooms: 2, members: 3, ratePerMember: 2, bodyBytes: 64, durationMs: 1500, warmupMs: 300 },
      variants: [
        { id: 'short-polling', transport: 'short-polling', pollIntervalMs: 200 },
        { id: 'long-polling', transport: 'long-polling', waitMs: 25_000 },
        { id: 'websocket', transport: 'websocket' },
        { id: 'raw-ws', transport: 'raw-ws' },
      ],
    },
  ],
};

interface PageCheck {
  readonly consoleErrors: string[];
  readonly external: string[];
  readonly charts: { id: string; drawn: number }[];
  readonly verdict: string;
  /** The text of the verdict sentence at the top of the page. */
  readonly headline: string;
  /** Every cell of a figure marked not meaningful: what it shows as the value, and its whole text. */
  readonly notMeaningful: { figure: string; value: string; text: string }[];
  /** The tick values of each logarithmic axis, with the gridlines its chart promises. */
  readonly logTicks: { chart: string; axis: string; grid: string; values: number[] }[];
}



async function openReport(browser: Browser, value: BenchResults, name: string): Promise<PageCheck> {
  const dir = mkdtempSync(join(tmpdir(), 'report-browser-'));
  try {
    const file = join(dir, `${name}.html`);
    writeFileSync(file, renderReport(value, loadAssets()));
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const consoleErrors: string[] = [];
    const external: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith('file:') && !url.startsWith('data:')) external.push(url);
    });
    await page.goto(pathToFileURL(file).toString());
    await page.waitForSelector('body[data-charts-ready]');
    const charts = await page.$$eval('canvas[data-chart]', (canvases) =>
      canvases.map((canvas) => {
        // The project's TypeScript has no DOM library: describe the little of a canvas used here.
        const c = canvas as unknown as {
          id: string;
          width: number;
          height: number;
          getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
        };
        const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data;
        let drawn = 0;
        if (data) for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) drawn++;
        return { id: c.id, drawn };
      }),
    );
    const verdict = (await page.textContent('#verdict')) ?? '';
    const headlineText = (await page.textContent('#headline')) ?? '';
    const notMeaningful = await page.$$eval('td[data-caveat="not meaningful"]', (cells) =>
      cells.map((cell) => {
        const c = cell as unknown as { getAttribute(name: string): string | null; textContent: string | null; querySelector(s: string): { textContent: string | null } | null };
        return { figure: c.getAttribute('data-figure') ?? '', value: c.querySelector('.value')?.textContent ?? '', text: c.textContent ?? '' };
      }),
    );
    const logTicks = await page.evaluate(() => {
      // The page's own chart specs say which axes are logarithmic and which gridlines they promise.
      const w = globalThis as unknown as {
        document: { getElementById(id: string): { textContent: string | null } | null };
        Chart: { getChart(id: string): { scales: Record<string, { ticks: { value: number }[] }> } | undefined };
      };
      const page = JSON.parse(w.document.getElementById('chart-specs')?.textContent ?? '{}') as { charts: { id: string; logGrid: Record<string, string> }[] };
      return page.charts.flatMap((spec) =>
        Object.entries(spec.logGrid).map(([axis, grid]) => ({ chart: spec.id, axis, grid, values: w.Chart.getChart(spec.id)?.scales[axis]?.ticks.map((t) => t.value) ?? [] })),
      );
    });
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    await page.close();
    return { consoleErrors, external, charts, verdict, headline: headlineText, notMeaningful, logTicks };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function expectWorkingPage(check: PageCheck, minCharts: number): void {
  expect(check.consoleErrors).toEqual([]);
  expect(check.external).toEqual([]);
  expect(check.charts.length).toBeGreaterThanOrEqual(minCharts);
  for (const chart of check.charts) expect(chart.drawn, `chart ${chart.id} is blank`).toBeGreaterThan(MIN_DRAWN_PIXELS);
  expect(check.verdict).toContain('Fastest delivery (p50)');
  // Fewer than 1,000 clients: RSS per client is marked not meaningful in every column, never a number.
  expect(check.notMeaningful.length).toBeGreaterThan(0);
  for (const cell of check.notMeaningful) {
    expect(cell.figure).toBe('server.perClientRssBytes');
    expect(cell.value).toBe('–');
    // The whole cell is the dash and the note: no figure beside them.
    expect(cell.text).toMatch(/^–not meaningful at [\d,]+ clients$/);
  }
  // A log axis draws only the gridlines its caption names: powers of ten, or 1, 2 and 5 times them.
  expect(check.logTicks.length).toBeGreaterThan(0);
  for (const axis of check.logTicks) {
    expect(axis.values.length, `${axis.chart} ${axis.axis}`).toBeGreaterThanOrEqual(2);
    for (const value of axis.values) {
      const mantissa = Number((value / 10 ** Math.floor(Math.log10(value) + 1e-9)).toPrecision(6));
      expect(axis.grid === 'decades' ? [1] : [1, 2, 5], `${axis.chart} ${axis.axis}: ${value}`).toContain(mantissa);
    }
  }
}

const title = chromiumSuite('the report in Chromium');

describe.skipIf(!HAVE_CHROMIUM)(title, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('renders the hand-written fixture: every chart drawn, no error, no request out', async () => {
    const fixture = results([defaultStep({ wsOk: false })]);
    const check = await openReport(browser, fixture, 'report-fixture');
    expectWorkingPage(check, 5);
    expect(check.verdict).toContain('long polling');
    // The verdict sentence at the top is the one made from the figures, as a reader sees it.
    expect(check.headline).toBe(headline(fixture));
    expect(check.headline).toMatch(/^Long polling \(wait 25 s\) delivered fastest \(p50 1\.20 ms, p99 6\.00 ms\);/);
    expect(check.headline).toContain('WebSocket (lost or failed) is left out');
  });

  it('updates the projection table when the reader changes an input, with the same arithmetic as the report, and names a bad input', async () => {
    const fixture = results([defaultStep()]);
    const dir = mkdtempSync(join(tmpdir(), 'report-projection-'));
    try {
      const file = join(dir, 'projection.html');
      writeFileSync(file, renderReport(fixture, loadAssets()));
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(pathToFileURL(file).toString());
      await page.waitForSelector('body[data-charts-ready]');
      const cells = (): Promise<string[][]> =>
        page.$$eval('#projection-rows tr', (rows) =>
          rows.map((row) => {
            const r = row as unknown as { querySelectorAll(s: string): ArrayLike<{ textContent: string | null }> };
            return Array.from(r.querySelectorAll('td.proj-cell .value')).map((c) => c.textContent ?? '');
          }),
        );
      const texts = (users: number, roomSize: number, rate: number): string[][] =>
        projectionTable({ users, roomSize, messagesPerUserPerMinute: rate }, projectionInputs(fixture)).rows.map((r) => r.cells.map((c) => c.text));
      expect(await cells()).toEqual(texts(1_000_000, 10, 1));
      await page.fill('#projection-users', '3000000');
      await page.fill('#projection-rate', '2');
      await page.waitForSelector('body[data-projection-updates="2"]');
      const updated = await cells();
      expect(updated).toEqual(texts(3_000_000, 10, 2));
      expect(updated).not.toEqual(texts(1_000_000, 10, 1));
      // 3,000,000 users × 2 a minute ÷ 60 × 10 = 1,000,000 deliveries/s × 90 µs of server CPU each.
      expect(updated[0]?.[0]).toBe('90 cores');
      expect(await page.textContent('#projection-totals')).toBe('3,000,000 users × 2 messages/min ÷ 60 = 100,000 messages/s; × 10 members per room = 1,000,000 deliveries/s');
      // RSS per client at 100 clients is not meaningful: never projected, whatever the inputs.
      expect(updated.every((row) => row[1] === 'cannot project')).toBe(true);
      await page.fill('#projection-room', '0');
      await expect.poll(() => page.isVisible('#projection-error')).toBe(true);
      expect(await page.textContent('#projection-error')).toBe('room size must be a whole number from 1 to the users (3000000), got 0');
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('renders a real run: every chart drawn, no error, no request out', async () => {
    const outcome = await runBench(
      { scenario: TINY, seed: 3, pin: false, micro: { timeMs: 10 }, ceiling: { durationMs: 300, warmupMs: 100, connections: 10, rounds: 1 } },
      () => undefined,
    );
    const real: BenchResults = {
      schemaVersion: 4,
      tool: { name: 'chat-transport-bench', version: 'test' },
      machine: describeMachine(),
      startedAt: new Date().toISOString(),
      finishedAt: new Date().toISOString(),
      status: outcome.status,
      config: { scenario: TINY, options: {}, argv: [] },
      steps: outcome.steps,
      ceilings: outcome.ceilings,
      micro: outcome.micro,
      targets: checkTargets(outcome.steps, outcome.ceilings),
      warnings: outcome.warnings,
    };
    expect(real.status).toBe('complete');
    const check = await openReport(browser, real, 'report-real-run');
    expectWorkingPage(check, 5);
    expect(check.headline).toBe(headline(real));
    // Whoever won on this machine, the sentence names a transport and a figure, or says why it cannot.
    expect(check.headline).toMatch(/(delivered (fastest|equally fast)|no verdict)/);
  }, 120_000);
});
