/**
 * A tiny real run on a lossy loopback, end to end: every trial's server and generator in a network
 * namespace of its own whose nftables rule drops 10% of packets. Asserts that the rule dropped
 * packets at about the rate asked, that the TCP transports still delivered every message, and that
 * no namespace is left. And the sanity check of METHOD.md: 5% loss on a TCP echo puts its p99 past
 * one retransmission timeout. Skipped, saying why, without root, iproute2 or nftables.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureEcho, type EchoResult } from '../../../bench/network/lossy-echo.ts';
import { checkLossySupport, liveNamespaces, namespaceOwner, removeStaleNamespaces } from '../../../bench/network/lossy-net.ts';
import type { Scenario, TrialResult } from '../../../bench/model/results.ts';
import type { RunOutcome } from '../../../bench/run/run.ts';
import { expectCleanRun, namespacesOf, runTiny, trialOf } from '../../helpers/tiny-run.ts';

const missing = await checkLossySupport();
if (missing) console.warn(`lossy e2e tests skipped: ${missing}`);

/**
 * 10% rather than more: TCP's retransmission timeout doubles on each loss of the same segment
 * (200, 400, 800, 1600, 3200, 6400, 12800 ms), and the 30 s wait of a lossy trial covers seven
 * losses in a row; at 10% an eighth in a row is one in a hundred million per segment (a new
 * connection's SYN, from 1 s, gets four), so "delivered everything" is a fact of the transport,
 * not luck. At 20% it would be far nearer the few thousand segments of a run.
 */
const LOSS_PCT = 10;
/**
 * The realised rate is a binomial draw: with a few thousand packets in the window its standard
 * deviation is under 1 point, so 5 points either way fails only a broken rule.
 */
const RATE_TOLERANCE_PCT = 5;
/** Linux's smallest TCP retransmission timeout: a lost segment of an echo costs at least this. */
const TCP_RTO_MIN_US = 200_000;

const TINY: Scenario = {
  name: 'tiny-lossy',
  description: 'end-to-end test on a lossy loopback',
  rounds: 1,
  generators: 1,
  steps: [
    {
      label: `${LOSS_PCT}% loss`,
      lossPct: LOSS_PCT,
      workload: { rooms: 2, members: 3, ratePerMember: 4, bodyBytes: 64, durationMs: 2500, warmupMs: 500 },
      variants: [
        { id: 'short-polling', transport: 'short-polling', pollIntervalMs: 200 },
        { id: 'long-polling', transport: 'long-polling', waitMs: 25_000 },
        { id: 'websocket', transport: 'websocket' },
      ],
    },
  ],
};

const CLI = fileURLToPath(new URL('../../../cli/bench.ts', import.meta.url));

const BENCH_OPTIONS = { reject: false, env: { ...process.env, NODE_OPTIONS: '' }, timeout: 120_000 } as const;

function bench(args: readonly string[]): ResultPromise<typeof BENCH_OPTIONS> {
  return execa(process.execPath, ['--import', 'tsx', CLI, ...args], BENCH_OPTIONS);
}

/** How often to look for the bench's namespace, and for how long at most. */
const LOOK_EVERY_MS = 50;
const LOOK_FOR_MS = 60_000;

/** Waits until the bench prints that its first trial starts, then until that trial's namespace is there (bounded). */
async function firstTrialNamespace(child: ResultPromise<typeof BENCH_OPTIONS>): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      if (!text.includes('[1/')) return;
      child.stderr.off('data', onData);
      resolve();
    };
    child.stderr.on('data', onData);
    void child.then((result) => reject(new Error(`the bench exited before its first trial: ${result.stderr}`)));
  });
  return firstNamespaceOf(child.pid as number);
}

