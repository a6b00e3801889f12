/** The report's section on instances and the broker, from hand-written trials with exact numbers. */
import { describe, expect, it } from 'vitest';
import type { Cluster, FailoverResult, StepResult, TrialResult } from '../../bench/model/results.ts';
import { clusterSection } from '../../report/cluster.ts';
import { defaultStep, results } from './fixture.ts';

/** The fixture's default step, its trials on `cluster`, with a broker and optionally a failover. */
function onCluster(cluster: Cluster, label: string, failover?: FailoverResult): StepResult {
  const step = defaultStep();
  const broker = { cpuUs: 25_000, cpuShare: 0.025, commands: 2000, usedMemoryBytes: 1_500_000, opsPerSecond: 800, cpuUsPerMessage: 250, commandsPerMessage: 8.2, restarts: 0, samples: 12 };
  const instances = Array.from({ length: cluster.instances }, (_, i) => ({ instance: i, cpuUs: 1000, cpuShare: 0.1 + i / 100, rssWindowBytes: 100 * 2 ** 20, rssPeakBytes: 110 * 2 ** 20, ...(failover && i === 0 ? { killed: true as const } : {}) }));
  const trial = (t: TrialResult): TrialResult => ({ ...t, cluster, instances, broker, ...(failover ? { failover } : {}) });
  return { ...step, step: { ...step.step, label, cluster }, variants: step.variants.slice(2, 3).map((v) => ({ ...v, trials: v.trials.map(trial) })) };
}

describe('the instances and broker section', () => {
  it('is absent from a run on one process without a cluster', () => {
    expect(clusterSection(results([defaultStep()]))).toBe('');
  });

  it("shows each instance, Redis's cost per message, and that two cores cannot add capacity when the steps vary the instances", () => {
    const html = clusterSection(results([onCluster({ instances: 1, backplane: 'memory' }, 'one'), onCluster({ instances: 2, backplane: 'redis' }, 'two')], 'scale-out')).toString();
    expect(html).toContain('more instances cannot');
    expect(html).toContain('<td>2 on redis</td>');
    expect(html).toContain('#0: 10% · 100 MiB; #1: 11% · 100 MiB');
    expect(html).toContain('<td>250 µs</td><td>8.2</td>');
    expect(html).not.toContain('<h3>Failover</h3>');
  });

  it('shows a failover: acknowledged and lost, each fault with its recovery, a client that never came back', () => {
    const failover: FailoverResult = {
      acknowledged: 600,
      notAcknowledged: 40,
      delivered: 3600,
      lostAcknowledged: 2,
      reconnects: 20,
      faults: [
        { name: 'SIGKILL instance 0 of 3', atMs: 3000, recoveryMs: 460, waiting: 0 },
        { name: 'Redis restart (data kept)', atMs: 7200, outageMs: 300, recoveryMs: null, waiting: 3 },
      ],
    };
    const html = clusterSection(results([onCluster({ instances: 3, backplane: 'redis', fault: 'failover' }, 'failover', failover)], 'failover')).toString();
    expect(html).toContain('<h3>Failover</h3>');
    expect(html).toContain('(killed)');
    expect(html).toContain('<span class="badge refuted">2</span>');
    expect(html).toContain('SIGKILL instance 0 of 3 at 3.00 s: every client again after 460 ms');
    expect(html).toContain('Redis restart (data kept) at 7.20 s, down 300 ms: 3 clients never received again');
    // One step, one instance count: no capacity note.
    expect(html).not.toContain('more instances cannot');
  });
});
