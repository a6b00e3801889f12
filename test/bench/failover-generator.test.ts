/**
 * The generator's side of a failover (issue 11): each client on its own instance, moving to another
 * when it dies; every acknowledged message checked at every receiver by its seq; the time until
 * every client received again. Two servers in this process on one RoomLog stand for two instances
 * on one backplane.
 */
import { describe, expect, it, vi } from 'vitest';
import { ReceiverLedger } from '../../bench/generator/ledger.ts';
import { LoadGenerator } from '../../bench/generator/load-generator.ts';
import { makeBody } from '../../bench/generator/message-body.ts';
import { Receivers } from '../../bench/generator/receivers.ts';
import { RecoveryWatch } from '../../bench/generator/recovery.ts';
import type { GeneratorPlan, GeneratorResult, GeneratorToParent } from '../../bench/generator/ipc.ts';
import { assignClients } from '../../bench/run/trial.ts';
import { monotonicUs } from '../../servers/common/self-report.ts';
import type { ChatMessage } from '../../servers/contract/index.ts';
import { createChatServer, RoomLog, type ChatServer } from '../../servers/index.ts';
import { onCleanup } from '../../servers/contract/conformance/servers.ts';

function msg(room: string, seq: number, meantUs: number): ChatMessage {
  return { room, seq, id: `s.${seq}`, from: 's', body: makeBody('s', seq, meantUs, 32), ts: 0 };
}

function reported<T extends GeneratorToParent['type']>(reports: readonly GeneratorToParent[], type: T): Extract<GeneratorToParent, { type: T }> | undefined {
  return reports.find((r): r is Extract<GeneratorToParent, { type: T }> => r.type === type);
}

describe('the acknowledged ledger', () => {
  it('knows which seqs a receiver got, gaps included', () => {
    const ledger = new ReceiverLedger();
    for (const seq of [3, 4, 7, 9]) ledger.receive(seq);
    expect([2, 3, 4, 5, 6, 7, 8, 9, 10].filter((s) => ledger.has(s))).toEqual([3, 4, 7, 9]);
    ledger.receive(5);
    expect(ledger.has(5)).toBe(true);
    expect(new ReceiverLedger().has(1)).toBe(false);
  });

  it('counts every acknowledged seq a receiver of its room missed', () => {
    const r = new Receivers(false);
    const a = r.add('x');
    const b = r.add('x');
    r.add('y');
    r.setWindow({ windowStartUs: 0, windowEndUs: 10 });
    r.receive(a, [msg('x', 1, 1), msg('x', 2, 2), msg('x', 3, 3)], 5);
    r.receive(b, [msg('x', 1, 1), msg('x', 3, 3)], 5);
    // b missed 2; the receiver of y got nothing of its 2 acknowledged messages.
    expect(r.missingAcked({ x: [1, 2, 3], y: [1, 2] })).toBe(3);
    expect(r.missingAcked({ x: [1, 3] })).toBe(0);
  });
});

describe('RecoveryWatch', () => {
  it('times the last client to receive a message meant after the fault, and says who never did', () => {
    const watch = new RecoveryWatch(3);
    watch.fault('kill', 1000);
    // A message meant before the fault proves nothing, however late it comes.
    watch.received(0, 900, 1100);
    watch.received(0, 1000, 1200);
    watch.received(1, 1500, 1700);
    expect(watch.results()).toEqual([{ name: 'kill', atUs: 1000, recoveryUs: null, waiting: 1 }]);
    watch.received(2, 2000, 2600);
    watch.received(2, 2100, 2700);
    expect(watch.results()).toEqual([{ name: 'kill', atUs: 1000, recoveryUs: 1600, waiting: 0 }]);
  });
});

describe('a generator whose clients are spread over two instances', () => {
  it.each(['websocket', 'long-polling', 'short-polling', 'sse'] as const)('on %s: the clients of a killed instance move to the other, nothing acknowledged is lost', async (transport) => {
    const log = new RoomLog({ historySize: 10_000 });
    const servers = [await createChatServer(transport, { port: 0 }, log), await createChatServer(transport, { port: 0 }, log)];
    const [dead, alive] = servers as [ChatServer, ChatServer];
    onCleanup(() => alive.close());
    const urls = [await dead.listen(), await alive.listen()];
    const workload = { rooms: 2, members: 4, ratePerMember: 20, bodyBytes: 64, durationMs: 1500, warmupMs: 100 };
    const [clients] = assignClients(workload, 1, 'fo-', Infinity, 2);
    expect(clients?.map((c) => c.instance)).toEqual([0, 1, 0, 1, 0, 1, 0, 1]);
    const reports: GeneratorToParent[] = [];
    const variant = transport === 'short-polling' ? { id: transport, transport, pollIntervalMs: 50 } : { id: transport, transport };
    const plan: GeneratorPlan = { type: 'plan', index: 0, url: urls[0] as string, urls, variant, workload, clients: clients ?? [], seed: 3, connectConcurrency: 8, sourceAddresses: [] };
    const generator = new LoadGenerator(plan, (r) => reports.push(r));
    await generator.setup();

    const startUs = monotonicUs() + 50_000;
    const windowStartUs = startUs + 100_000;
    generator.run({ type: 'start', startUs, windowStartUs, windowEndUs: windowStartUs + 1_500_000, settleMs: 5000, drainMs: 5000 });
    // Kill instance 0 a third into the window, while traffic flows.
    await vi.waitFor(() => expect(monotonicUs()).toBeGreaterThan(windowStartUs + 500_000), { timeout: 5000, interval: 10 });
    generator.fault('kill instance 0', monotonicUs());
    await dead.close();

    const end = await vi.waitFor(() => reported(reports, 'window-end') ?? Promise.reject(new Error('no window-end yet')), { timeout: 10_000, interval: 10 });
    generator.expect(end.stored, end.acked);
    const result: GeneratorResult = (await vi.waitFor(() => reported(reports, 'result') ?? Promise.reject(new Error('no result yet')), { timeout: 15_000, interval: 10 })).result;
    await generator.close();

    const acked = Object.values(end.acked).reduce((n, seqs) => n + seqs.length, 0);
    expect(acked).toBe(result.stored);
    expect(acked).toBeGreaterThan(20);
    expect(result.lostAcknowledged).toBe(0);
    expect(result.duplicated).toBe(0);
    expect(result.events.reconnects).toBeGreaterThanOrEqual(1);
    const [recovery] = result.recoveries ?? [];
    expect(recovery?.waiting).toBe(0);
    expect(recovery?.recoveryUs).toBeGreaterThan(0);
  });
});
