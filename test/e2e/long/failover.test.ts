/**
 * A tiny failover run end to end (issue 11): three instances of each transport on a redis-server
 * the test starts, members spread over them; while traffic flows one instance is killed with
 * SIGKILL and Redis is restarted with its data. Nothing acknowledged may be lost, the clients of the
 * killed instance come back on the others, every client receives again after each fault, and the
 * results and report say so. Without redis-server the suite says it was skipped, and why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisMissingReason, startBroker, type StartedBroker } from '../../../bench/cluster/broker.ts';
import { readInfo } from '../../../bench/cluster/broker-sampler.ts';
import type { BenchResults, Scenario, TrialResult } from '../../../bench/model/results.ts';
import { runBench, type RunOutcome } from '../../../bench/run/run.ts';
import { liveChildren } from '../../../bench/run/spawn.ts';
import { checkTargets } from '../../../bench/run/targets.ts';
import { describeMachine } from '../../../bench/run/machine.ts';
import { clusterSection } from '../../../report/cluster.ts';

const MISSING = redisMissingReason();
const HAVE_REDIS = MISSING === undefined;
const title = HAVE_REDIS ? 'a tiny failover run' : `a tiny failover run (skipped: ${MISSING})`;
if (!HAVE_REDIS) console.warn(`test/e2e/long/failover.test.ts skipped: ${MISSING}`);

const INSTANCES = 3;
const TINY: Scenario = {
  name: 'tiny-failover',
  description: 'end-to-end failover test',
  rounds: 1,
  generators: 1,
  steps: [
    {
      label: 'tiny failover',
      cluster: { instances: INSTANCES, backplane: 'redis', fault: 'failover' },
      // A 6 s window: the kill at 1.5 s, the Redis restart at 3.6 s, 2.4 s after it for the clients to come back.
      workload: { rooms: 2, members: 3, ratePerMember: 4, bodyBytes: 64, durationMs: 6000, warmupMs: 500 },
      variants: [
        { id: 'short-polling', transport: 'short-polling', pollIntervalMs: 200 },
        { id: 'long-polling', transport: 'long-polling', waitMs: 25_000 },
        { id: 'websocket', transport: 'websocket' },
        { id: 'sse', transport: 'sse' },
        { id: 'socketio', transport: 'socketio', engine: 'upgrade' },
        { id: 'socketio/polling', transport: 'socketio', engine: 'polling' },
      ],
    },
  ],
};

let broker: StartedBroker | undefined;
let outcome: RunOutcome;
const trial = (id: string): TrialResult => {
  const t = outcome.steps[0]?.variants.find((v) => v.variant.id === id)?.trials[0];
  if (!t) throw new Error(`no trial for ${id}`);
  return t;
};

describe.skipIf(!HAVE_REDIS)(title, () => {
  beforeAll(async () => {
    broker = await startBroker();
    outcome = await runBench({ scenario: TINY, seed: 11, pin: false, micro: null, ceiling: null, broker }, () => undefined);
  }, 180_000);
  afterAll(async () => {
    await broker?.stop();
  });

  it('completes, leaving no process behind but the Redis it was given', async () => {
    expect(outcome.status).toBe('complete');
    expect(liveChildren()).toBe(0);
    expect(outcome.warnings.filter((w) => !w.includes('generator was the bottleneck'))).toEqual([]);
    // The Redis the run restarted once per trial answers again, its dataset loaded.
    expect((await readInfo(broker?.url ?? '')).loading).toBe('0');
  });

  it.each(['short-polling', 'long-polling', 'websocket', 'sse', 'socketio', 'socketio/polling'])('%s: loses nothing acknowledged, and every client received again after each fault', (id) => {
    const t = trial(id);
    const f = t.failover;
    expect(f).toBeDefined();
    expect(f?.acknowledged).toBeGreaterThan(0);
    expect(f?.lostAcknowledged).toBe(0);
    expect(t.delivery.lostAcknowledged).toBe(0);
    // Every acknowledged message reached all 3 members of its room.
    expect(t.delivery.delivered).toBeGreaterThanOrEqual((f?.acknowledged ?? 0) * 3);
    expect(f?.faults.map((fault) => fault.name)).toEqual([`SIGKILL instance 0 of ${INSTANCES}`, 'Redis restart (data kept)']);
    for (const fault of f?.faults ?? []) {
      expect(fault.waiting, fault.name).toBe(0);
      expect(fault.recoveryMs, fault.name).toBeGreaterThan(0);
    }
    expect(f?.faults[1]?.outageMs).toBeGreaterThan(0);
    // The killed instance's clients came back elsewhere.
    expect(f?.reconnects).toBeGreaterThan(0);
    expect(t.instances?.map((i) => i.killed === true)).toEqual([true, false, false]);
    // Redis restarted inside the window, and its figures are counted across the restart.
    expect(t.broker?.restarts).toBe(1);
    expect(t.broker?.commandsPerMessage).toBeGreaterThan(1);
    expect(t.ok, t.problems.join('; ')).toBe(true);
  });

  it('meets the failover target and shows the faults in the report', () => {
    const target = checkTargets(outcome.steps, []).find((c) => c.name === 'nothing acknowledged lost in a failover');
    expect(target).toMatchObject({ value: 0, pass: true });
    const results = { machine: describeMachine(), steps: outcome.steps } as unknown as BenchResults;
    const section = clusterSection(results).toString();
    expect(section).toContain('Redis restart (data kept)');
    expect(section).toContain('every client again after');
    expect(section).toContain('<span class="badge supported">0</span>');
  });
});
