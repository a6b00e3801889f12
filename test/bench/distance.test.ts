/**
 * A network with distance, its pure parts: the options and their refusals, the wan scenario's
 * shape, the delay line's readings, the kernel's counters, bursts, and what a trial makes of them.
 * The real path (namespaces, TUN devices, the delay line) is test/e2e/wan.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../servers/common/command-line/index.ts';
import { formatDistance } from '../../bench/model/format.ts';
import { planBursts } from '../../bench/generator/schedule.ts';
import { namespaceName, namespaceOwner } from '../../bench/network/lossy-net.ts';
import { parseStats, type DelayLineStats } from '../../bench/network/delay-line.ts';
import { deviceNames, netemArgs, parseKernelCounters, tbfArgs } from '../../bench/network/distance.ts';
import { pathSummary } from '../../bench/network/path-probe.ts';
import { BENCH_OPTIONS } from '../../bench/run/options.ts';
import { applyOverrides, loadScenarioFile, resolveScenario, WAN_FOCUS_RTT_MS, WAN_LOSS_PCT, WAN_RTTS_MS } from '../../bench/run/scenarios.ts';
import { delayLineReasons, distanceResult, type DistanceReadings } from '../../bench/model/trial-result.ts';
import { DELAY_LINE_LATE_LIMIT_US } from '../../bench/model/generator-limits.ts';
import { selfSignedNames } from '../../servers/common/tls.ts';

const STATS_LINE =
  '{"realtime":true,"cpuUs":19000,"packets":[600,400],"bytes":[60000,90000],"overflow":[0,0],"queued":[1,0],"late":{"count":1000,"p50":40,"p99":300,"p999":900,"max":1200}}';

function stats(over: Partial<DelayLineStats> = {}): DelayLineStats {
  return { ...parseStats(STATS_LINE), ...over };
}

describe('the options of a network with distance', () => {
  it('take an RTT, a jitter and a bandwidth, each refused out of range with its own message', () => {
    expect(parseCommandLine(BENCH_OPTIONS, ['--rtt', '80', '--jitter', '10', '--bandwidth', '2.5']).values).toMatchObject({ rtt: 80, jitter: 10, bandwidth: 2.5 });
    expect(() => parseCommandLine(BENCH_OPTIONS, ['--rtt', '10001'])).toThrow('--rtt must be an integer from 0 to 10000, got "10001"');
    expect(() => parseCommandLine(BENCH_OPTIONS, ['--rtt', '-5'])).toThrow(/--rtt must be .* got "-5"/);
    expect(() => parseCommandLine(BENCH_OPTIONS, ['--jitter', '2.5'])).toThrow(/--jitter must be an integer/);
    expect(() => parseCommandLine(BENCH_OPTIONS, ['--bandwidth', '0'])).toThrow('--bandwidth must be a number from 0.1 to 10000, got "0"');
  });

  it('put every step of a scenario across the distance, and name it in the step labels', () => {
    const s = applyOverrides(resolveScenario('default'), { rtt: 80, jitter: 10, bandwidth: 5 });
    for (const step of s.steps) {
      expect(step.distance).toEqual({ rttMs: 80, jitterMs: 10, bandwidthMbit: 5 });
      expect(step.label).toContain('RTT 80 ms');
    }
    // Composable with --loss: both on every step.
    const lossy = applyOverrides(resolveScenario('default'), { rtt: 20, loss: 2 });
    expect(lossy.steps[0]).toMatchObject({ lossPct: 2, distance: { rttMs: 20, jitterMs: 0 } });
  });

  it('refuse what cannot be: jitter above the RTT, jitter or bandwidth without an RTT, --rtt on the scenario that sweeps it, distance on Redis', () => {
    expect(() => applyOverrides(resolveScenario('default'), { rtt: 20, jitter: 30 })).toThrow('jitter 30 ms is more than the RTT 20 ms');
    expect(() => applyOverrides(resolveScenario('default'), { jitter: 5 })).toThrow('--jitter needs --rtt');
    expect(() => applyOverrides(resolveScenario('default'), { bandwidth: 5 })).toThrow('--bandwidth needs --rtt');
    expect(() => applyOverrides(resolveScenario('wan'), { rtt: 20 })).toThrow('--rtt cannot be used with scenario wan: it varies the round-trip time from step to step (0 ms, 20 ms, 80 ms, 200 ms, 80 ms, 80 ms)');
    expect(() => applyOverrides(resolveScenario('default'), { rtt: 20, backplane: 'redis', instances: 2 })).toThrow('cannot be used with --instances or --backplane redis');
    // The wan scenario takes a jitter and a bandwidth for all its steps.
    const wan = applyOverrides(resolveScenario('wan'), { jitter: 0, bandwidth: 10 });
    expect(wan.steps.every((s) => s.distance?.bandwidthMbit === 10)).toBe(true);
  });

  it('are fields of a scenario file, checked against the same ranges', () => {
    const dir = mkdtempSync(join(tmpdir(), 'distance-scenario-'));
    try {
      const file = (distance: unknown): string => {
        const path = join(dir, `s${Math.random()}.json`);
        writeFileSync(path, JSON.stringify({ name: 'far', steps: [{ label: 'far', distance, workload: { rooms: 1, members: 2, ratePerMember: 1, bodyBytes: 16, durationMs: 1000, warmupMs: 0, burst: { spacingMs: 5 } }, variants: [{ id: 'websocket', transport: 'websocket' }] }] }));
        return path;
      };
      expect(loadScenarioFile(file({ rttMs: 40, jitterMs: 4, bandwidthMbit: 8 })).steps[0]).toMatchObject({ distance: { rttMs: 40, jitterMs: 4, bandwidthMbit: 8 }, workload: { burst: { spacingMs: 5 } } });
      expect(() => loadScenarioFile(file({ rttMs: 20000, jitterMs: 0 }))).toThrow(/steps.0.distance.rttMs must be <= 10000/);
      expect(() => loadScenarioFile(file({ rttMs: 20, jitterMs: 40 }))).toThrow('jitter 40 ms is more than the RTT 20 ms');
      expect(() => loadScenarioFile(file({ rttMs: 20 }))).toThrow(/must have required property 'jitterMs'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the wan scenario', () => {
  const wan = resolveScenario('wan');

  it('sweeps every chat transport over RTT 0, 20, 80 and 200 ms, in bursts, round by round', () => {
    const sweep = wan.steps.filter((s) => s.x?.name === 'rttMs');
    expect(sweep.map((s) => s.distance?.rttMs)).toEqual([...WAN_RTTS_MS]);
    for (const s of sweep) {
      expect(s.variants.map((v) => v.transport)).toEqual(['short-polling', 'long-polling', 'websocket', 'sse', 'webrtc', 'socketio']);
      expect(s.workload.burst?.spacingMs).toBeGreaterThan(0);
      // A room's burst fits inside one round trip from 80 ms: every member sends within it.
      expect(((s.workload.members - 1) * (s.workload.burst?.spacingMs ?? Infinity))).toBeLessThan(WAN_FOCUS_RTT_MS);
    }
    expect(wan.roundsAcrossSteps).toBe(true);
  });

  it(`runs the handshake variants and the loss step at ${WAN_FOCUS_RTT_MS} ms`, () => {
    const handshake = wan.steps.find((s) => s.variants.some((v) => v.keepAlive === false));
    expect(handshake?.distance?.rttMs).toBe(WAN_FOCUS_RTT_MS);
    expect(handshake?.variants.map((v) => v.id)).toEqual(['short-polling/keep-alive', 'short-polling/new-connection', 'short-polling/tls-keep-alive', 'short-polling/tls-new-connection', 'short-polling/tls-full-handshake']);
    const lossy = wan.steps.find((s) => s.lossPct !== undefined);
    expect(lossy).toMatchObject({ lossPct: WAN_LOSS_PCT, distance: { rttMs: WAN_FOCUS_RTT_MS } });
    expect(lossy?.variants.map((v) => v.id)).toContain('webrtc/lossy');
  });
});

describe('the delay line', () => {
  it('reads its stats line, and refuses one that lacks a field or is not JSON, quoting it', () => {
    expect(parseStats(STATS_LINE)).toMatchObject({ realtime: true, cpuUs: 19000, packets: [600, 400], late: { p99: 300 } });
    expect(() => parseStats('{"cpuUs":1}')).toThrow(`the delay line's stats lack a field: "{\\"cpuUs\\":1}"`);
    expect(() => parseStats('ready')).toThrow('is not JSON: "ready"');
  });

  it('names its devices within the kernel\'s 15 characters, and its namespaces so that a later run knows whose they are', () => {
    const [c, s] = deviceNames(4_194_304, 999);
    expect(c).toBe('bt4194304-999c');
    expect(s).toBe('bt4194304-999s');
    expect(c.length).toBeLessThanOrEqual(15);
    expect(namespaceOwner(namespaceName(1234, 7, 'c'))).toBe(1234);
    expect(namespaceOwner(namespaceName(1234, 7, 's'))).toBe(1234);
    expect(namespaceOwner('bench-1234-7x')).toBeUndefined();
  });

  it("gives netem half the RTT and half the jitter per side, and the rate, where a kernel has it", () => {
    expect(netemArgs({ rttMs: 80, jitterMs: 0 })).toEqual(['delay', '40000us']);
    expect(netemArgs({ rttMs: 25, jitterMs: 5, bandwidthMbit: 2.5 })).toEqual(['delay', '12500us', '2500us', 'rate', '2.5mbit']);
  });

  it('limits bandwidth with a bucket of 4 ms of traffic, never under two frames, and a 100 ms queue', () => {
    expect(tbfArgs(100)).toEqual(['rate', '100mbit', 'burst', '50000', 'latency', '100ms']);
    expect(tbfArgs(1)).toEqual(['rate', '1mbit', 'burst', '3200', 'latency', '100ms']);
  });
});

describe("the kernel's TCP counters", () => {
  const text = [
    'TcpExt: SyncookiesSent SyncookiesRecv ListenOverflows ListenDrops',
    'TcpExt: 142 0 67 70',
    'IpExt: InNoRoutes',
    'IpExt: 0',
    'Ip: Forwarding DefaultTTL',
    'Ip: 2 64',
    'Tcp: RtoAlgorithm ActiveOpens RetransSegs',
    'Tcp: 1 10 33',
    '4',
    '',
  ].join('\n');

  it("are read by name from /proc/net/netstat and snmp, with the device's drops last", () => {
    const c = parseKernelCounters(text);
    expect(c).toEqual({ listenOverflows: 67, listenDrops: 70, syncookiesSent: 142, retransSegs: 33, deviceDrops: 4 });
    expect(() => parseKernelCounters('Tcp: RetransSegs\nTcp: 1\n5\n')).toThrow("the kernel's counters have no TcpExt.ListenOverflows");
    expect(() => parseKernelCounters(text.replace('\n4\n', '\n'))).toThrow("end without the device's tx_dropped");
  });
});

describe('bursts', () => {
  it('send a room\'s members one after another, spacingMs apart, from a phase the room draws', () => {
    const draws = [0.5, 0.25];
    const random = (): number => draws.shift() ?? 0;
    // 1 msg/s: interval 1 s; room a draws 0.5 s, room b 0.25 s.
    const plans = planBursts(['a', 'a', 'b', 'a', 'b'], 1, 5000, random);
    expect(plans.map((p) => p.phaseUs)).toEqual([500_000, 505_000, 250_000, 510_000, 255_000]);
    expect(plans.every((p) => p.intervalUs === 1_000_000)).toBe(true);
    // A burst longer than the interval wraps around it.
    expect(planBursts(['a', 'a', 'a'], 100, 4000, () => 0.9).map((p) => p.phaseUs)).toEqual([9000, 3000, 7000]);
    expect(() => planBursts(['a'], 1, -1, () => 0)).toThrow('spacingUs must be a non-negative number, got -1');
  });
});

describe('a trial across a distance', () => {
  const readings = (over: Partial<DistanceReadings> = {}): DistanceReadings => ({
    spec: { rttMs: 80, jitterMs: 0 },
    method: 'tun-c',
    path: [80_900, 81_200, 80_700, 95_000, 81_000],
    line: { start: stats({ cpuUs: 1000, packets: [100, 100], overflow: [0, 0] }), end: stats({ cpuUs: 21_000, packets: [600, 600], overflow: [0, 0] }) },
    kernel: { clients: { listenOverflows: 0, listenDrops: 0, syncookiesSent: 0, retransSegs: 2, deviceDrops: 0 }, server: { listenOverflows: 0, listenDrops: 0, syncookiesSent: 0, retransSegs: 1, deviceDrops: 0 } },
    ...over,
  });

  it('reports the path measured, and the delay line over the window: CPU per packet and packet rate', () => {
    const d = distanceResult(readings(), 5_000_000);
    expect(d.path).toEqual({ samples: 5, median: 81_000, min: 80_700, max: 95_000 });
    expect(d.delayLine).toEqual({ realtime: true, cpuUs: 20_000, packets: 1000, packetsPerS: 200, cpuPerPacketUs: 20, late: { p50: 40, p99: 300, max: 1200 }, overflow: 0 });
    expect(delayLineReasons(d)).toEqual([]);
    expect(formatDistance(d)).toBe('RTT 80 ms asked, 81.0 ms measured (TCP connect, median of 5) · delay line (tun-c) 200 packets/s, 20.0 µs CPU each, 300 µs late at p99');
  });

  it('flags the trial when the line let packets leave late or dropped them for a full queue', () => {
    const late = distanceResult(readings({ line: { start: stats({ cpuUs: 1000, packets: [100, 100], overflow: [0, 0] }), end: stats({ cpuUs: 21_000, packets: [600, 600], overflow: [3, 1], late: { count: 1000, p50: 100, p99: DELAY_LINE_LATE_LIMIT_US + 500, p999: 4000, max: 5000 } }) } }), 5_000_000);
    expect(delayLineReasons(late)).toEqual([`the delay line let packets leave 2.5 ms late at p99 (limit ${DELAY_LINE_LATE_LIMIT_US / 1000} ms) at 200 packets/s`, 'the delay line dropped 4 packets for a full queue']);
    const unread = readings();
    const dropped = distanceResult({ ...unread, kernel: { ...unread.kernel, server: { ...unread.kernel.server, deviceDrops: 7 } } }, 5_000_000);
    expect(delayLineReasons(dropped)).toEqual(['the kernel dropped 7 packets the delay line did not read in time']);
    // With a bandwidth limit those drops are tbf's queue, the link's own: not the line falling behind.
    expect(delayLineReasons({ ...dropped, bandwidthMbit: 1 })).toEqual([]);
  });

  it('has no delay line figures where netem delayed the packets, and says so', () => {
    const { line: _line, ...readingsWithoutLine } = readings();
    const d = distanceResult({ ...readingsWithoutLine, method: 'netem' }, 5_000_000);
    expect(d.delayLine).toBeNull();
    expect(delayLineReasons(d)).toEqual([]);
    expect(formatDistance(d)).toBe("RTT 80 ms asked, 81.0 ms measured (TCP connect, median of 5) · delayed by the kernel's netem");
  });

  it('has no CPU per packet when no packet went through, and no path without a probe', () => {
    const idle = distanceResult(readings({ line: { start: stats({ cpuUs: 1000, packets: [100, 100], overflow: [0, 0] }), end: stats({ cpuUs: 1000, packets: [100, 100], overflow: [0, 0] }) } }), 5_000_000);
    expect(idle.delayLine?.cpuPerPacketUs).toBeNull();
    expect(() => pathSummary([])).toThrow('no path probe was made');
  });
});

describe('TLS across a distance', () => {
  it('makes the self-signed certificate valid for the address the server listens on', () => {
    expect(selfSignedNames('127.0.0.1')).toBe('subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost');
    expect(selfSignedNames('198.19.0.1')).toBe('subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost,IP:198.19.0.1');
    expect(selfSignedNames('localhost')).toBe('subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost');
    expect(selfSignedNames('0.0.0.0')).toBe('subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost');
  });
});
