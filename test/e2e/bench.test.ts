/**
 * A tiny real benchmark of all four transports, end to end: servers and generators in their own
 * processes, real sockets, real time. Asserts the invariants the harness exists to show, with
 * tolerances named and explained; and the command line's behaviour around it.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RESULTS_SCHEMA_VERSION, type BenchResults, type Scenario, type TrialResult } from '../../bench/model/results.ts';
import type { RunSummary } from '../../bench/run/summary.ts';
import { createChatServer, RoomLog, type ChatServer } from '../../servers/index.ts';
import { TRANSPORTS, TRANSPORT_INFO } from '../../servers/contract/index.ts';
import type { RunOutcome } from '../../bench/run/run.ts';
import { runTinyInParts, trialOf } from '../helpers/runs.ts';
import { liveChildren } from '../../bench/run/spawn.ts';
import { bench, exitOf } from '../helpers/bench-cli.ts';

const INTERVAL_MS = 200;
const DURATION_MS = 3000;
const ROOMS = 2;
const MEMBERS = 3;
const CLIENTS = ROOMS * MEMBERS;

const TINY: Scenario = {
  name: 'tiny',
  description: 'end-to-end test',
  rounds: 1,
  generators: 1,
  steps: [
    {
      label: 'tiny',
      workload: { rooms: ROOMS, members: MEMBERS, ratePerMember: 2, bodyBytes: 64, durationMs: DURATION_MS, warmupMs: 500 },
      variants: [
        { id: 'short-polling', transport: 'short-polling', pollIntervalMs: INTERVAL_MS },
        { id: 'long-polling', transport: 'long-polling', waitMs: 25_000 },
        { id: 'websocket', transport: 'websocket' },
        { id: 'sse', transport: 'sse' },
      ],
    },
  ],
};

/**
 * A poll may fall on either side of each edge of the window, and a post sent just before an edge
 * may be counted on the other side: up to two requests per client either way.
 */
const EDGE_REQUESTS_PER_CLIENT = 2;
/**
 * A short-polled message waits uniformly between 0 and one interval, so on average half of one.
 * About a hundred deliveries, correlated because one poll fetches several, put the sample mean
 * within ~15% of the true one; 30% of half an interval leaves room for a busy machine.
 */
const HALF_INTERVAL_TOLERANCE = 0.3;
/** "Within a few milliseconds at light load": p50 is about 1 ms here; 10 ms allows a loaded CI machine. */
const LIGHT_LOAD_P50_LIMIT_US = 10_000;

let outcome: RunOutcome;
const trial = (id: string): TrialResult => trialOf(outcome, id);

