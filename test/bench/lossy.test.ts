/** The lossy network's pure parts: the nft rule, namespace names, counters, the scenario and its options. */
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { formatDrops } from '../../bench/model/format.ts';
import { LatencyHistogram } from '../../bench/model/histogram.ts';
import type { GeneratorResult } from '../../bench/generator/ipc.ts';
import { LOSS_TABLE, checkLossySupport, lossRuleset, namespaceName, namespaceOwner, parseCounters, wrapInNamespace } from '../../bench/network/lossy-net.ts';
import { LOSSY_STEPS_PCT, SCENARIOS, applyOverrides, channelVariants, loadScenarioFile, resolveScenario } from '../../bench/run/scenarios.ts';
import { trialOrder } from '../../bench/run/run.ts';
import { buildTrialResult } from '../../bench/model/trial-result.ts';
import { LOSSY_DRAIN_MS, drainMs, networkLoss, settleMs } from '../../bench/run/trial.ts';
import { TRANSPORTS } from '../../servers/contract/index.ts';

/** What `nft -j list table inet bench_loss` printed on this machine after some traffic (nftables 1.0.6). */
const NFT_JSON = JSON.stringify({
  nftables: [
    { metainfo: { version: '1.0.6', release_name: 'Lester Gooch #5', json_schema_version: 1 } },
    { table: { family: 'inet', name: LOSS_TABLE, handle: 1 } },
    { chain: { family: 'inet', table: LOSS_TABLE, name: 'output', handle: 1, type: 'filter', hook: 'output', prio: 0, policy: 'accept' } },
    { rule: { family: 'inet', table: LOSS_TABLE, chain: 'output', handle: 2, comment: 'seen', expr: [{ counter: { packets: 4789, bytes: 312_000 } }] } },
    {
      rule: {
        family: 'inet',
        table: LOSS_TABLE,
        chain: 'output',
        handle: 3,
        comment: 'dropped',
        expr: [{ match: { op: '<', left: { numgen: { mode: 'random', mod: 100, offset: 0 } }, right: 5 } }, { counter: { packets: 244, bytes: 16_000 } }, { drop: null }],
      },
    },
  ],
});

