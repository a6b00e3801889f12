/** The generator's receive accounting, fed by fake clients' message batches, with exact numbers. */
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../servers/contract/index.ts';
import { makeBody } from '../../bench/generator/message-body.ts';
import { Receivers } from '../../bench/generator/receivers.ts';

const WINDOW = { windowStartUs: 1_000_000, windowEndUs: 2_000_000 };

/** A message as a fake client hands it over: room seq, and a body stamped by `sender`'s k-th send. */
function msg(room: string, seq: number, sender: string, k: number, meantUs: number): ChatMessage {
  return { room, seq, id: `${sender}.${k}`, from: sender, body: makeBody(sender, k, meantUs, 64), ts: 0 };
}

describe('Receivers', () => {
  it('counts window messages once per receiver and times them from the scheduled send', () => {
    const r = new Receivers(false);
    const a = r.add('room-0');
    const b = r.add('room-0');
    r.setWindow(WINDOW);
    const batch = [msg('room-0', 1, 's', 0, 900_000), msg('room-0', 2, 's', 1, 1_000_000), msg('room-0', 3, 's', 2, 1_500_000), msg('room-0', 4, 's', 3, 2_000_000)];
    r.receive(a, batch, 2_100_000);
    r.receive(b, batch.slice(0, 2), 1_000_250);
    // Window: seq 2 and 3 (meant in [1 s, 2 s)); seq 1 is warm-up, seq 4 is after the window.
    expect(r.counts()).toEqual({ delivered: 3, duplicated: 0, reordered: 0 });
    expect(r.latency.count).toBe(3);
    const s = r.latency.summary();
    // 250 µs for b's seq 2; 1,100,000 and 600,000 µs for a's (HDR keeps 3 significant digits).
    expect(s.p50).toBeGreaterThanOrEqual(600_000);
    expect(s.p50).toBeLessThan(600_600);
    expect(r.complete({ 'room-0': 2 })).toBe(false);
    r.receive(b, batch.slice(2), 2_100_000);
    expect(r.complete({ 'room-0': 2 })).toBe(true);
  });

  it('counts a repeat as a duplicate and a step back into a gap as a reorder, delivered once', () => {
    const r = new Receivers(false);
    const a = r.add('room-0');
    r.setWindow(WINDOW);
    const m = (seq: number): ChatMessage => msg('room-0', seq, 's', seq, 1_100_000 + seq);
    r.receive(a, [m(1), m(2), m(4)], 1_200_000);
    r.receive(a, [m(2)], 1_200_000);
    r.receive(a, [m(3)], 1_200_000);
    r.receive(a, [m(4)], 1_200_000);
    expect(r.counts()).toEqual({ delivered: 4, duplicated: 2, reordered: 1 });
  });

  it('keeps rooms apart: the same seq in two rooms is two messages', () => {
    const r = new Receivers(false);
    const a = r.add('room-0');
    const b = r.add('room-1');
    r.setWindow(WINDOW);
    r.receive(a, [msg('room-0', 1, 'x', 0, 1_100_000)], 1_100_100);
    r.receive(b, [msg('room-1', 1, 'y', 0, 1_100_000)], 1_100_100);
    expect(r.counts()).toEqual({ delivered: 2, duplicated: 0, reordered: 0 });
  });

  it('checks each sender\u2019s own sequence for the raw baseline, which has no seq', () => {
    const r = new Receivers(true);
    const a = r.add('room-0');
    r.setWindow(WINDOW);
    const raw = (sender: string, k: number): ChatMessage => ({ ...msg('room-0', 0, sender, k, 1_100_000 + k), seq: 0 });
    r.receive(a, [raw('p', 0), raw('q', 0), raw('p', 1), raw('q', 1), raw('p', 1)], 1_200_000);
    expect(r.counts()).toEqual({ delivered: 4, duplicated: 1, reordered: 0 });
  });

  it('ignores bodies it did not stamp, and counts nothing before a window is set', () => {
    const r = new Receivers(false);
    const a = r.add('room-0');
    r.receive(a, [{ room: 'room-0', seq: 1, id: 'x', from: 'x', body: 'hello', ts: 0 }, msg('room-0', 2, 's', 0, 1_100_000)], 1_200_000);
    expect(r.counts()).toEqual({ delivered: 0, duplicated: 0, reordered: 0 });
    expect(() => r.receive(5, [], 0)).toThrow(RangeError);
  });

  it('times the fan-out leg from the server\'s ts to the receipt, for window messages the server stamped', () => {
    const r = new Receivers(false);
    const a = r.add('room-0');
    r.setWindow(WINDOW);
    // Stored 40 ms and 250 ms ago by the server's wall clock; the third has no server clock (ts 0).
    const now = Date.now();
    const stamped = (seq: number, agoMs: number): ChatMessage => ({ ...msg('room-0', seq, 's', seq, 1_100_000 + seq), ts: agoMs === 0 ? 0 : now - agoMs });
    r.receive(a, [stamped(1, 40), stamped(2, 250), stamped(3, 0)], 1_200_000);
    expect(r.counts().delivered).toBe(3);
    expect(r.fanout.count).toBe(2);
    const s = r.fanout.summary();
    // At least the time since ts; the test's own steps add at most a few ms (HDR: 3 significant digits).
    expect(s.p50).toBeGreaterThanOrEqual(40_000);
    expect(s.p50).toBeLessThan(60_000);
    expect(s.max).toBeGreaterThanOrEqual(250_000);
    expect(s.max).toBeLessThan(270_000);
  });
});
