import { afterEach, describe, expect, it } from 'vitest';
import { PreciseClock } from '../../bench/generator/alarm.ts';
import { OpenLoopScheduler } from '../../bench/generator/schedule.ts';

const clocks: PreciseClock[] = [];
function clock(earlyUs?: number): PreciseClock {
  const c = new PreciseClock(earlyUs);
  clocks.push(c);
  return c;
}
afterEach(async () => {
  await Promise.all(clocks.splice(0).map((c) => c.close()));
});

/** Arms a timer and resolves with the clock's time when it fired. */
function fired(c: PreciseClock, delayMs: number): Promise<number> {
  return new Promise((resolve) => c.setTimer(() => resolve(c.now()), delayMs));
}

describe('PreciseClock', () => {
  it.each([0, 300])('fires each timer once, never before its due time, fractions of a ms kept (earlyUs %i)', async (earlyUs) => {
    const c = clock(earlyUs);
    // 0.2 ms is within 300 µs: polled from the start, with no thread.
    for (const delayMs of [0.2, 1.7, 4.25, 0]) {
      const armedUs = c.now();
      const atUs = await fired(c, delayMs);
      expect(atUs - armedUs).toBeGreaterThanOrEqual(delayMs * 1000);
    }
  });

  it.each([0, 300])('never fires a timer cancelled while the loop polls for it or the thread waits (earlyUs %i)', async (earlyUs) => {
    const c = clock(earlyUs);
    let cancelledFired = false;
    c.setTimer(() => (cancelledFired = true), 0.25).cancel();
    const armedUs = c.now();
    const atUs = await fired(c, 2);
    expect(atUs - armedUs).toBeGreaterThanOrEqual(2000);
    expect(cancelledFired).toBe(false);
  });

  it('refuses a negative earlyUs', () => {
    expect(() => new PreciseClock(-1)).toThrow(RangeError);
  });

  it('never fires a cancelled timer', async () => {
    const c = clock();
    let cancelledFired = false;
    const timer = c.setTimer(() => (cancelledFired = true), 1);
    timer.cancel();
    // A later timer fires after the cancelled one's due time: by then it would have fired.
    const armedUs = c.now();
    const atUs = await fired(c, 3);
    expect(atUs - armedUs).toBeGreaterThanOrEqual(3000);
    expect(cancelledFired).toBe(false);
    // Cancelling a timer that fired, or twice, does nothing.
    timer.cancel();
    expect(await fired(c, 0.5)).toBeGreaterThan(atUs);
  });

  it('holds one timer at a time, and none after close', async () => {
    const c = clock();
    const timer = c.setTimer(() => undefined, 50);
    expect(() => c.setTimer(() => undefined, 1)).toThrow(/one timer at a time/);
    timer.cancel();
    await c.close();
    expect(() => c.setTimer(() => undefined, 1)).toThrow(/closed/);
    await c.close();
  });

  it('drives an open-loop schedule: every send made, none before its meant time', async () => {
    const c = clock();
    const calls: [number, number][] = [];
    const startUs = c.now() + 2000;
    const scheduler = new OpenLoopScheduler({
      clock: c,
      senders: [0, 333, 666].map((phaseUs) => ({ intervalUs: 1000, phaseUs })),
      startUs,
      endUs: startUs + 20_000,
      onSend: (_sender, _k, meantUs, nowUs) => calls.push([meantUs, nowUs]),
    });
    scheduler.start();
    await scheduler.whenDone();
    expect(calls).toHaveLength(60);
    for (const [meantUs, nowUs] of calls) expect(nowUs).toBeGreaterThanOrEqual(Math.floor(meantUs));
  });
});
