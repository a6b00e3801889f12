/**
 * `--instances`, `--backplane` and `--redis-url` (issue 11): applied to every step, or refused with
 * a message naming the option and what is allowed; the scale-out and failover scenarios as they run.
 */
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { applyClusterOverrides, backplaneFlags, brokerNeeds, checkRedisUrl, clusterOf, parseRedisUrl } from '../../bench/cluster/cluster.ts';
import { SCENARIOS, applyOverrides, checkScenario, resolveScenario, FAILOVER_QUICK } from '../../bench/run/scenarios.ts';
import type { Step } from '../../bench/model/results.ts';
import { FAILOVER_KILL_AT, FAILOVER_REDIS_RESTART_AT } from '../../bench/run/server-under-test.ts';

const BENCH = fileURLToPath(new URL('../../cli/bench.ts', import.meta.url));

describe('cluster options on a scenario', () => {
  it('puts every step of a scenario on the instances and backplane given', () => {
    const s = applyOverrides(resolveScenario('default'), { instances: 2, backplane: 'redis' });
    expect(s.steps.map((step) => step.cluster)).toEqual([{ instances: 2, backplane: 'redis' }]);
    // The raw ws baseline has no backplane: it is left out on Redis, kept on memory.
    expect(s.steps[0]?.variants.map((v) => v.id)).toEqual(['short-polling', 'long-polling', 'websocket', 'sse']);
    expect(applyOverrides(resolveScenario('default'), { backplane: 'memory' }).steps[0]?.variants.map((v) => v.id)).toContain('raw-ws');
    expect(() => checkScenario({ ...s, steps: [{ ...(s.steps[0] as Step), variants: [{ id: 'raw', transport: 'raw-ws' }] }] })).toThrow(
      'scenario default, step 1: a baseline (raw) has no backplane; run it on memory',
    );
    expect(brokerNeeds(s)).toEqual({ redis: true, restarts: false });
    const memory = applyOverrides(resolveScenario('default'), { backplane: 'memory' });
    expect(clusterOf(memory.steps[0] as never)).toEqual({ instances: 1, backplane: 'memory' });
    // Nothing given: the scenario as it is, one process on memory.
    expect(resolveScenario('default').steps[0]?.cluster).toBeUndefined();
  });

  it('refuses more than one instance on the memory backplane, naming the options', () => {
    expect(() => applyOverrides(resolveScenario('default'), { instances: 3 })).toThrow(
      '--instances 3 needs --backplane redis (scenario default): instances on the memory backplane share nothing',
    );
    expect(() => applyOverrides(resolveScenario('default'), { instances: 2, backplane: 'memory' })).toThrow(/--instances 2 needs --backplane redis/);
    expect(() => applyClusterOverrides(resolveScenario('default').steps[0] as never, { backplane: 'kafka' }, 'default')).toThrow(
      '--backplane must be one of memory, redis, got "kafka"',
    );
  });

  it('refuses to override what scale-out and failover set themselves, but accepts what they already run', () => {
    expect(() => applyOverrides(resolveScenario('scale-out'), { instances: 2 })).toThrow(
      '--instances cannot be used with scenario scale-out: it sets the instances and backplane of every step itself',
    );
    expect(() => applyOverrides(resolveScenario('failover'), { backplane: 'memory' })).toThrow(/--backplane cannot be used with scenario failover/);
    expect(applyOverrides(resolveScenario('failover'), { backplane: 'redis', instances: 3 }).steps[0]?.cluster).toEqual({ instances: 3, backplane: 'redis', fault: 'failover' });
  });

  it('checks --redis-url: redis:// on this machine with a port, only where a step runs on Redis, never for a failover', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(parseRedisUrl('redis://localhost:7000/')).toBe('redis://localhost:7000');
    expect(() => parseRedisUrl('http://127.0.0.1:6379')).toThrow('--redis-url "http://127.0.0.1:6379" must be a redis:// URL');
    expect(() => parseRedisUrl('nonsense')).toThrow('--redis-url "nonsense" is not a URL; give one like redis://127.0.0.1:6379');
    expect(() => parseRedisUrl('redis://cache.example:6379')).toThrow(/--redis-url .* must be on this machine/);
    expect(() => parseRedisUrl('redis://127.0.0.1')).toThrow('must name its port');
    expect(() => parseRedisUrl('redis://user:pw@127.0.0.1:6379/2')).toThrow('without a database, user, password or query');
    const onRedis = applyOverrides(resolveScenario('default'), { backplane: 'redis' });
    expect(checkRedisUrl(onRedis, 'redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(checkRedisUrl(onRedis, '')).toBeUndefined();
    expect(() => checkRedisUrl(resolveScenario('default'), 'redis://127.0.0.1:6379')).toThrow('--redis-url is for steps on Redis: give --backplane redis too');
    expect(() => checkRedisUrl(resolveScenario('failover'), 'redis://127.0.0.1:6379')).toThrow(/--redis-url cannot be used with scenario failover: it restarts Redis/);
    expect(backplaneFlags({ instances: 2, backplane: 'redis' }, 'redis://127.0.0.1:1')).toEqual(['--backplane', 'redis://127.0.0.1:1']);
    expect(backplaneFlags({ instances: 1, backplane: 'memory' }, undefined)).toEqual([]);
  });

  it('runs scale-out as memory vs Redis at 1 instance, then 1, 2 and 4 on Redis at the same load', () => {
    const s = resolveScenario('scale-out');
    expect(s.steps.map((step) => step.cluster)).toEqual([
      { instances: 1, backplane: 'memory' },
      { instances: 1, backplane: 'redis' },
      { instances: 2, backplane: 'redis' },
      { instances: 4, backplane: 'redis' },
    ]);
    expect(new Set(s.steps.map((step) => JSON.stringify(step.workload))).size).toBe(1);
  });

  it('gives a quick failover a window long enough for both faults and their recoveries', () => {
    const failover = SCENARIOS.failover?.();
    expect(failover?.quick).toEqual(FAILOVER_QUICK);
    const windowMs = FAILOVER_QUICK.durationMs;
    // Seconds between the kill and the Redis restart, and after the restart, for the clients to come back.
    expect((FAILOVER_REDIS_RESTART_AT - FAILOVER_KILL_AT) * windowMs).toBeGreaterThanOrEqual(4000);
    expect((1 - FAILOVER_REDIS_RESTART_AT) * windowMs).toBeGreaterThanOrEqual(4000);
    expect(resolveScenario('failover').steps[0]?.workload.members).toBe(6);
  });
});

describe('npm run bench refuses bad cluster options before starting anything', () => {
  const bench = (args: string[]) => execa(process.execPath, ['--import', 'tsx', BENCH, ...args], { reject: false, env: { ...process.env, NODE_OPTIONS: '' } });

  it.concurrent.each([
    [['--instances', '2'], '--instances 2 needs --backplane redis'],
    [['--instances', '0'], '--instances must be an integer from 1 to 16, got "0"'],
    [['--backplane', 'etcd'], '--backplane must be one of memory, redis, got "etcd"'],
    [['--redis-url', 'redis://127.0.0.1:6379'], '--redis-url is for steps on Redis'],
    [['--scenario', 'failover', '--redis-url', 'redis://127.0.0.1:6379'], '--redis-url cannot be used with scenario failover'],
    [['--target', 'http://127.0.0.1:9', '--transports', 'websocket', '--instances', '2'], '--instances, --backplane, --redis-url and --socketio-adapter are for servers the bench starts, not --target'],
  ])('%j', { timeout: 60_000 }, async (args, message) => {
    const { exitCode, stderr } = await bench(args);
    expect(exitCode).toBe(2);
    expect(stderr).toContain(`error: ${message}`);
  });
});
