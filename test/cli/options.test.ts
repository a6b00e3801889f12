import { describe, expect, it } from 'vitest';
import { SERVER_OPTIONS, minIdleTimeoutMs, resolveServerOptions } from '../../servers/contract/index.ts';
import { UsageError, formatOptionHelp, joinNegativeValues, parseCommandLine, parseOptionText, resolveOptions, toFlag, withFlagNames } from '../../servers/common/command-line/index.ts';
import { measureCeiling } from '../../bench/ceilings/route-ceiling.ts';
import { runMicro } from '../../bench/micro/hot-paths.ts';
import { BENCH_OPTIONS, CI_PRESET, QUICK_PRESET, parseTargets } from '../../bench/run/options.ts';
import { SCENARIO_SCHEMA, applyOverrides, resolveScenario } from '../../bench/run/scenarios.ts';

describe('server options', () => {
  it('defaults to the contract limits', () => {
    expect(resolveServerOptions()).toMatchObject({
      host: '127.0.0.1',
      historySize: 10_000,
      maxBodyBytes: 4096,
      pageSize: 100,
      maxPageSize: 1000,
      defaultWaitMs: 25_000,
      maxWaitMs: 60_000,
      maxBufferedBytes: 1024 * 1024,
      token: '',
      allowedOrigins: [],
    });
  });

  it('refuses unknown options and wrong values, naming the option and what is valid', () => {
    expect(() => resolveServerOptions({ histroySize: 5 })).toThrow(/unknown option "histroySize"/);
    expect(() => resolveServerOptions({ historySize: '5' })).toThrow(TypeError);
    expect(() => resolveServerOptions({ historySize: 0 })).toThrow(/historySize must be an integer from 1 to 10000000, got 0/);
    expect(() => resolveServerOptions({ port: 70_000 })).toThrow(RangeError);
    expect(() => resolveServerOptions({ transport: 'server-sent-events' })).toThrow(/one of short-polling, long-polling, websocket, sse/);
    expect(() => resolveServerOptions({ allowedOrigins: 'x' })).toThrow(/comma-separated list/);
  });

  it('keeps a held poll shorter than the idle timeout, and other options consistent', () => {
    expect(() => resolveServerOptions({ transport: 'long-polling', maxWaitMs: 80_000 })).toThrow(/maxWaitMs \(80000\) must be shorter than idleTimeoutMs/);
    expect(() => resolveServerOptions({ defaultWaitMs: 70_000, maxWaitMs: 60_000 })).toThrow(/defaultWaitMs/);
    expect(() => resolveServerOptions({ pageSize: 2000 })).toThrow(/pageSize/);
    expect(() => resolveServerOptions({ maxBodyBytes: 70_000 })).toThrow(/maxBodyBytes/);
    expect(() => resolveServerOptions({ headersTimeoutMs: 20_000 })).toThrow(/headersTimeoutMs/);
    expect(resolveServerOptions({ maxWaitMs: 80_000, idleTimeoutMs: 90_000 }).maxWaitMs).toBe(80_000);
  });

  it('refuses an idle timeout without a real margin over max-wait (issue 8, defect 8), naming both', () => {
    const given = { transport: 'long-polling', maxWaitMs: 3000, defaultWaitMs: 1000 };
    expect(() => resolveServerOptions({ ...given, idleTimeoutMs: 3001 })).toThrow(
      /option maxWaitMs \(3000\) must be shorter than idleTimeoutMs \(3001\) by at least 1000 ms.*raise option idleTimeoutMs to 4000/,
    );
    expect(() => resolveServerOptions({ ...given, idleTimeoutMs: 3999 })).toThrow(RangeError);
    expect(resolveServerOptions({ ...given, idleTimeoutMs: 4000 }).idleTimeoutMs).toBe(4000);
    // Past 10 s of hold the margin is 10% of it.
    expect(minIdleTimeoutMs(10_000)).toBe(11_000);
    expect(minIdleTimeoutMs(60_000)).toBe(66_000);
    expect(minIdleTimeoutMs(0)).toBe(1000);
    expect(() => resolveServerOptions({ transport: 'long-polling', maxWaitMs: 70_000 })).toThrow(/by at least 7000 ms/);
    expect(resolveServerOptions({ maxWaitMs: 68_000 }).maxWaitMs).toBe(68_000);
    const message = withFlagNames(SERVER_OPTIONS, (() => {
      try {
        resolveServerOptions({ ...given, idleTimeoutMs: 3001 });
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })());
    expect(message).toMatch(/^--max-wait-ms \(3000\) must be shorter than --idle-timeout-ms \(3001\)/);
    expect(message).toContain('raise --idle-timeout-ms to 4000');
    // Only long polling holds polls: the other transports accept any idle timeout.
    for (const transport of ['websocket', 'short-polling']) {
      expect(resolveServerOptions({ ...given, transport, idleTimeoutMs: 3001 }).idleTimeoutMs).toBe(3001);
    }
    expect(resolveServerOptions({ transport: 'websocket', idleTimeoutMs: 30_000 }).idleTimeoutMs).toBe(30_000);
  });

  it('parses command-line text by option, with flag names in errors', () => {
    expect(toFlag('maxBodyBytes')).toBe('--max-body-bytes');
    expect(parseOptionText('port', SERVER_OPTIONS.port, '8080')).toBe(8080);
    expect(parseOptionText('allowedOrigins', SERVER_OPTIONS.allowedOrigins, 'a, b,,c')).toEqual(['a', 'b', 'c']);
    for (const bad of ['', '1.5', '0x10', '99999999', 'eight']) {
      expect(() => parseOptionText('port', SERVER_OPTIONS.port, bad)).toThrow(/--port must be an integer from 0 to 65535/);
    }
  });

  it('holds each item of a list with choices to them, parsed or given in code', () => {
    const spec = { kind: 'list', default: [], choices: ['websocket', 'sse'], doc: 'transports' } as const;
    expect(parseOptionText('transports', spec, 'sse, websocket')).toEqual(['sse', 'websocket']);
    expect(() => parseOptionText('transports', spec, 'sse,carrier-pigeon')).toThrow('--transports must be a comma-separated list of websocket, sse, got "sse,carrier-pigeon"');
    expect(() => resolveOptions({ transports: spec }, { transports: ['webrtc'] })).toThrow(/must be a comma-separated list of websocket, sse/);
  });

  it('parses a command line strictly', () => {
    const { values, help } = parseCommandLine(SERVER_OPTIONS, ['--transport', 'long-polling', '--max-wait-ms', '5000']);
    expect(values).toEqual({ transport: 'long-polling', maxWaitMs: 5000 });
    expect(help).toBe(false);
    expect(parseCommandLine(SERVER_OPTIONS, ['-h']).help).toBe(true);
    expect(() => parseCommandLine(SERVER_OPTIONS, ['--max-wait', '5'])).toThrow(UsageError);
    expect(() => parseCommandLine(SERVER_OPTIONS, ['--port'])).toThrow(/--port/);
    expect(withFlagNames(SERVER_OPTIONS, 'option maxWaitMs (80000) must be shorter than idleTimeoutMs (75000)')).toBe(
      '--max-wait-ms (80000) must be shorter than --idle-timeout-ms (75000)',
    );
  });

  it('lists every option with its default in the help', () => {
    const help = formatOptionHelp(SERVER_OPTIONS);
    for (const [name, spec] of Object.entries(SERVER_OPTIONS)) {
      expect(help).toContain(toFlag(name));
      if (spec.kind === 'int') expect(help).toContain(`default: ${spec.default};`);
    }
    expect(help).toContain('--token <s>');
    expect(help).toContain('default: (none)');
  });
});

describe('bench options', () => {
  it('joins a negative number to the option before it, so that the option\'s own check answers', () => {
    expect(joinNegativeValues(BENCH_OPTIONS, ['--rate', '-1', '--rounds', '-2.5', '--quick'])).toEqual(['--rate=-1', '--rounds=-2.5', '--quick']);
    expect(joinNegativeValues(BENCH_OPTIONS, ['--rate', '-.5'])).toEqual(['--rate=-.5']);
    // A flag after a flag, a boolean before a number and anything after `--` are left alone.
    expect(joinNegativeValues(BENCH_OPTIONS, ['--rate', '--quick', '--json', '-1', '--', '--rate', '-1'])).toEqual(['--rate', '--quick', '--json', '-1', '--', '--rate', '-1']);
    expect(() => parseCommandLine(BENCH_OPTIONS, ['--rate', '-1'])).toThrow('--rate must be a number from 0.0001 to 1000, got "-1"');
    // Every command parses through parseCommandLine: the server's, the comparison's, the conformance check's.
    expect(() => parseCommandLine(SERVER_OPTIONS, ['--port', '-1'])).toThrow(/--port must be .*got "-1"/);
  });

  it('pairs each --target URL with a transport, on this machine only', () => {
    expect(parseTargets(['http://127.0.0.1:3000', 'http://localhost:3001/'], ['websocket', 'long-polling'])).toEqual({
      websocket: 'http://127.0.0.1:3000',
      'long-polling': 'http://localhost:3001',
    });
    expect(parseTargets(['http://[::1]:80'], ['short-polling'])).toEqual({ 'short-polling': 'http://[::1]' });
    expect(() => parseTargets(['http://127.0.0.1:3000'], [])).toThrow('--target needs --transports');
    expect(() => parseTargets(['http://127.0.0.1:3000'], ['websocket', 'long-polling'])).toThrow('--target gives 1 URL(s) for 2 transport(s)');
    expect(() => parseTargets(['chat.example'], ['websocket'])).toThrow('--target "chat.example" is not a URL');
    expect(() => parseTargets(['ws://127.0.0.1:3000'], ['websocket'])).toThrow('must be an http:// URL');
    expect(() => parseTargets(['http://example.com'], ['websocket'])).toThrow('must be on this machine');
    expect(() => parseTargets(['http://127.0.0.1:3000/chat'], ['websocket'])).toThrow('without a path or query');
    expect(() => parseTargets(['http://127.0.0.1:1', 'http://127.0.0.1:2'], ['websocket', 'websocket'])).toThrow('names websocket twice');
  });

  it('has a CI preset with rounds enough for a rank test, the transports and the hot paths, no ceilings', () => {
    expect(CI_PRESET.rounds).toBeGreaterThanOrEqual(6);
    expect(CI_PRESET).toMatchObject({ skipCeiling: true });
    expect(CI_PRESET).not.toHaveProperty('skipMicro');
    expect([...CI_PRESET.transports]).toEqual(['short-polling', 'websocket']);
  });
});

describe('one schema of bench options (issue 9)', () => {
  it('leaves a scenario override absent unless given, and keeps what the preset sets', () => {
    const plain = resolveOptions(BENCH_OPTIONS, {});
    for (const name of ['rounds', 'durationMs', 'warmupMs', 'rooms', 'members', 'rate', 'bodyBytes', 'pollIntervalMs', 'waitMs', 'generators']) {
      expect(plain, name).not.toHaveProperty(name);
    }
    expect(plain).toMatchObject({ seed: 1, ceilingConnections: 100, microMs: 100 });
    const quick = resolveOptions(BENCH_OPTIONS, { ...QUICK_PRESET, members: 3 });
    expect(quick).toMatchObject({ rounds: 2, durationMs: 2500, warmupMs: 500, members: 3 });
    expect(quick).not.toHaveProperty('rooms');
    // What the bench command passes on: absent overrides leave the scenario as it is, but for the
    // variants it runs only when --transports names them, which a run's steps never carry.
    const { rate: _rate, transports: _transports, ...overrides } = plain;
    const preset = resolveScenario('default');
    const asRun = { ...preset, steps: preset.steps.map(({ onRequest: _onRequest, ...step }) => step) };
    expect(applyOverrides(preset, overrides)).toEqual(asRun);
  });

  it("holds a scenario file's fields to the ranges of the flags that override them", () => {
    const step = SCENARIO_SCHEMA.properties.steps.items.properties;
    const workload = step.workload.properties;
    const variant = step.variants.items.properties;
    const range = (name: keyof typeof BENCH_OPTIONS) => {
      const spec = BENCH_OPTIONS[name];
      return 'min' in spec ? { minimum: spec.min, maximum: spec.max } : {};
    };
    expect(workload.rooms).toMatchObject({ type: 'integer', ...range('rooms') });
    expect(workload.members).toMatchObject({ type: 'integer', ...range('members') });
    expect(workload.ratePerMember).toMatchObject({ type: 'number', minimum: 0.0001, maximum: 1000 });
    expect(workload.bodyBytes).toMatchObject(range('bodyBytes'));
    expect(workload.durationMs).toMatchObject(range('durationMs'));
    expect(workload.warmupMs).toMatchObject(range('warmupMs'));
    expect(variant.pollIntervalMs).toMatchObject(range('pollIntervalMs'));
    expect(variant.waitMs).toMatchObject(range('waitMs'));
    expect(SCENARIO_SCHEMA.properties.rounds).toMatchObject(range('rounds'));
    expect(SCENARIO_SCHEMA.properties.generators).toMatchObject(range('generators'));
  });

  it('checks measureCeiling and runMicro arguments against the flags\' ranges', async () => {
    const target = { target: 'x', url: 'http://127.0.0.1:9/', method: 'GET' } as const;
    await expect(measureCeiling(target, { connections: BENCH_OPTIONS.ceilingConnections.max + 1 })).rejects.toThrow(
      `option connections must be an integer from 1 to ${BENCH_OPTIONS.ceilingConnections.max}`,
    );
    await expect(measureCeiling(target, { durationMs: BENCH_OPTIONS.ceilingMs.min - 1 })).rejects.toThrow(/option durationMs must be an integer from 100 to 600000/);
    await expect(runMicro({ timeMs: BENCH_OPTIONS.microMs.max + 1 })).rejects.toThrow(/option timeMs must be an integer from 10 to 60000/);
  });
});

describe('repeatable options', () => {
  const TABLE = { max: { kind: 'string', default: '', repeatable: true, doc: 'a limit, repeatable' }, alpha: { kind: 'number', default: 0.01, min: 0.001, max: 0.2, doc: 'a level' } } as const;

  it('returns every value of a repeatable flag in order, both spellings, and keeps the others single', () => {
    const parsed = parseCommandLine(TABLE, ['--max', 'a=+1%', '--alpha', '0.05', '--max=b=+2', 'file']);
    expect(parsed.repeated.max).toEqual(['a=+1%', 'b=+2']);
    expect(parsed.values).toEqual({ alpha: 0.05 });
    expect(parsed.positionals).toEqual(['file']);
  });

  it('names a flag given without its value', () => {
    expect(() => parseCommandLine(TABLE, ['--max'])).toThrow('--max needs a value');
  });
});
