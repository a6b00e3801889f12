/**
 * A tiny real capacity run through the command line: short polling every 500 ms cannot meet a
 * 250 ms p99 (a message waits up to a whole interval), so its first step fails on latency;
 * WebSocket on one and two rooms of 4 normally passes both steps up to the cap. The results hold
 * every step tried with its rounds, the last pass, the first fail and a named reason, and the
 * summary and the report show them. Bad capacity options are refused with a message naming them.
 *
 * A step this small can still be judged generator-bound on a busy shared machine (one send in a
 * hundred leaving 10 ms late is enough): the WebSocket test then checks that the failure is named
 * and the search stopped as it should, instead of failing on the machine's noise.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESULTS_SCHEMA_VERSION, type BenchResults, type CapacityResult } from '../../../bench/model/results.ts';
import { stopOf } from '../../../bench/model/capacity-words.ts';
import { bench, exitOf } from '../../helpers/bench-cli.ts';

/** Short polling's interval: twice the SLO, so its p99 is past the SLO whatever the load. */
const POLL_INTERVAL_MS = 500;
const SLO_MS = 250;
const MEMBERS = 4;

describe('npm run bench -- --scenario capacity (tiny)', () => {
  let dir: string;
  let results: BenchResults;
  let stderr = '';
  let code: number | null;
  const search = (transport: string): CapacityResult => {
    const found = results.capacity?.find((c) => c.variant.transport === transport);
    if (!found) throw new Error(`no capacity search for ${transport}`);
    return found;
  };

  // Fewer than the start when its first step failed on latency alone; no figure when the generator
  // was also the bottleneck there (then the step could not be judged).
  const shortFigure = (): string => (stopOf(search('short-polling').cause) === 'failed' ? `< ${MEMBERS}` : '–');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bench-capacity-'));
    const run = bench([
      '--scenario', 'capacity', '--quick',
      '--transports', 'short-polling,websocket',
      '--poll-interval-ms', String(POLL_INTERVAL_MS),
      '--slo-ms', String(SLO_MS),
      '--members', String(MEMBERS), '--rate', '5',
      '--capacity-start', String(MEMBERS), '--capacity-max', String(2 * MEMBERS),
      '--duration-ms', '1500', '--warmup-ms', '500',
      '--out', join(dir, 'capacity.json'),
    ]);
    code = await exitOf(run.child);
    stderr = run.stderr();
    results = JSON.parse(readFileSync(join(dir, 'capacity.json'), 'utf8')) as BenchResults;
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('completes, and writes the searches in the current schema instead of fixed steps', () => {
    expect(code, stderr).toBe(0);
    expect(results.schemaVersion).toBe(RESULTS_SCHEMA_VERSION);
    expect(results.status).toBe('complete');
    expect(results.steps).toEqual([]);
    expect(results.config.scenario.capacity).toEqual({ sloMs: SLO_MS, startClients: MEMBERS, maxClients: 2 * MEMBERS, resolution: 1, factor: 2 });
    expect(results.capacity?.map((c) => c.variant.id)).toEqual(['short-polling', 'websocket']);
  });

  it('names what failed: short polling fails its first step on latency, with its p99 against the SLO', () => {
    const c = search('short-polling');
    expect(c.variant.pollIntervalMs).toBe(POLL_INTERVAL_MS);
    expect(c).toMatchObject({ lastPass: null, firstFail: MEMBERS, stop: 'below-start' });
    expect(c.steps).toHaveLength(1);
    expect(c.cause.map((f) => f.kind)).toContain('latency');
    expect(c.cause.find((f) => f.kind === 'latency')?.detail).toMatch(new RegExp(`^p99 [\\d.]+ ms > SLO ${SLO_MS} ms$`));
    const p99 = c.steps[0]?.result?.summary.latency.p99 ?? 0;
    expect(p99).toBeGreaterThan(SLO_MS * 1000);
  });

  it('keeps every step WebSocket tried with its round; passing to the cap, it stops there as a lower bound', () => {
    const c = search('websocket');
    expect(c.steps.length).toBeGreaterThan(0);
    expect(c.steps[0]?.clients).toBe(MEMBERS);
    for (const step of c.steps) {
      expect(step.result?.trials).toHaveLength(1);
      expect(step.result?.trials[0]?.clients).toBe(step.clients);
      if (step.pass) {
        expect(step.failures).toEqual([]);
        expect(step.result?.summary.ok).toBe(true);
        expect(step.result?.summary.latency.p99).toBeLessThanOrEqual(SLO_MS * 1000);
      } else {
        // A failure always says what failed, with its figure.
        expect(step.failures.length).toBeGreaterThan(0);
        for (const f of step.failures) {
          expect(['latency', 'loss', 'server-cpu', 'fd-limit', 'generator', 'error']).toContain(f.kind);
          expect(f.detail.length).toBeGreaterThan(0);
        }
      }
    }
    if (c.steps.every((s) => s.pass)) {
      expect(c.steps.map((s) => [s.clients, s.phase])).toEqual([
        [MEMBERS, 'up'],
        [2 * MEMBERS, 'up'],
      ]);
      expect(c).toMatchObject({ lastPass: 2 * MEMBERS, firstFail: null, cause: [], stop: 'max-clients' });
    } else {
      const failed = c.steps.find((s) => !s.pass);
      expect(c.firstFail).toBe(failed?.clients);
      expect(c.cause).toEqual(failed?.failures);
      expect(c.stop).toBe(c.lastPass === null ? 'below-start' : stopOf(c.cause));
    }
  });

  it('prints a line per step while it searches, and the capacity table at the end', () => {
    expect(stderr).toMatch(/short-polling: 4 clients… FAIL (.+; )?latency \(p99 [\d.]+ ms > SLO 250 ms\)/);
    expect(stderr).toMatch(/websocket: 4 clients… (pass|FAIL [a-z-]+ \(.+\)) · p99 [\d.]+ (µs|ms)/);
    expect(stderr).toContain('capacity (clients with p99 ≤ 250 ms, nothing lost, the generator not the bottleneck)');
    expect(stderr).toMatch(new RegExp(`short-polling \\(every 500 ms\\)\\s+│\\s+${shortFigure()} │`));
  });

  it('writes a report with the capacity section, its chart and the projection', () => {
    const page = readFileSync(join(dir, 'capacity.html'), 'utf8');
    expect(page).toContain('<section id="capacity">');
    expect(page).toContain(`<tr data-transport="short-polling"><th scope="row">short polling (every 500 ms)</th><td class="capacity">${shortFigure().replace('<', '&lt;')}</td>`);
    expect(page).toContain('<canvas id="capacity-p99" data-chart>');
    expect(page).toContain('<section id="projection">');
  });
});