describe('the loss rule', () => {
  it('counts every packet out of loopback, then drops N in 100 at random and counts those', () => {
    expect(lossRuleset(5)).toBe(
      [
        `table inet ${LOSS_TABLE} {`,
        '  chain output {',
        '    type filter hook output priority 0; policy accept;',
        '    counter comment "seen"',
        '    numgen random mod 100 < 5 counter drop comment "dropped"',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    expect(lossRuleset(0)).toContain('numgen random mod 100 < 0 counter drop');
    expect(lossRuleset(100)).toContain('numgen random mod 100 < 100 counter drop');
  });

  it.each([-1, 101, 2.5, Number.NaN])('refuses %s, naming --loss and what is allowed', (pct) => {
    expect(() => lossRuleset(pct)).toThrow(/^--loss must be an integer from 0 to 100 \(percent of packets dropped\), got /);
  });

  it('reads both counters from nft -j, and refuses a table without them', () => {
    expect(parseCounters(NFT_JSON)).toEqual({ packets: 4789, dropped: 244 });
    expect(() => parseCounters(JSON.stringify({ nftables: [] }))).toThrow(`the ${LOSS_TABLE} table has no "seen" counter`);
  });
});

describe('namespaces', () => {
  it('are named bench-<pid>-<n>, and the owner is read back from the name', () => {
    expect(namespaceName(4242, 7)).toBe('bench-4242-7');
    expect(namespaceOwner('bench-4242-7')).toBe(4242);
    for (const other of ['bench-4242', 'bench-x-1', 'mybench-1-2', 'bench-1-2-3', 'lossytest']) expect(namespaceOwner(other), other).toBeUndefined();
  });

  it('wrap a command with ip netns exec, which execs it (the pid stays the command\'s)', () => {
    expect(wrapInNamespace('bench-1-2', ['taskset', '-c', '0', 'node', 'x.ts'])).toEqual(['ip', 'netns', 'exec', 'bench-1-2', 'taskset', '-c', '0', 'node', 'x.ts']);
  });
});

describe('what a trial reports of its lossy network', () => {
  it('counts the window between two readings and the whole trial at the last', () => {
    const start = { packets: 1000, dropped: 40 };
    const end = { packets: 6000, dropped: 290 };
    const last = { packets: 7000, dropped: 340 };
    expect(networkLoss({ name: 'bench-1-1', lossPct: 5 }, start, end, last)).toEqual({
      lossPct: 5,
      namespace: 'bench-1-1',
      window: { packets: 5000, dropped: 250 },
      trial: { packets: 7000, dropped: 340 },
    });
    expect(formatDrops({ lossPct: 5, window: { packets: 5000, dropped: 250 } })).toBe('5% loss asked: 250 of 5,000 packets dropped (5.0%)');
    expect(formatDrops({ lossPct: 0, window: { packets: 0, dropped: 0 } })).toBe('0% loss asked: 0 of 0 packets dropped');
  });

  it('waits long enough for TCP backoff after a run of losses: deliveries of a reliable variant, acknowledgements of every variant', () => {
    const ws = { id: 'websocket', transport: 'websocket' } as const;
    const lossyChannel = { ...ws, id: 'websocket/lossy', channel: 'lossy' } as const;
    expect(drainMs(ws, 0)).toBe(3000);
    expect(settleMs(ws, 0)).toBe(3000);
    expect(drainMs(ws, 1)).toBe(LOSSY_DRAIN_MS);
    expect(settleMs(ws, 1)).toBe(LOSSY_DRAIN_MS);
    // Six losses of one segment from 200 ms; a SYN lost three times and its data twice at 3 s.
    expect(LOSSY_DRAIN_MS).toBeGreaterThan(200 * (2 ** 6 - 1));
    expect(LOSSY_DRAIN_MS).toBeGreaterThan(1000 + 2000 + 4000 + 3000 + 6000);
    expect(drainMs({ id: 'short', transport: 'short-polling', pollIntervalMs: 5000 }, 0)).toBe(15_000);
    expect(drainMs({ id: 'short', transport: 'short-polling', pollIntervalMs: 20_000 }, 5)).toBe(60_000);
    // What a lossy channel dropped never comes; its acknowledgements come on the reliable channel.
    expect(drainMs(lossyChannel, 5)).toBe(3000);
    expect(settleMs(lossyChannel, 5)).toBe(LOSSY_DRAIN_MS);
  });

  function generator(delivered: number, reordered = 0): GeneratorResult {
    const h = new LatencyHistogram();
    h.record(1000);
    return {
      clients: 3,
      histogram: h.encode(),
      sendLag: h.encode(),
      sent: 10,
      stored: 10,
      sendFailed: 0,
      delivered,
      duplicated: 0,
      reordered,
      wire: { requests: 0, emptyPolls: 0, connections: 3, bytesWritten: 0, bytesRead: 0 },
      events: { reconnects: 0, cursorExpired: 0, errors: 0 },
      cpuUs: 100_000,
      cpuShare: 0.1,
      eventLoopDelayP99: 0,
    };
  }
  const base = {
    round: 0,
    position: 0,
    workload: { rooms: 1, members: 3, ratePerMember: 1, bodyBytes: 64, durationMs: 1000, warmupMs: 100 },
    storedByRoom: { 'room-0': 10 },
    startUs: 0,
    serverNotMeasured: 'test',
  };
  const network = { lossPct: 5, namespace: 'bench-1-1', window: { packets: 100, dropped: 5 }, trial: { packets: 120, dropped: 6 } };

  it('carries the network, and fails a reliable variant that lost messages', () => {
    const result = buildTrialResult({ ...base, generators: [generator(27)], network });
    expect(result.network).toEqual(network);
    expect(result.delivery.lost).toBe(3);
    expect(result.ok).toBe(false);
    expect(result.problems).toContain('3 of 30 deliveries lost');
  });

  it('counts a lossy channel\'s lost and reordered messages without failing it', () => {
    const result = buildTrialResult({ ...base, generators: [generator(27, 2)], network, lossyChannel: true });
    expect(result.delivery).toMatchObject({ lost: 3, reordered: 2 });
    expect(result.ok).toBe(true);
  });

  it("does not fail a lossy channel for acknowledged messages it dropped, and does fail a reliable one", () => {
    const dropped = { ...generator(27), lostAcknowledged: 3 };
    const lossy = buildTrialResult({ ...base, generators: [dropped], network, lossyChannel: true });
    expect(lossy.delivery.lostAcknowledged).toBe(3);
    expect(lossy.ok).toBe(true);
    const reliable = buildTrialResult({ ...base, generators: [dropped], network });
    expect(reliable.ok).toBe(false);
    expect(reliable.problems).toContain('3 acknowledged deliveries lost');
  });
});

describe('the lossy scenario', () => {
  it('steps through 0%, 1%, 3% and 5% loss with every chat transport of the registry that runs over networks', () => {
    const s = resolveScenario('lossy');
    expect(LOSSY_STEPS_PCT).toEqual([0, 1, 3, 5]);
    expect(s.steps.map((step) => step.lossPct)).toEqual([0, 1, 3, 5]);
    expect(s.steps.map((step) => step.x)).toEqual([0, 1, 3, 5].map((value) => ({ name: 'lossPct', value, unit: '%' })));
    // WebRTC once per data channel (the registry lists its channels), every other transport once,
    // Socket.IO on its default engine.
    const ids = TRANSPORTS.flatMap((t) => (t === 'webrtc' ? ['webrtc/reliable', 'webrtc/lossy'] : [t]));
    expect(ids).toEqual(['short-polling', 'long-polling', 'websocket', 'sse', 'webrtc/reliable', 'webrtc/lossy', 'socketio']);
    for (const step of s.steps) expect(step.variants.map((v) => v.id)).toEqual(ids);
  });

  it('runs round by round through its steps, so the machine\'s drift falls on every loss alike; other scenarios step by step', () => {
    const order = (name: string) => trialOrder(applyOverrides(resolveScenario(name), { rounds: 2 })).map(({ s, round }) => `${s}/${round}`);
    expect(order('lossy')).toEqual(['0/0', '1/0', '2/0', '3/0', '0/1', '1/1', '2/1', '3/1']);
    expect(order('scale').slice(0, 4)).toEqual(['0/0', '0/1', '1/0', '1/1']);
  });

  it('runs a transport with several channels once per channel', () => {
    const variants = channelVariants('websocket', ['reliable', 'lossy']);
    expect(variants).toEqual([
      { id: 'websocket/reliable', transport: 'websocket', channel: 'reliable' },
      { id: 'websocket/lossy', transport: 'websocket', channel: 'lossy' },
    ]);
    expect(channelVariants('long-polling')).toEqual([{ id: 'long-polling', transport: 'long-polling', waitMs: 25_000 }]);
  });

  it('--loss puts every step of another scenario on a lossy loopback, and says so in the labels', () => {
    const s = applyOverrides(resolveScenario('default'), { loss: 3 });
    expect(s.steps.map((step) => step.lossPct)).toEqual([3]);
    expect(s.steps[0]?.label).toContain('[set: 3% packet loss]');
    expect(resolveScenario('default').steps[0]?.lossPct).toBeUndefined();
  });

  it('--loss cannot be used with the lossy scenario, which varies it', () => {
    expect(() => applyOverrides(resolveScenario('lossy'), { loss: 3 })).toThrow('--loss cannot be used with scenario lossy: it varies the packet loss from step to step (0%, 1%, 3%, 5%)');
  });

  it('a scenario file may set a step\'s loss and a variant\'s channel, within the ranges of the options', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lossy-'));
    try {
      const file = join(dir, 's.json');
      const step = (lossPct: unknown) => ({
        label: 'x',
        lossPct,
        workload: { rooms: 1, members: 2, ratePerMember: 1, bodyBytes: 64, durationMs: 1000, warmupMs: 100 },
        variants: [{ id: 'ws', transport: 'websocket', channel: 'reliable' }],
      });
      writeFileSync(file, JSON.stringify({ name: 'f', steps: [step(10)] }));
      expect(loadScenarioFile(file).steps[0]?.lossPct).toBe(10);
      writeFileSync(file, JSON.stringify({ name: 'f', steps: [step(101)] }));
      expect(() => loadScenarioFile(file)).toThrow('steps.0.lossPct must be <= 100');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is one of the named scenarios', () => {
    expect(Object.keys(SCENARIOS)).toContain('lossy');
  });
});

describe('without what the lossy network needs', () => {
  const savedPath = process.env.PATH;
  afterEach(() => {
    process.env.PATH = savedPath;
  });

  it('checkLossySupport names the missing piece', async () => {
    process.env.PATH = '/nonexistent';
    const why = await checkLossySupport();
    if (process.getuid?.() === 0) expect(why).toMatch(/needs the `ip` command \(Debian package iproute2\), which is not installed or not on PATH$/);
    else expect(why).toMatch(/needs root \(uid 0; this is uid \d+\); run the bench as root$/);
  });

  it('the bench exits 1 before any trial, saying why (never a silent 0% run)', async () => {
    // A PATH with `ip` but no `nft`: the message names nftables.
    const dir = mkdtempSync(join(tmpdir(), 'lossy-path-'));
    try {
      const ip = (await execa('sh', ['-c', 'command -v ip'], { reject: false })).stdout.trim();
      if (ip) symlinkSync(ip, join(dir, 'ip'));
      const cli = fileURLToPath(new URL('../../cli/bench.ts', import.meta.url));
      const run = await execa(process.execPath, ['--import', 'tsx', cli, '--scenario', 'lossy', '--quick', '--out', join(dir, 'r.json')], {
        reject: false,
        env: { ...process.env, PATH: dir, NODE_OPTIONS: '' },
        timeout: 60_000,
      });
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toContain('error: cannot run scenario lossy: the lossy network (--loss, --scenario lossy) runs each trial in a network namespace of its own');
      if (process.getuid?.() !== 0) expect(run.stderr).toContain('needs root');
      else if (ip) expect(run.stderr).toContain('needs the `nft` command (Debian package nftables), which is not installed or not on PATH');
      else expect(run.stderr).toContain('needs the `ip` command (Debian package iproute2)');
      expect(run.stdout).not.toContain('results:');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