describe('a tiny real benchmark of all four transports', () => {
  beforeAll(async () => {
    // Two trials at a time: each spends its seconds waiting for its window, and six clients at two
    // messages a second leave the machine idle enough that a p50 stays within a few milliseconds.
    outcome = await runTinyInParts(TINY, 2);
  }, 120_000);

  it('completes and leaves no process running', () => {
    expect(outcome.status).toBe('complete');
    expect(liveChildren()).toBe(0);
  });

  it('loses, duplicates and reorders nothing on any transport', () => {
    for (const id of ['short-polling', 'long-polling', 'websocket', 'sse']) {
      const t = trial(id);
      expect(t.problems, id).toEqual([]);
      expect(t.delivery.sent, id).toBeGreaterThan(0);
      expect(t.delivery.stored, id).toBe(t.delivery.sent);
      expect(t.delivery.expected, id).toBe(t.delivery.stored * MEMBERS);
      expect(t.delivery.delivered, id).toBe(t.delivery.expected);
      expect([t.delivery.lost, t.delivery.duplicated, t.delivery.reordered], id).toEqual([0, 0, 0]);
      expect(t.latency.count, id).toBe(t.delivery.delivered);
    }
  });

  it('WebSocket makes no HTTP request after its handshake', () => {
    const t = trial('websocket');
    expect(t.wire.requests).toBe(0);
    expect(t.wire.connections).toBe(0);
    expect(t.wire.bytesRead).toBeGreaterThan(0);
  });

  it('SSE makes no request in the window but the posts: its streams opened before it', () => {
    const t = trial('sse');
    expect(Math.abs(t.wire.requests - t.delivery.sent)).toBeLessThanOrEqual(EDGE_REQUESTS_PER_CLIENT * CLIENTS);
    expect(t.wire.emptyPolls).toBe(0);
    // Streams are open before the window; posts reuse a keep-alive connection, opened once at most.
    expect(t.wire.connections).toBeLessThanOrEqual(CLIENTS);
    expect(t.wire.bytesRead).toBeGreaterThan(0);
  });

  it('short polling makes about duration ÷ interval polls per client', () => {
    const t = trial('short-polling');
    const polls = t.wire.requests - t.delivery.sent;
    const expected = CLIENTS * (DURATION_MS / INTERVAL_MS);
    expect(Math.abs(polls - expected)).toBeLessThanOrEqual(EDGE_REQUESTS_PER_CLIENT * CLIENTS);
    // Keep-alive: polls reuse a connection. A post made while the client's poll is in flight needs
    // a second one, opened once; so at most one new connection per client in the window.
    expect(t.wire.connections).toBeLessThanOrEqual(CLIENTS);
    expect(t.wire.connections).toBeLessThan(t.wire.requests / 10);
  });

  it('a short-polled message waits about half an interval on average', () => {
    const half = (INTERVAL_MS * 1000) / 2;
    expect(trial('short-polling').latency.mean).toBeGreaterThan(half * (1 - HALF_INTERVAL_TOLERANCE));
    expect(trial('short-polling').latency.mean).toBeLessThan(half * (1 + HALF_INTERVAL_TOLERANCE));
  });

  it('long polling, WebSocket and SSE deliver within a few milliseconds at light load', () => {
    expect(trial('long-polling').latency.p50).toBeLessThan(LIGHT_LOAD_P50_LIMIT_US);
    expect(trial('websocket').latency.p50).toBeLessThan(LIGHT_LOAD_P50_LIMIT_US);
    expect(trial('sse').latency.p50).toBeLessThan(LIGHT_LOAD_P50_LIMIT_US);
    // Long polling answers each waiting member and gets a new poll: about one request per delivery.
    const lp = trial('long-polling');
    expect(lp.perDelivered.requests).toBeGreaterThan(1);
  });

  it('measures the server: CPU in the window, memory per client, a series over time', () => {
    for (const id of ['short-polling', 'long-polling', 'websocket', 'sse']) {
      const t = trial(id);
      expect(t.server?.cpuUs, id).toBeGreaterThan(0);
      expect(t.server?.rssIdleBytes, id).toBeGreaterThan(0);
      expect(t.series.length, id).toBeGreaterThan(DURATION_MS / 1000);
    }
    expect(trial('long-polling').server?.heldPolls).toBeGreaterThan(0);
    expect(trial('websocket').server?.sockets).toBe(CLIENTS);
  });
});

/** --pin needs taskset (util-linux); without it the test says it was skipped. */
const HAVE_TASKSET = ['/usr/bin/taskset', '/bin/taskset'].some((p) => existsSync(p));

/** Whether any process is left in the command's process group (the group ends with its last member). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Helpers such as tsx's esbuild service exit when their parent's pipe closes, a moment after the
 * parent: wait for the group to empty. A process that keeps running fails after this bound.
 */
const GROUP_EXIT_BOUND_MS = 10_000;
async function expectGroupGone(pgid: number): Promise<void> {
  await vi.waitFor(() => expect(groupAlive(pgid)).toBe(false), { timeout: GROUP_EXIT_BOUND_MS, interval: 20 });
}