/** Waits until the process `pid` has made a namespace, bounded. */
async function firstNamespaceOf(pid: number): Promise<string> {
  const deadline = performance.now() + LOOK_FOR_MS;
  for (;;) {
    const [name] = await namespacesOf(pid);
    if (name) return name;
    if (performance.now() > deadline) throw new Error(`the bench (pid ${pid}) made no namespace within ${LOOK_FOR_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, LOOK_EVERY_MS));
  }
}


describe.skipIf(missing !== undefined)(missing ? `a tiny lossy run (skipped: ${missing})` : 'a tiny lossy run', () => {
  let outcome: RunOutcome;
  const trial = (id: string): TrialResult => trialOf(outcome, id);

  beforeAll(async () => {
    outcome = await runTiny(TINY);
  }, 180_000);

  it('completes and leaves no process and no namespace behind', async () => {
    await expectCleanRun(outcome);
  });

  it('each trial ran in a namespace of its own, whose rule dropped packets at about the rate asked', () => {
    const names = new Set<string>();
    for (const id of ['short-polling', 'long-polling', 'websocket']) {
      const network = trial(id).network;
      expect(network, id).toBeDefined();
      if (!network) continue;
      names.add(network.namespace);
      expect(namespaceOwner(network.namespace), id).toBe(process.pid);
      expect(network.lossPct, id).toBe(LOSS_PCT);
      expect(network.window.dropped, id).toBeGreaterThan(0);
      expect(network.trial.packets, id).toBeGreaterThanOrEqual(network.window.packets);
      expect(network.trial.dropped, id).toBeGreaterThanOrEqual(network.window.dropped);
      const realised = (100 * network.window.dropped) / network.window.packets;
      expect(realised, id).toBeGreaterThan(LOSS_PCT - RATE_TOLERANCE_PCT);
      expect(realised, id).toBeLessThan(LOSS_PCT + RATE_TOLERANCE_PCT);
    }
    expect(names.size).toBe(3);
  });

  it('the TCP transports still delivered every message, in order', () => {
    for (const id of ['short-polling', 'long-polling', 'websocket']) {
      const t = trial(id);
      expect(t.problems, id).toEqual([]);
      expect(t.delivery.expected, id).toBeGreaterThan(0);
      expect(t.delivery.delivered, id).toBe(t.delivery.expected);
      expect(t.delivery.duplicated + t.delivery.reordered, id).toBe(0);
    }
  });
});

describe.skipIf(missing !== undefined)(missing ? `cleaning up (skipped: ${missing})` : 'cleaning up', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lossy-e2e-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const args = (out: string): string[] => ['--scenario', 'lossy', '--quick', '--transports', 'websocket', '--rounds', '1', '--out', join(dir, out)];

  it('Ctrl-C during a lossy trial deletes its namespace before the bench exits', async () => {
    const child = bench(args('interrupted.json'));
    const pid = child.pid as number;
    await firstTrialNamespace(child);
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode, result.stderr).toBe(130);
    expect(await namespacesOf(pid)).toEqual([]);
  }, 120_000);

  it('a bench killed outright leaves its namespace, and the next run deletes it', async () => {
    const child = bench(args('killed.json'));
    const pid = child.pid as number;
    const name = await firstTrialNamespace(child);
    child.kill('SIGKILL');
    await child;
    expect(await namespacesOf(pid)).toEqual([name]);
    // What the next run does before its first trial.
    expect(await removeStaleNamespaces()).toContain(name);
    expect(await namespacesOf(pid)).toEqual([]);
  }, 120_000);
});

describe.skipIf(missing !== undefined)(missing ? `the TCP echo on a lossy loopback (skipped: ${missing})` : 'the TCP echo on a lossy loopback', () => {
  let clean: EchoResult;
  let lossy: EchoResult;
  beforeAll(async () => {
    clean = await measureEcho(0);
    lossy = await measureEcho(5);
  }, 180_000);
  afterAll(() => {
    console.info(`TCP echo p99: ${(clean.latency.p99 / 1000).toFixed(2)} ms at 0% loss, ${(lossy.latency.p99 / 1000).toFixed(1)} ms at 5% (${lossy.counted.dropped} of ${lossy.counted.packets} packets dropped)`);
  });

  it('at 0% the rule drops nothing; at 5% it drops and the p99 passes one retransmission timeout', () => {
    expect(clean.counted.dropped).toBe(0);
    expect(clean.counted.packets).toBeGreaterThan(0);
    expect(lossy.counted.dropped).toBeGreaterThan(0);
    expect(lossy.latency.p99).toBeGreaterThanOrEqual(TCP_RTO_MIN_US);
    // The median round trip never met a loss: on a quiet or busy machine it stays far below a timeout.
    expect(lossy.latency.p50).toBeLessThan(TCP_RTO_MIN_US / 10);
    expect(liveNamespaces()).toBe(0);
  });
});