describe('npm run bench -- capacity options', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bench-capacity-options-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    [['--slo-ms', '100'], '--slo-ms is for --scenario capacity; scenario default runs fixed steps'],
    [['--scenario', 'scale', '--capacity-max', '100'], '--capacity-max is for --scenario capacity; scenario scale runs fixed steps'],
    [['--scenario', 'capacity', '--slo-ms', '0'], '--slo-ms must be an integer from 1 to 60000, got "0"'],
    [['--scenario', 'capacity', '--rooms', '3'], '--rooms cannot be used with scenario capacity'],
    [['--scenario', 'capacity', '--capacity-start', '500', '--capacity-max', '100'], '--capacity-max 100 is below --capacity-start 500'],
    [['--scenario', 'capacity', '--capacity-start', '5'], '--capacity-start 5 is less than one room of 10 members (--members)'],
    [['--scenario', 'capacity', '--capacity-resolution', '0'], '--capacity-resolution must be an integer from 1 to 100, got "0"'],
  ])('refuses %j with a message naming it, and writes nothing', async (args, message) => {
    const out = join(dir, 'never.json');
    const run = bench([...args, '--out', out]);
    expect(await exitOf(run.child)).toBe(2);
    expect(run.stderr()).toContain(message);
    expect(existsSync(out)).toBe(false);
  });
});