// Side by side: each command waits on its own second of load or on its start, and writes in a
// folder of its own (each run writes latest.json beside its results).
describe.concurrent('npm run bench, the command', () => {
  let dir: string;
  let scenarioFile: string;
  /** A folder of this test's own. */
  const own = (name: string): string => {
    const folder = join(dir, name);
    mkdirSync(folder);
    return folder;
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bench-e2e-'));
    scenarioFile = join(dir, 'tiny.json');
    const small: Scenario = {
      ...TINY,
      steps: [{ ...TINY.steps[0]!, workload: { ...TINY.steps[0]!.workload, durationMs: 1000, warmupMs: 200 }, variants: [TINY.steps[0]!.variants[2]!] }],
    };
    writeFileSync(scenarioFile, JSON.stringify(small));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--help names every chat transport of the registry, and runs nothing', async () => {
    const { child, stdout, stderr } = bench(['--help']);
    expect(await exitOf(child), stderr()).toBe(0);
    for (const transport of TRANSPORTS) expect(stdout()).toContain(TRANSPORT_INFO[transport].label);
    expect(stdout()).toMatch(/The chat transports: [^\n]+, [^\n]+ and [^\n]+\./);
    await expectGroupGone(child.pid!);
  }, 30_000);

  it('writes a results file and latest.json beside it, prints its path, and leaves nothing running', async () => {
    const runDir = own('run');
    const out = join(runDir, 'run.json');
    const { child, stdout, stderr } = bench(['--scenario', scenarioFile, '--skip-ceiling', '--skip-micro', '--out', out]);
    expect(await exitOf(child), stderr()).toBe(0);
    expect(stdout()).toContain(`results: ${out}`);
    const results = JSON.parse(readFileSync(out, 'utf8')) as BenchResults;
    expect(results.schemaVersion).toBe(RESULTS_SCHEMA_VERSION);
    expect(results.status).toBe('complete');
    expect(results.machine.cores).toBeGreaterThan(0);
    expect(results.config.scenario.name).toBe('tiny');
    expect(results.steps[0]?.variants[0]?.summary.ok).toBe(true);
    expect(readFileSync(join(runDir, 'latest.json'), 'utf8')).toBe(readFileSync(out, 'utf8'));
    // The report beside it, and a stable copy of the newest beside latest.json.
    expect(stdout()).toContain(`report: ${join(runDir, 'run.html')}`);
    expect(readFileSync(join(runDir, 'latest.html'), 'utf8')).toBe(readFileSync(join(runDir, 'run.html'), 'utf8'));
    // A custom scenario runs no ceilings or micro-benchmarks unless it asks for them.
    expect(results.config.scenario).toMatchObject({ ceilings: false, micro: false });
    expect([results.ceilings, results.micro]).toEqual([[], []]);
    // CI (not a terminal): one line per step, nothing that rewrites itself.
    expect(stderr()).not.toContain('\r');
    await expectGroupGone(child.pid!);
  }, 60_000);

  it('prints the results JSON with --json, progress on stderr only, and a JSON summary with --summary-out', async () => {
    const jsonDir = own('json');
    const out = join(jsonDir, 'json.json');
    const summaryFile = join(jsonDir, 'summary.json');
    const { child, stdout, stderr } = bench(['--scenario', scenarioFile, '--out', out, '--json', '--summary-out', summaryFile]);
    expect(await exitOf(child), stderr()).toBe(0);
    const printed = JSON.parse(stdout()) as BenchResults;
    expect(printed.steps[0]?.step.label).toBe('tiny');
    expect(stderr()).toContain('» 1 step × 1 transport × 1 round = 1 trial');
    // The summary file is JSON and nothing else, and says what the results file says.
    const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as RunSummary;
    const written = JSON.parse(readFileSync(out, 'utf8')) as BenchResults;
    const variant = written.steps[0]?.variants[0];
    expect(summary).toMatchObject({ schemaVersion: RESULTS_SCHEMA_VERSION, status: 'complete', scenario: 'tiny', results: out, report: join(jsonDir, 'json.html') });
    expect(summary.variants).toHaveLength(1);
    expect(summary.variants[0]).toMatchObject({ step: 'tiny', variant: 'websocket', runs: 'websocket', ok: true, lost: 0 });
    expect(summary.variants[0]?.medians['latency.p50']).toBe(variant?.summary.figures['latency.p50'].median);
    expect(summary.variants[0]?.medians['server.cpuShare']).toBe(variant?.summary.figures['server.cpuShare'].median);
    expect(summary.targets).toEqual(written.targets);
  }, 60_000);

  it('stops on Ctrl-C: keeps what was measured, exits 130, leaves nothing running', async () => {
    const out = join(own('interrupted'), 'interrupted.json');
    const { child, stderr } = bench(['--scenario', scenarioFile, '--skip-ceiling', '--skip-micro', '--rounds', '5', '--out', out]);
    // Wait until the second trial starts: the first one was measured and must be kept.
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (stderr().includes('[2/5]')) resolve();
      };
      child.stderr?.on('data', check);
    });
    process.kill(child.pid!, 'SIGINT');
    expect(await exitOf(child)).toBe(130);
    const results = JSON.parse(readFileSync(out, 'utf8')) as BenchResults;
    expect(results.status).toBe('interrupted');
    expect(results.steps[0]?.variants[0]?.trials.length).toBeGreaterThanOrEqual(1);
    await expectGroupGone(child.pid!);
  }, 60_000);

  it.skipIf(!HAVE_TASKSET)('runs with --pin: servers and generators started under taskset', async () => {
    const out = join(own('pinned'), 'pinned.json');
    const { child, stderr } = bench(['--scenario', scenarioFile, '--skip-ceiling', '--skip-micro', '--pin', '--out', out]);
    expect(await exitOf(child), stderr()).toBe(0);
    const results = JSON.parse(readFileSync(out, 'utf8')) as BenchResults;
    expect(results.config.options.pin).toBe(true);
    expect(results.steps[0]?.variants[0]?.summary.ok).toBe(true);
    await expectGroupGone(child.pid!);
  }, 60_000);

  it.each([
    [['--rounds', '0'], '--rounds must be an integer from 1 to 100'],
    [['--scenario', 'nope'], 'unknown scenario "nope"'],
    [['--transports', 'carrier-pigeon'], 'unknown transport "carrier-pigeon"'],
    [['--rate', 'fast'], '--rate must be a number'],
    [['--rate', '-1'], '--rate must be a number from 0.0001 to 1000, got "-1"'],
    [['--target', 'http://example.com', '--transports', 'websocket'], '--target "http://example.com" must be on this machine'],
    [['--target', 'http://127.0.0.1:1'], '--target needs --transports'],
    [['--token', 'secret'], '--token is for --target'],
    [['--target-pid', '1'], '--target-pid is for --target'],
    [['--quick', '--ci'], '--quick and --ci are two presets'],
    [['--frobnicate'], "Unknown option '--frobnicate'"],
  ])('refuses %j with a message naming it, and writes nothing', async (args, message) => {
    const out = join(own(`never-${args.join('')}`.replace(/\W/g, '_')), 'never.json');
    const { child, stderr } = bench([...args, '--out', out]);
    expect(await exitOf(child)).toBe(2);
    expect(stderr()).toContain(message);
    expect(existsSync(out)).toBe(false);
  });
});

