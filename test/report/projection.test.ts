/**
 * The projection's arithmetic (report/projection.js, the script the page runs) with exact numbers,
 * its text, what it refuses to project, and which step of a run it rests on.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_DEPLOYMENT, busiestServer, project, projectionInputs, projectionLeftOut, projectionTable, type MeasuredTransport } from '../../report/projection.ts';
import type { CapacityResult, Scenario, VariantResult } from '../../bench/model/results.ts';
import { loadAssets } from '../../report/assets.ts';
import { renderReport } from '../../report/render.ts';
import { defaultStep, results } from './fixture.ts';

const spread = (median: number, min = median, max = median) => ({ median, min, max });

const LONG_POLLING: MeasuredTransport = {
  transport: 'long-polling',
  name: 'long polling (wait 25 s)',
  basis: '5,000 clients, the last passing step of its capacity search (2 rounds)',
  clients: 5000,
  members: 10,
  ratePerMember: 0.1,
  http: true,
  figures: { cpuUsPerDelivery: spread(15, 10, 20), rssPerClient: spread(12_000), requestsPerDelivery: spread(1.25), bytesPerDelivery: spread(300, 250, 400) },
  missing: {},
};
const WEBSOCKET: MeasuredTransport = {
  ...LONG_POLLING,
  transport: 'websocket',
  name: 'WebSocket',
  basis: '100 clients, step “default”',
  clients: 100,
  http: false,
  figures: { ...LONG_POLLING.figures, rssPerClient: null },
  missing: { rssPerClient: 'RSS per client is not meaningful below 1,000 clients (this step had 100)' },
};

describe('project', () => {
  it('scales per-delivery figures by deliveries per second and per-client memory by users, with the range across rounds', () => {
    // 600,000 users × 1 message a minute = 10,000 messages/s; rooms of 10 = 100,000 deliveries/s.
    const p = project({ users: 600_000, roomSize: 10, messagesPerUserPerMinute: 1 }, [LONG_POLLING]);
    expect(p.messagesPerSecond).toBe(10_000);
    expect(p.deliveriesPerSecond).toBe(100_000);
    expect(p.rows).toEqual([
      {
        transport: 'long-polling',
        cores: { value: 1.5, low: 1, high: 2, per: 15 },
        memoryBytes: { value: 7_200_000_000, low: 7_200_000_000, high: 7_200_000_000, per: 12_000 },
        requestsPerSecond: { value: 125_000, low: 125_000, high: 125_000, per: 1.25 },
        bytesPerSecond: { value: 30_000_000, low: 25_000_000, high: 40_000_000, per: 300 },
      },
    ]);
  });

  it('projects nothing it did not measure: a missing figure is null, not zero', () => {
    const p = project(DEFAULT_DEPLOYMENT, [WEBSOCKET]);
    expect(p.rows[0]?.memoryBytes).toBeNull();
    expect(p.rows[0]?.cores).not.toBeNull();
  });

  it.each([
    [{ users: 0 }, /users must be a whole number from 1 to 10,000,000,000, got 0/],
    [{ users: 1.5 }, /users must be a whole number/],
    [{ roomSize: 0 }, /room size must be a whole number from 1 to the users \(1000000\), got 0/],
    [{ users: 5, roomSize: 6 }, /room size must be a whole number from 1 to the users \(5\), got 6/],
    [{ messagesPerUserPerMinute: 0 }, /messages per user per minute must be a number above 0 and at most 6,000, got 0/],
  ])('refuses %o, naming the field', (change, message) => {
    expect(() => project({ ...DEFAULT_DEPLOYMENT, ...change }, [LONG_POLLING])).toThrow(message);
  });
});

describe('projectionTable', () => {
  it('shows each cell with its arithmetic and range, says why a column cannot be projected, and flags a poller measured at another rate', () => {
    const t = projectionTable({ users: 600_000, roomSize: 10, messagesPerUserPerMinute: 1 }, [LONG_POLLING, WEBSOCKET]);
    expect(t.totals).toBe('600,000 users × 1 messages/min ÷ 60 = 10,000 messages/s; × 10 members per room = 100,000 deliveries/s');
    expect(t.head).toEqual(['server cores', 'server memory (connections)', 'HTTP requests/s', 'bandwidth']);
    const [lp, ws] = t.rows;
    expect(lp?.cells.map((c) => c.text)).toEqual(['1.5 cores', '6.71 GiB', '125,000 req/s', '28.6 MiB/s']);
    expect(lp?.cells[0]?.formula).toBe('100,000 deliveries/s × 15 µs of server CPU each = 1.5 cores (1 cores – 2 cores across rounds)');
    expect(lp?.cells[1]?.formula).toBe('600,000 connected clients × 11.7 KiB of RSS each = 6.71 GiB');
    expect(lp?.caveats).toEqual([
      'measured with rooms of 10 at 6 messages/min per member: a poller’s requests, bytes and CPU per delivery change with the room and the rate, so at yours these columns are a rough guide',
    ]);
    expect(ws?.cells[1]).toEqual({ text: 'cannot project', formula: 'RSS per client is not meaningful below 1,000 clients (this step had 100)', missing: true });
    expect(ws?.caveats).toEqual([]);
    // At the measured room and rate, no caveat.
    expect(projectionTable({ users: 1000, roomSize: 10, messagesPerUserPerMinute: 6 }, [LONG_POLLING]).rows[0]?.caveats).toEqual([]);
  });
});

describe('projectionInputs', () => {
  it('rests a default run on its step, with RSS per client not meaningful at 100 clients', () => {
    const inputs = projectionInputs(results([defaultStep()]));
    expect(inputs.map((m) => m.transport)).toEqual(['short-polling', 'long-polling', 'websocket']);
    for (const m of inputs) {
      expect(m.figures.rssPerClient).toBeNull();
      expect(m.missing.rssPerClient).toMatch(/not meaningful below 1,000 clients/);
      expect(m.figures.cpuUsPerDelivery).not.toBeNull();
      expect(m.basis).toMatch(/^100 clients, step “/);
    }
  });

  it('rests a capacity run on the last passing step of each search', () => {
    const step = defaultStep();
    const ws = step.variants.find((v) => v.variant.transport === 'websocket');
    if (!ws) throw new Error('the fixture has a websocket variant');
    const big = { ...ws, trials: ws.trials.map((t) => ({ ...t, clients: 1500 })) };
    const search: CapacityResult = {
      variant: ws.variant,
      steps: [
        { clients: 1000, phase: 'up', pass: true, failures: [], result: ws },
        { clients: 1500, phase: 'up', pass: true, failures: [], result: big },
        { clients: 2250, phase: 'up', pass: false, failures: [{ kind: 'latency', detail: 'p99 300 ms > SLO 250 ms' }], result: ws },
      ],
      lastPass: 1500,
      firstFail: 2250,
      cause: [{ kind: 'latency', detail: 'p99 300 ms > SLO 250 ms' }],
      stop: 'failed',
    };
    const base = results([]);
    const scenario: Scenario = { ...base.config.scenario, steps: [{ ...step.step, workload: { ...step.step.workload, members: 10, ratePerMember: 0.1 } }] };
    const inputs = projectionInputs({ ...base, config: { ...base.config, scenario }, capacity: [search] });
    expect(inputs).toHaveLength(1);
    expect(inputs[0]).toMatchObject({ transport: 'websocket', clients: 1500, members: 10, ratePerMember: 0.1, basis: '1,500 clients, the last passing step of its capacity search (1 round)' });
    expect(inputs[0]?.figures.rssPerClient).not.toBeNull();
  });
});

describe('which transports a projection rests on', () => {
  it('keeps a transport the generator limited (its costs per message stand), and says why a transport that lost messages has no row', () => {
    const base = defaultStep();
    const [short, long, ws, raw] = base.variants as [VariantResult, VariantResult, VariantResult, VariantResult];
    const bound = { ...short, summary: { ...short.summary, generatorBound: true } };
    const lost = { ...long, summary: { ...long.summary, ok: false } };
    const run = results([{ ...base, variants: [bound, lost, ws, raw] }]);
    const measured = projectionInputs(run);
    expect(measured.map((m) => m.transport)).toEqual(['short-polling', 'websocket']);
    expect(projectionLeftOut(run, measured)).toEqual([
      { name: 'long polling (wait 25 s)', why: 'it lost or mis-delivered messages in every step it ran, so its costs are not those of a working chat' },
    ]);
    const html = renderReport(run, { ...loadAssets(), chartJs: 'window.Chart = function () {};' });
    expect(html).toContain('Not projected: <strong>long polling (wait 25 s)</strong>, because it lost or mis-delivered messages');
  });

  it("holds the cores against the servers' own measured CPU, not an assumption about Node", () => {
    const html = renderReport(results([defaultStep()]), { ...loadAssets(), chartJs: 'window.Chart = function () {};' });
    expect(html).toContain('the busiest server of this run, long polling (wait 25 s), used at most 10% of a core');
    expect(html).not.toContain('a Node server uses one core');
    expect(busiestServer(results([defaultStep()]))).toEqual({ share: 0.1, name: 'long polling (wait 25 s)' });
  });
});
