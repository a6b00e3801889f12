/**
 * "A framework costs little over its transport": Socket.IO on engine.io's WebSocket against the
 * WebSocket server, on its long polling against the long-polling server, judged on server CPU and
 * bytes per message and heap per client, from hand-made figures.
 */
import { describe, expect, it } from 'vitest';
import type { StepResult, Variant } from '../../bench/model/results.ts';
import { checkClaims } from '../../report/claims.ts';
import { defaultStep, results, step, variant } from './fixture.ts';

const CLAIM = 'A framework costs little over its transport';
const SIO_WS: Variant = { id: 'socketio/websocket', transport: 'socketio', engine: 'websocket' };
const SIO_POLL: Variant = { id: 'socketio/polling', transport: 'socketio', engine: 'polling' };

/** The default step with Socket.IO on both engines; in the fixture WebSocket is 60 µs, 465 B, 4,000 B of heap; long polling 110 µs, 750 B, 8,000 B. */
function withSocketIo(ws: { cpu: number; bytes: number; heap: number }, polling = { cpu: 120, bytes: 800, heap: 9000 }): StepResult {
  const base = defaultStep();
  const sio = (v: Variant, f: { cpu: number; bytes: number; heap: number }) =>
    variant(v, { 'latency.p50': 1000, 'latency.p99': 4000, 'perDelivered.serverCpuUs': f.cpu, 'perDelivered.bytes': f.bytes, 'server.perClientHeapBytes': f.heap }, [900, 1000, 4000]);
  return step(base.step.label, [...base.variants, sio(SIO_WS, ws), sio(SIO_POLL, polling)], base.step.workload);
}

const judge = (s: StepResult) => checkClaims(results([s])).find((c) => c.claim === CLAIM);

describe(`"${CLAIM}"`, () => {
  it('is not measured without Socket.IO beside the server of its transport', () => {
    expect(judge(defaultStep())?.verdict).toBe('not measured');
  });

  it('is supported within 1.25× on every figure of both engines, and says each ratio, with raw ws beside WebSocket', () => {
    const claim = judge(withSocketIo({ cpu: 70, bytes: 480, heap: 4500 }));
    expect(claim?.verdict).toBe('supported');
    expect(claim?.evidence[0]).toBe(
      "In “10 rooms × 10 members, 1 msg/s each”, Socket.IO on engine.io's websocket alone against WebSocket: server CPU per message 70.0 µs against 60.0 µs (1.17×); " +
        'bytes per message 480 B against 465 B (1.03×); heap per client 4.39 KiB against 3.91 KiB (1.13×); against raw ws (baseline), server CPU per message 70.0 µs against 40.0 µs (1.75×).',
    );
    expect(claim?.evidence[1]).toMatch(/^In “10 rooms × 10 members, 1 msg\/s each”, Socket.IO on engine.io's polling alone against long polling/);
  });

  it('is qualified between 1.25× and 2× on any figure, and refuted beyond 2×, on either engine', () => {
    expect(judge(withSocketIo({ cpu: 90, bytes: 480, heap: 4500 }))?.verdict).toBe('qualified');
    expect(judge(withSocketIo({ cpu: 70, bytes: 480, heap: 12_000 }))?.verdict).toBe('refuted');
    expect(judge(withSocketIo({ cpu: 70, bytes: 480, heap: 4500 }, { cpu: 120, bytes: 1600, heap: 9000 }))?.verdict).toBe('refuted');
  });
});