describe('npm run bench -- --target: servers the bench did not start', () => {
  const TOKEN = 'e2e-token';
  const logs = { websocket: new RoomLog({ historySize: 1000 }), 'short-polling': new RoomLog({ historySize: 1000 }) };
  const servers: ChatServer[] = [];
  const urls: Record<string, string> = {};
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bench-target-'));
    for (const transport of ['websocket', 'short-polling'] as const) {
      const server = await createChatServer(transport, { port: 0, token: TOKEN }, logs[transport]);
      servers.push(server);
      urls[transport] = await server.listen();
    }
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the workload against them with the token, and marks their CPU and memory not measured', async () => {
    const scenarioFile = join(dir, 'two.json');
    const two: Scenario = {
      ...TINY,
      steps: [{ ...TINY.steps[0]!, workload: { ...TINY.steps[0]!.workload, durationMs: 1000, warmupMs: 200 }, variants: [TINY.steps[0]!.variants[2]!, { id: 'short-polling', transport: 'short-polling' }] }],
    };
    writeFileSync(scenarioFile, JSON.stringify(two));
    const out = join(dir, 'target.json');
    const { child, stderr } = bench([
      '--scenario', scenarioFile, '--out', out,
      '--target', `${urls.websocket},${urls['short-polling']}`, '--transports', 'websocket,short-polling', '--token', TOKEN,
    ]);
    expect(await exitOf(child), stderr()).toBe(0);
    const results = JSON.parse(readFileSync(out, 'utf8')) as BenchResults;
    expect(results.status).toBe('complete');
    expect(results.config.target).toEqual({ urls: { websocket: urls.websocket, 'short-polling': urls['short-polling'] }, token: true });
    // The token is used, never written.
    expect(readFileSync(out, 'utf8')).not.toContain(TOKEN);
    expect(stderr()).toContain('short-polling (every 1000 ms)');
    for (const transport of ['websocket', 'short-polling'] as const) {
      const v = results.steps[0]?.variants.find((x) => x.variant.transport === transport);
      const t = v?.trials[0];
      expect(t?.problems, transport).toEqual([]);
      expect(t?.delivery.delivered, transport).toBeGreaterThan(0);
      expect(t?.delivery.delivered, transport).toBe(t?.delivery.expected);
      expect(t?.server, transport).toBeNull();
      expect(t?.serverNotMeasured, transport).toContain('--target');
      expect(v?.summary.notMeasured, transport).toContain('server.cpuShare');
      // The load went to this test's server: its rooms, one per room of the workload.
      expect(logs[transport].size, transport).toBe(ROOMS);
    }
    expect(stderr()).toContain('server cpu/memory not measured');
  }, 60_000);
});

