import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Scenario, Step, Variant } from '../../bench/model/results.ts';
import {
  applyOverrides,
  BENCH_TRANSPORTS,
  checkScenario,
  describeVariant,
  loadScenarioFile,
  RAW_WS_MAX_MEMBERS,
  resolveScenario,
  SCENARIOS,
  VARIANT_DEFAULTS,
  withCapacity,
  withKnobs,
} from '../../bench/run/scenarios.ts';

const NAMES = ['default', 'scale', 'interval', 'fanout', 'handshake', 'soak', 'capacity', 'scale-out', 'failover', 'lossy', 'wan', 'socketio', 'browser', 'browser-webrtc'];

function scenario(name: string): Scenario {
  const make = SCENARIOS[name];
  if (!make) throw new Error(`no scenario ${name}`);
  return make();
}

function onlyStep(s: Scenario): Step {
  expect(s.steps).toHaveLength(1);
  return s.steps[0] as Step;
}

describe('the named scenarios', () => {
  it('are the fourteen the project documents', () => {
    expect(Object.keys(SCENARIOS)).toEqual(NAMES);
  });

  it.each(NAMES)('%s passes checkScenario and has unique variant ids in every step', (name) => {
    const s = scenario(name);
    expect(s.name).toBe(name);
    expect(checkScenario(s)).toBe(s);
    expect(s.steps.length).toBeGreaterThan(0);
    for (const step of s.steps) {
      const ids = step.variants.map((v) => v.id);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  it('default runs short polling, long polling, WebSocket, SSE and raw ws on one workload', () => {
    const step = onlyStep(scenario('default'));
    expect(step.variants.map((v) => v.transport)).toEqual(['short-polling', 'long-polling', 'websocket', 'sse', 'raw-ws']);
    expect(step.workload).toEqual({ rooms: 10, members: 10, ratePerMember: 1, bodyBytes: 256, durationMs: 7000, warmupMs: 2000 });
  });

  it('handshake weighs HTTP/1.1 against HTTP/2 over TLS for long polling and SSE, each on the same workload', () => {
    const step = scenario('handshake').steps[1] as Step;
    expect(step.variants.map((v) => [v.id, v.transport, v.tls, v.http2 === true])).toEqual([
      ['long-polling/tls-http1.1', 'long-polling', true, false],
      ['long-polling/tls-http2', 'long-polling', true, true],
      ['sse/tls-http1.1', 'sse', true, false],
      ['sse/tls-http2', 'sse', true, true],
    ]);
    expect(scenario('handshake').description).toContain('long polling and SSE over TLS on HTTP/1.1 against HTTP/2');
  });

  it('scale sweeps clients as rooms × members, up to 5,000, then holds 19,000 WebSocket clients on one server', () => {
    const s = scenario('scale');
    const swept = s.steps.filter((step) => step.x);
    for (const step of swept) {
      expect(step.x?.name).toBe('clients');
      expect(step.x?.value).toBe(step.workload.rooms * step.workload.members);
    }
    expect(swept.map((step) => step.x?.value)).toEqual([100, 500, 1000, 2500, 5000]);
    // Every chat transport the comparisons run, and Socket.IO, which joins this one by name.
    for (const step of swept) expect(step.variants.map((v) => v.transport)).toEqual(['short-polling', 'long-polling', 'websocket', 'sse', 'socketio']);
    const last = s.steps.at(-1);
    expect(last?.x).toBeUndefined();
    expect(last?.variants.map((v) => v.transport)).toEqual(['websocket']);
    expect((last?.workload.rooms ?? 0) * (last?.workload.members ?? 0)).toBe(19_000);
    expect((last?.workload.members ?? 0) * (last?.workload.ratePerMember ?? 0)).toBeCloseTo(1, 9);
  });

  it('returns a fresh scenario on every call', () => {
    expect(scenario('default')).not.toBe(scenario('default'));
    expect(scenario('default')).toEqual(scenario('default'));
  });
});

describe('checkScenario', () => {
  const base = scenario('default');

  it('rejects two variants with one id in a step', () => {
    const step = onlyStep(base);
    const twice: Scenario = { ...base, steps: [{ ...step, variants: [step.variants[0]!, { id: 'short-polling', transport: 'long-polling' }] }] };
    expect(() => checkScenario(twice)).toThrow('scenario default: step 1 has two variants with id "short-polling"');
  });

  it('allows raw-ws up to RAW_WS_MAX_MEMBERS members and rejects it above', () => {
    const step = onlyStep(base);
    const at: Scenario = { ...base, steps: [{ ...step, workload: { ...step.workload, members: RAW_WS_MAX_MEMBERS } }] };
    expect(checkScenario(at)).toBe(at);
    const above: Scenario = { ...base, steps: [{ ...step, workload: { ...step.workload, members: RAW_WS_MAX_MEMBERS + 1 } }] };
    expect(() => checkScenario(above)).toThrow('scenario default: step 1 runs raw-ws with 201 members per room; at most 200');
  });
});

describe('applyOverrides', () => {
  it('replaces the duration, warm-up and rounds of every step', () => {
    const s = applyOverrides(scenario('interval'), { durationMs: 1234, warmupMs: 56, rounds: 7 });
    expect(s.rounds).toBe(7);
    expect(s.generators).toBe(1);
    expect(s.steps).toHaveLength(7);
    for (const step of s.steps) {
      expect(step.workload.durationMs).toBe(1234);
      expect(step.workload.warmupMs).toBe(56);
    }
  });

  it('leaves every figure unchanged without overrides', () => {
    expect(applyOverrides(scenario('scale'), {})).toEqual(scenario('scale'));
  });

  it('updates x.value with rooms on the steps that sweep clients, and names the change in the label', () => {
    const roomsOnly = applyOverrides(scenario('scale'), { rooms: 2 });
    expect(roomsOnly.steps.map((step) => step.x?.value)).toEqual([20, 100, 200, 500, 1000, undefined]);
    expect(roomsOnly.steps[0]?.label).toBe('10 members per room [set: 2 rooms]');
  });

  it('refuses an override of the parameter a scenario sweeps', () => {
    expect(() => applyOverrides(scenario('scale'), { members: 7 })).toThrow(/--members cannot be used with scenario scale/);
    expect(() => applyOverrides(scenario('interval'), { pollIntervalMs: 300 })).toThrow(/--poll-interval-ms cannot be used with scenario interval/);
    expect(applyOverrides(scenario('default'), { pollIntervalMs: 300 }).steps[0]?.variants[0]?.pollIntervalMs).toBe(300);
  });

  it('leaves an x that is not clients alone', () => {
    const s = applyOverrides(scenario('interval'), { rooms: 3 });
    expect(s.steps[0]?.x).toEqual({ name: 'pollIntervalMs', value: 100, unit: 'ms' });
    expect(s.steps[6]?.x).toBeUndefined();
    expect(s.steps[6]).not.toHaveProperty('x');
  });

  it('replaces the rate of every member', () => {
    const s = applyOverrides(scenario('scale'), { ratePerMember: 0.5, bodyBytes: 32 });
    expect(s.steps.map((step) => step.workload.ratePerMember)).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    expect(s.steps.map((step) => step.workload.bodyBytes)).toEqual([32, 32, 32, 32, 32, 32]);
  });

  it('sets pollIntervalMs on short-polling variants only and waitMs on long-polling variants only', () => {
    const step = onlyStep(applyOverrides(scenario('default'), { pollIntervalMs: 300, waitMs: 9000 }));
    expect(step.variants).toEqual([
      { id: 'short-polling', transport: 'short-polling', pollIntervalMs: 300 },
      { id: 'long-polling', transport: 'long-polling', waitMs: 9000 },
      { id: 'websocket', transport: 'websocket' },
      { id: 'sse', transport: 'sse' },
      { id: 'raw-ws', transport: 'raw-ws' },
    ]);
  });

  it('keeps only the variants of the transports asked for and drops steps left empty', () => {
    const s = applyOverrides(scenario('interval'), { transports: ['websocket'] });
    expect(s.steps).toHaveLength(1);
    expect(s.steps[0]?.label).toBe('the push transports (long polling, WebSocket, SSE), for reference');
    expect(s.steps[0]?.variants).toEqual([{ id: 'websocket', transport: 'websocket' }]);
  });

  it('names an unknown transport and lists the known ones', () => {
    expect(() => applyOverrides(scenario('default'), { transports: ['websocket', 'carrier-pigeon'] })).toThrow(
      `--transports: unknown transport "carrier-pigeon"; choose from ${BENCH_TRANSPORTS.join(', ')}`,
    );
  });

  it('refuses a transport the scenario does not run, naming the scenarios that do, instead of leaving it out in silence', () => {
    expect(() => applyOverrides(scenario('handshake'), { transports: ['websocket', 'raw-ws'] })).toThrow(
      /^--transports: scenario handshake does not run websocket and raw-ws; websocket runs in --scenario default, .*; raw-ws runs in --scenario default/,
    );
    expect(() => applyOverrides(scenario('interval'), { transports: ['socketio'] })).toThrow(
      '--transports: scenario interval does not run socketio; socketio runs in --scenario default, --scenario scale, --scenario capacity, --scenario failover, --scenario lossy, --scenario wan, --scenario socketio and --scenario browser',
    );
    expect(applyOverrides(scenario('socketio'), { transports: ['socketio', 'websocket'] }).steps.map((step) => step.variants.map((v) => v.id))).toEqual([
      ['socketio', 'socketio/websocket', 'socketio/polling', 'websocket'],
      ['socketio', 'socketio/redis-adapter', 'socketio/redis-streams-adapter', 'websocket'],
    ]);
  });

  it('default runs Socket.IO and WebRTC beside the others when --transports names them, and never otherwise', () => {
    const asked = onlyStep(applyOverrides(scenario('default'), { transports: ['socketio', 'websocket', 'long-polling', 'raw-ws'] }));
    expect(asked.variants.map((v) => v.id)).toEqual(['long-polling', 'websocket', 'raw-ws', 'socketio', 'socketio/websocket', 'socketio/polling']);
    expect(onlyStep(applyOverrides(scenario('default'), { transports: ['webrtc'] })).variants.map((v) => v.id)).toEqual(['webrtc']);
    const plain = onlyStep(applyOverrides(scenario('default'), {}));
    expect(plain.variants.map((v) => v.transport)).toEqual(['short-polling', 'long-polling', 'websocket', 'sse', 'raw-ws']);
    expect('onRequest' in plain, 'a run\'s step carries no onRequest').toBe(false);
  });

  it("--socketio-adapter puts Socket.IO's variants on its own Redis adapter, names it, and needs Redis", () => {
    const others = applyOverrides(scenario('failover'), { transports: ['websocket'], socketioAdapter: 'redis-streams' });
    expect(onlyStep(others).variants.map((v) => [v.id, v.adapter]), 'the other transports are left as they are').toEqual([['websocket', undefined]]);
    const failover = applyOverrides(scenario('failover'), { transports: ['socketio'], socketioAdapter: 'redis' });
    const step = onlyStep(failover);
    // The scenario's own adapter variants are left out: they would repeat these.
    expect(step.variants.map((v) => [v.id, v.adapter])).toEqual([
      ['socketio/redis-adapter', 'redis'],
      ['socketio/websocket/redis-adapter', 'redis'],
      ['socketio/polling/redis-adapter', 'redis'],
    ]);
    expect(step.label).toContain("[set: Socket.IO's redis adapter]");
    expect(() => applyOverrides(scenario('socketio'), { socketioAdapter: 'redis' })).toThrow(
      `scenario socketio: step 1, variant "socketio/redis-adapter": "adapter" is Socket.IO's way between instances on Redis`,
    );
  });

  it('--tls runs every chat transport over TLS and leaves the plain-by-design baseline out, saying so in the label', () => {
    const s = applyOverrides(scenario('default'), { tls: true });
    const step = onlyStep(s);
    expect(step.variants.map((v) => [v.transport, v.tls])).toEqual([
      ['short-polling', true],
      ['long-polling', true],
      ['websocket', true],
      ['sse', true],
    ]);
    expect(step.label).toContain('[set: over TLS]');
    expect(() => applyOverrides(scenario('default'), { tls: true, transports: ['raw-ws'] })).toThrow(
      '--transports raw-ws leaves nothing to run in scenario default (--tls runs the chat transports only)',
    );
  });

  it.each([
    [{ http2: true }, 'variant "v": "http2" needs "tls": true'],
    [{ resumeTls: false }, 'variant "v": "resumeTls" needs "tls": true'],
    [{ tls: true, http2: true, transport: 'websocket' }, 'variant "v": "http2" applies to short-polling, long-polling and sse, not websocket'],
    [{ tls: true, transport: 'raw-ws' }, 'variant "v": "tls" applies to the chat transports; the baseline raw-ws is plain by design'],
  ] as [Partial<Variant>, string][])('refuses a variant %j that no server can run, naming it', (extra, message) => {
    const variant: Variant = { id: 'v', transport: 'long-polling', ...extra };
    const base = scenario('fanout');
    expect(() => checkScenario({ ...base, steps: [{ ...(base.steps[0] as Step), variants: [variant] }] })).toThrow(message);
  });

  it('checks the result: raw-ws with too many members is refused', () => {
    expect(() => applyOverrides(scenario('default'), { members: RAW_WS_MAX_MEMBERS + 1 })).toThrow('runs raw-ws with 201 members per room');
  });
});

describe('resolveScenario', () => {
  it('returns a named scenario, saying whether it runs ceilings and micro-benchmarks', () => {
    expect(resolveScenario('fanout')).toEqual({ ...scenario('fanout'), ceilings: false, micro: false });
  });

  it('runs ceilings and micro-benchmarks in default only', () => {
    expect(resolveScenario('default')).toMatchObject({ ceilings: true, micro: true });
    for (const name of NAMES.filter((n) => n !== 'default')) expect(resolveScenario(name), name).toMatchObject({ ceilings: false, micro: false });
  });

  it('lists the named scenarios for an unknown name', () => {
    expect(() => resolveScenario('nope')).toThrow('unknown scenario "nope"; the named ones are default, scale, interval, fanout, handshake, soak, capacity, scale-out, failover, lossy, wan, socketio, browser, browser-webrtc, or give a .json file');
  });

  it('does not take an Object.prototype member for a scenario', () => {
    expect(() => resolveScenario('toString')).toThrow('unknown scenario "toString"');
  });
});

describe('loadScenarioFile', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'scenarios-test-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function file(name: string, content: unknown): string {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  }

  const WORKLOAD = { rooms: 2, members: 3, ratePerMember: 0.5, bodyBytes: 100, durationMs: 1000, warmupMs: 0 };

  function valid(variants: readonly unknown[] = [{ id: 'ws', transport: 'websocket' }]): Record<string, unknown> {
    return { name: 'mine', steps: [{ label: 'small', workload: WORKLOAD, variants }] };
  }

  it('reads a valid file, with defaults for what it leaves out', () => {
    const path = file('mine.json', valid());
    expect(loadScenarioFile(path)).toEqual({
      name: 'mine',
      description: `from ${path}`,
      rounds: 3,
      generators: 1,
      ceilings: false,
      micro: false,
      steps: [{ label: 'small', workload: WORKLOAD, variants: [{ id: 'ws', transport: 'websocket' }] }],
    });
  });

  it('fills in the poll interval and the wait a variant leaves out, so that the results show them', () => {
    const path = file('knobs.json', valid([{ id: 'sp', transport: 'short-polling' }, { id: 'lp', transport: 'long-polling' }, { id: 'sp250', transport: 'short-polling', pollIntervalMs: 250 }]));
    expect(loadScenarioFile(path).steps[0]?.variants).toEqual([
      { id: 'sp', transport: 'short-polling', pollIntervalMs: 1000 },
      { id: 'lp', transport: 'long-polling', waitMs: 25_000 },
      { id: 'sp250', transport: 'short-polling', pollIntervalMs: 250 },
    ]);
  });

  it('takes the soak\'s bystanders and a step\'s server options, each in its range', () => {
    const soak = { name: 'soak', steps: [{ label: 's', workload: { ...WORKLOAD, bystanders: { nonReaders: 2, leavers: 1, stayMs: 500, stallMs: 5000 } }, serverOptions: { historySize: 50 }, variants: [{ id: 'ws', transport: 'websocket' }] }] };
    expect(loadScenarioFile(file('soak.json', soak)).steps[0]).toMatchObject({ workload: { bystanders: { nonReaders: 2, leavers: 1, stayMs: 500, stallMs: 5000 } }, serverOptions: { historySize: 50 } });
    const step = soak.steps[0] as Record<string, unknown>;
    expect(() => loadScenarioFile(file('unknown.json', { ...soak, steps: [{ ...step, serverOptions: { historysize: 50 } }] }))).toThrow(/historysize/);
    expect(() => loadScenarioFile(file('range.json', { ...soak, steps: [{ ...step, serverOptions: { historySize: 0 } }] }))).toThrow(/historySize must be >= 1/);
    expect(() => loadScenarioFile(file('stall.json', { ...soak, steps: [{ ...step, workload: { ...WORKLOAD, bystanders: { nonReaders: 1, leavers: 0, stayMs: 500 } } }] }))).toThrow(/stallMs/);
    expect(() => loadScenarioFile(file('raw.json', { ...soak, steps: [{ ...step, variants: [{ id: 'raw', transport: 'raw-ws' }] }] }))).toThrow('step 1 has bystanders (non-readers and leavers), which do not speak raw; they speak short-polling, long-polling, websocket, sse');
  });

  it('the named soak mixes readers with non-readers and leavers, on servers whose history fills early', () => {
    const [step] = scenario('soak').steps;
    expect(step?.workload.bystanders).toEqual({ nonReaders: 2, leavers: 2, stayMs: 2000, stallMs: 90_000 });
    expect(step?.serverOptions).toEqual({ historySize: 100 });
    expect(step?.variants.map((v) => v.transport)).toEqual(['short-polling', 'long-polling', 'websocket', 'sse']);
  });

  it('runs ceilings and micro-benchmarks only when the file asks for them', () => {
    expect(loadScenarioFile(file('asks.json', { ...valid(), ceilings: true, micro: true }))).toMatchObject({ ceilings: true, micro: true });
    expect(loadScenarioFile(file('micro.json', { ...valid(), micro: true }))).toMatchObject({ ceilings: false, micro: true });
    expect(() => loadScenarioFile(file('bad.json', { ...valid(), ceilings: 'yes' }))).toThrow('ceilings must be boolean');
  });

  it('keeps what the file says over the defaults', () => {
    const path = file('full.json', { ...valid(), description: 'mine, described', rounds: 5, generators: 2 });
    const s = loadScenarioFile(path);
    expect(s.description).toBe('mine, described');
    expect(s.rounds).toBe(5);
    expect(s.generators).toBe(2);
  });

  it('is what resolveScenario gives for a .json path', () => {
    const path = file('resolved.json', valid());
    expect(resolveScenario(path)).toEqual(loadScenarioFile(path));
  });

  it('names the file when the JSON does not parse', () => {
    const path = file('broken.json', '{ "name": ');
    expect(() => loadScenarioFile(path)).toThrow(`cannot read scenario file ${path}: `);
  });

  it('names the file when it does not exist', () => {
    const path = join(dir, 'missing.json');
    expect(() => loadScenarioFile(path)).toThrow(`cannot read scenario file ${path}: ENOENT`);
  });

  it('names an unknown field', () => {
    const path = file('extra.json', { ...valid(), colour: 'blue' });
    expect(() => loadScenarioFile(path)).toThrow(`scenario file ${path}: the scenario must NOT have additional properties (unknown field "colour")`);
  });

  it('names an unknown field deep in a step, with its place', () => {
    const path = file('deep.json', valid([{ id: 'ws', transport: 'websocket', speed: 11 }]));
    expect(() => loadScenarioFile(path)).toThrow(`scenario file ${path}: steps.0.variants.0 must NOT have additional properties (unknown field "speed")`);
  });

  it('lists the allowed transports for a bad one', () => {
    const path = file('transport.json', valid([{ id: 'sse', transport: 'server-sent-events' }]));
    expect(() => loadScenarioFile(path)).toThrow(
      `scenario file ${path}: steps.0.variants.0.transport must be equal to one of the allowed values (one of short-polling, long-polling, websocket, sse, webrtc, socketio, raw-ws)`,
    );
  });

  it('refuses raw-ws with more than RAW_WS_MAX_MEMBERS members per room', () => {
    const path = file('raw.json', {
      name: 'raw',
      steps: [{ label: 'big', workload: { ...WORKLOAD, members: RAW_WS_MAX_MEMBERS + 1 }, variants: [{ id: 'raw', transport: 'raw-ws' }] }],
    });
    expect(() => loadScenarioFile(path)).toThrow('scenario raw: step 1 runs raw-ws with 201 members per room; at most 200');
  });

  it('refuses two variants with one id in a step', () => {
    const path = file('twice.json', {
      name: 'twice',
      steps: [
        { label: 'fine', workload: WORKLOAD, variants: [{ id: 'a', transport: 'websocket' }] },
        { label: 'twice', workload: WORKLOAD, variants: [{ id: 'a', transport: 'websocket' }, { id: 'a', transport: 'long-polling' }] },
      ],
    });
    expect(() => loadScenarioFile(path)).toThrow('scenario twice: step 2 has two variants with id "a"');
  });
});

describe('withKnobs and describeVariant', () => {
  it('fill in what each transport runs with by default, and leave set knobs and other transports alone', () => {
    expect(withKnobs({ id: 'a', transport: 'short-polling' })).toEqual({ id: 'a', transport: 'short-polling', pollIntervalMs: VARIANT_DEFAULTS.pollIntervalMs });
    expect(withKnobs({ id: 'b', transport: 'long-polling' })).toEqual({ id: 'b', transport: 'long-polling', waitMs: VARIANT_DEFAULTS.waitMs });
    expect(withKnobs({ id: 'c', transport: 'short-polling', pollIntervalMs: 50 })).toEqual({ id: 'c', transport: 'short-polling', pollIntervalMs: 50 });
    expect(withKnobs({ id: 'd', transport: 'websocket' })).toEqual({ id: 'd', transport: 'websocket' });
  });

  it('say the knobs a variant runs with', () => {
    expect(describeVariant(withKnobs({ id: 'short-polling', transport: 'short-polling' }))).toBe('short-polling (every 1000 ms)');
    expect(describeVariant({ id: 'long-polling', transport: 'long-polling', waitMs: 25_000 })).toBe('long-polling (wait 25000 ms)');
    expect(describeVariant({ id: 'fresh', transport: 'short-polling', pollIntervalMs: 250, keepAlive: false })).toBe('fresh (every 250 ms, a new connection per request)');
    expect(describeVariant({ id: 'websocket', transport: 'websocket' })).toBe('websocket');
  });
});

describe('the capacity scenario', () => {
  const SET = { sloMs: 250, capacityStart: 1000, capacityMax: 20_000, capacityFactor: 1.5, capacityResolution: 10, pollIntervalGiven: false };

  it('searches the chat transports from one template step, in rooms of 10 at one message every 10 s', () => {
    const s = resolveScenario('capacity');
    const step = onlyStep(s);
    expect(step.variants.map((v) => v.transport)).toEqual(['short-polling', 'long-polling', 'websocket', 'sse', 'socketio']);
    expect(step.workload).toMatchObject({ rooms: 100, members: 10, ratePerMember: 0.1 });
    expect(s.capacity).toEqual({ sloMs: 250, startClients: 1000, maxClients: 20_000, resolution: 0.1, factor: 1.5 });
  });

  it('takes the search from the command line, and short polling polls every SLO ÷ 2 unless --poll-interval-ms says', () => {
    const s = withCapacity(resolveScenario('capacity'), { ...SET, sloMs: 100, capacityStart: 55, capacityMax: 500, capacityFactor: 3, capacityResolution: 25 });
    expect(s.capacity).toMatchObject({ sloMs: 100, startClients: 55, maxClients: 500, factor: 3, resolution: 0.25 });
    expect(onlyStep(s).workload.rooms).toBe(6);
    expect(onlyStep(s).variants.find((v) => v.transport === 'short-polling')?.pollIntervalMs).toBe(50);
    const given = withCapacity(applyOverrides(resolveScenario('capacity'), { pollIntervalMs: 400 }), { ...SET, pollIntervalGiven: true });
    expect(onlyStep(given).variants.find((v) => v.transport === 'short-polling')?.pollIntervalMs).toBe(400);
  });

  it('refuses options that do not fit, naming them', () => {
    const s = applyOverrides(resolveScenario('capacity'), { members: 50 });
    expect(() => withCapacity(s, { ...SET, capacityStart: 40 })).toThrow('--capacity-start 40 is less than one room of 50 members (--members); give at least 50');
    expect(() => withCapacity(s, { ...SET, capacityMax: 500 })).toThrow('--capacity-max 500 is below --capacity-start 1000; give a maximum at least the start');
    expect(() => applyOverrides(resolveScenario('capacity'), { rooms: 5 })).toThrow(
      '--rooms cannot be used with scenario capacity: the search sets the rooms (clients = rooms × --members); give --capacity-start and --capacity-max',
    );
    expect(() => withCapacity(resolveScenario('default'), SET)).toThrow('scenario default is not a capacity search');
  });
});
