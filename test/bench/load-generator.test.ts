/**
 * The generator's class, driven in this process against a real server: what the generator process
 * does between the harness's IPC commands (`main.ts` only wires them), with its reports collected.
 */
import { describe, expect, it, vi } from 'vitest';
import { monotonicUs } from '../../servers/common/self-report.ts';
import { LoadGenerator } from '../../bench/generator/load-generator.ts';
import type { GeneratorPlan, GeneratorResult, GeneratorToParent } from '../../bench/generator/ipc.ts';
import { startServer } from '../../servers/contract/conformance/servers.ts';

/** A report of one type, once it has come. */
function reported<T extends GeneratorToParent['type']>(reports: readonly GeneratorToParent[], type: T): Extract<GeneratorToParent, { type: T }> | undefined {
  return reports.find((r): r is Extract<GeneratorToParent, { type: T }> => r.type === type);
}

describe('LoadGenerator', () => {
  it.each(['websocket', 'long-polling'] as const)('drives its members open loop on %s and checks every delivery at every receiver', async (transport) => {
    const { url } = await startServer(transport);
    const reports: GeneratorToParent[] = [];
    const plan: GeneratorPlan = {
      type: 'plan',
      index: 0,
      url,
      variant: transport === 'long-polling' ? { id: transport, transport, waitMs: 25_000 } : { id: transport, transport },
      workload: { rooms: 1, members: 3, ratePerMember: 20, bodyBytes: 64, durationMs: 400, warmupMs: 100 },
      clients: ['a', 'b', 'c'].map((sender) => ({ room: 'gen-test', sender })),
      seed: 1,
      connectConcurrency: 3,
      // Its members connect from two addresses of their own, as a generator of a trial does.
      sourceAddresses: ['127.1.0.1', '127.1.0.2'],
    };
    const generator = new LoadGenerator(plan, (r) => reports.push(r));
    await generator.setup();
    expect(reported(reports, 'ready')?.clients).toBe(3);

    const startUs = monotonicUs() + 50_000;
    generator.run({ type: 'start', startUs, windowStartUs: startUs + 100_000, windowEndUs: startUs + 500_000, settleMs: 3000, drainMs: 3000 });
    // The harness answers the window's end with what was stored in every generator; here there is one.
    const end = await vi.waitFor(() => reported(reports, 'window-end') ?? Promise.reject(new Error('no window-end yet')), { timeout: 10_000, interval: 10 });
    generator.expect(end.stored);
    const result: GeneratorResult = (await vi.waitFor(() => reported(reports, 'result') ?? Promise.reject(new Error('no result yet')), { timeout: 10_000, interval: 10 })).result;
    await generator.close();

    const stored = end.stored['gen-test'] ?? 0;
    expect(stored).toBeGreaterThan(0);
    // Everyone gets everything, the author included: stored window messages × members.
    expect(result.delivered).toBe(stored * 3);
    expect(result.stored).toBe(stored);
    expect(result.sendFailed).toBe(0);
    expect(result.duplicated).toBe(0);
    expect(result.reordered).toBe(0);
    // Its own CPU over the window, which the trial divides by the deliveries.
    expect(result.cpuUs).toBeGreaterThan(0);
    expect(result.cpuShare).toBeCloseTo(result.cpuUs / 400_000, 6);
  });
});