describe.concurrent('npm run bench -- --target URL --target-pid PID: a server started separately, read from /proc', () => {
  const SERVER_MAIN = new URL('../../servers/main.ts', import.meta.url).pathname;
  let server: ReturnType<typeof spawn>;
  let url: string;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bench-target-pid-'));
    // Its own process, as a server in another language would be: the bench knows only its URL and pid.
    server = spawn(process.execPath, ['--import', 'tsx', SERVER_MAIN, '--transport', 'websocket', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '' } });
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      server.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve((m[1] as string).replace(/\/$/, ''));
      });
      server.once('exit', (code) => reject(new Error(`the server exited (${String(code)}) before listening: ${out}`)));
    });
  }, 30_000);
  afterAll(async () => {
    if (server.exitCode === null) {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('measures its CPU share, CPU per message and RSS, and marks heap, event-loop delay and connections not measured', async () => {
    const scenarioFile = join(dir, 'one.json');
    const one: Scenario = { ...TINY, steps: [{ ...TINY.steps[0]!, workload: { ...TINY.steps[0]!.workload, durationMs: 1000, warmupMs: 200 }, variants: [TINY.steps[0]!.variants[2]!] }] };
    writeFileSync(scenarioFile, JSON.stringify(one));
    const out = join(dir, 'pid.json');
    const pid = server.pid!;
    const { child, stderr } = bench(['--scenario', scenarioFile, '--out', out, '--target', url, '--transports', 'websocket', '--target-pid', String(pid)]);
    expect(await exitOf(child), stderr()).toBe(0);
    const results = JSON.parse(readFileSync(out, 'utf8')) as BenchResults;
    expect(results.config.target?.pids).toEqual({ websocket: pid });
    const v = results.steps[0]?.variants[0];
    const t = v?.trials[0];
    expect(t?.problems).toEqual([]);
    expect(t?.serverNotMeasured).toBeUndefined();
    expect(t?.server).toMatchObject({ source: 'proc', heapUsedWindowBytes: null, perClientHeapBytes: null, eventLoopDelay: null });
    expect(t?.server?.notMeasured).toContain('heap, event-loop delay');
    expect(t?.server?.cpuShare).toBeGreaterThan(0);
    expect(t?.server?.rssWindowBytes).toBeGreaterThan(0);
    expect(t?.perDelivered.serverCpuUs).toBeGreaterThan(0);
    expect(v?.summary.notMeasured).toEqual(['server.connectionsPerClient', 'server.perClientHeapBytes', 'server.eventLoopDelay.p99']);
    expect(v?.summary.figures['server.cpuShare'].median).toBeGreaterThan(0);
    expect(stderr()).toContain(`CPU and RSS read from /proc of pid ${pid}, heap, event-loop delay and connections not measured`);
  }, 60_000);

  it('refuses a server whose /healthz names another transport than --transports, before any trial', async () => {
    const never = join(dir, 'mismatch.json');
    const { child, stderr } = bench(['--target', url, '--transports', 'short-polling', '--out', never]);
    expect(await exitOf(child)).toBe(2);
    expect(stderr()).toContain(`error: --target ${url} serves websocket, by its GET /healthz, not short-polling as --transports says; nothing was run.`);
    expect(existsSync(never)).toBe(false);
  });

  it.each([
    [['--target-pid', 'abc'], '--target-pid "abc" is not a process id'],
    [['--target-pid', '999999999'], '--target-pid 999999999: no such process'],
    [['--target-pid', '1,2'], '--target-pid gives 2 process id(s) for 1 --target URL(s)'],
  ])('refuses %j with a message naming it', async (args, message) => {
    const { child, stderr } = bench(['--target', url, '--transports', 'websocket', ...args, '--out', join(dir, 'never.json')]);
    expect(await exitOf(child)).toBe(2);
    expect(stderr()).toContain(message);
  });
});
