import { describe, expect, it } from 'vitest';
import { OpenLoopScheduler, planSenders, seededRandom } from '../../bench/generator/schedule.ts';
import type { Clock, ScheduleOptions, SenderPlan, Timer } from '../../bench/generator/schedule.ts';

interface FakeTimer {
  readonly atUs: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/** Time moves only when a test says so; timers fire in order of due time. */
class FakeClock implements Clock {
  nowUs: number;
  readonly timers: FakeTimer[] = [];
  /** Every delay asked for, in ms. */
  readonly delays: number[] = [];

  /** @param precise keep fractions of a ms, as PreciseClock does; otherwise round up to whole ms, as Node timers do. */
  constructor(
    nowUs: number,
    private readonly precise = false,
  ) {
    this.nowUs = nowUs;
  }

  now(): number {
    return this.nowUs;
  }

  setTimer(fn: () => void, delayMs: number): Timer {
    const ms = this.precise ? delayMs : Math.ceil(delayMs);
    const timer: FakeTimer = { atUs: this.nowUs + ms * 1000, fn, cancelled: false };
    this.timers.push(timer);
    this.delays.push(ms);
    return { cancel: () => (timer.cancelled = true) };
  }

  get pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Moves time to `toUs`, firing each timer due by then at its own due time. */
  advanceTo(toUs: number): void {
    for (let timer = this.#next(toUs); timer; timer = this.#next(toUs)) {
      this.nowUs = Math.max(this.nowUs, timer.atUs);
      timer.fn();
    }
    this.nowUs = Math.max(this.nowUs, toUs);
  }

  /** Jumps to `toUs` first, then fires what is due: an event loop that was blocked. */
  jumpTo(toUs: number): void {
    this.nowUs = toUs;
    this.advanceTo(toUs);
  }

  #next(toUs: number): FakeTimer | undefined {
    const due = this.timers.filter((t) => !t.cancelled && t.atUs <= toUs).sort((a, b) => a.atUs - b.atUs)[0];
    if (due) this.timers.splice(this.timers.indexOf(due), 1);
    return due;
  }
}

type Call = [sender: number, k: number, meantUs: number, nowUs: number];

function schedule(
  clock: FakeClock,
  senders: readonly SenderPlan[],
  startUs: number,
  endUs: number,
  onCall?: (scheduler: OpenLoopScheduler, call: Call) => void,
): { scheduler: OpenLoopScheduler; calls: Call[] } {
  const calls: Call[] = [];
  const options: ScheduleOptions = {
    clock,
    senders,
    startUs,
    endUs,
    onSend: (sender, k, meantUs, nowUs) => {
      const call: Call = [sender, k, meantUs, nowUs];
      calls.push(call);
      onCall?.(scheduler, call);
    },
  };
  const scheduler = new OpenLoopScheduler(options);
  return { scheduler, calls };
}

describe('OpenLoopScheduler', () => {
  it('sends each sender on its schedule, in meant order, with one timer at a time', async () => {
    const clock = new FakeClock(9_500);
    const senders = [
      { intervalUs: 1000, phaseUs: 0 },
      { intervalUs: 1500, phaseUs: 250 },
      { intervalUs: 1000, phaseUs: 0 },
    ];
    const { scheduler, calls } = schedule(clock, senders, 10_000, 13_000);
    scheduler.start();
    expect(clock.delays).toEqual([1]);
    expect(scheduler.done).toBe(false);

    clock.advanceTo(20_000);
    expect(calls).toEqual([
      // The first timer, 1 ms after 9,500 µs: sends meant at 10,000 and 10,250 µs, ties by index.
      [0, 0, 10_000, 10_500],
      [2, 0, 10_000, 10_500],
      [1, 0, 10_250, 10_500],
      [0, 1, 11_000, 11_500],
      [2, 1, 11_000, 11_500],
      [1, 1, 11_750, 12_500],
      [0, 2, 12_000, 12_500],
      [2, 2, 12_000, 12_500],
    ]);
    // ceil((11,000 − 10,500) / 1000) = 1 ms, then ceil((11,750 − 11,500) / 1000) = 1 ms.
    expect(clock.delays).toEqual([1, 1, 1]);
    expect(scheduler.done).toBe(true);
    expect(clock.pending).toBe(0);
    await expect(scheduler.whenDone()).resolves.toBeUndefined();
  });

  it('on a clock of whole ms, arms the timer for the ms to the next send, rounded up (never early)', () => {
    const clock = new FakeClock(0);
    const { scheduler, calls } = schedule(clock, [{ intervalUs: 2500, phaseUs: 1200 }], 0, 6000);
    scheduler.start();
    clock.advanceTo(10_000);
    expect(calls).toEqual([
      [0, 0, 1200, 2000],
      [0, 1, 3700, 4000],
    ]);
    // ceil(1200 / 1000) = 2, ceil(1700 / 1000) = 2; the third send (6200 µs) is past the end.
    expect(clock.delays).toEqual([2, 2]);
    expect(scheduler.done).toBe(true);
  });

  it('fires every overdue send with its original meant time when the clock jumps far ahead', () => {
    const clock = new FakeClock(0);
    const senders = [0, 100, 200].map((phaseUs) => ({ intervalUs: 1000, phaseUs }));
    const { scheduler, calls } = schedule(clock, senders, 0, 5000);
    scheduler.start();
    clock.jumpTo(10_000_000);
    const expected: Call[] = [];
    for (let k = 0; k < 5; k++) for (let s = 0; s < 3; s++) expected.push([s, k, k * 1000 + s * 100, 10_000_000]);
    expect(calls).toEqual(expected);
    expect(clock.delays).toEqual([0]);
    expect(scheduler.done).toBe(true);
  });

  it('keeps sends that fall due during a batch for the next timer, at 0 ms', () => {
    const clock = new FakeClock(0);
    const senders = [{ intervalUs: 1000, phaseUs: 0 }];
    // Each send takes 2.5 ms of the generator's time.
    const { scheduler, calls } = schedule(clock, senders, 0, 4000, () => (clock.nowUs += 2500));
    scheduler.start();
    clock.advanceTo(0);
    expect(calls).toEqual([[0, 0, 0, 0]]);
    expect(clock.delays).toEqual([0, 0]);
    clock.advanceTo(2500);
    expect(calls.slice(1)).toEqual([
      [0, 1, 1000, 2500],
      [0, 2, 2000, 5000],
    ]);
    clock.advanceTo(7500);
    expect(calls.slice(3)).toEqual([[0, 3, 3000, 7500]]);
    expect(scheduler.done).toBe(true);
  });

  it('sends nothing meant at or after the end', () => {
    const clock = new FakeClock(0);
    const senders = [
      { intervalUs: 1000, phaseUs: 0 },
      { intervalUs: 1000, phaseUs: 3000 },
      { intervalUs: 5000, phaseUs: 2999.5 },
    ];
    const { scheduler, calls } = schedule(clock, senders, 100, 3100);
    scheduler.start();
    clock.advanceTo(1_000_000);
    expect(calls.map(([s, k, meant]) => [s, k, meant])).toEqual([
      [0, 0, 100],
      [0, 1, 1100],
      [0, 2, 2100],
      [2, 0, 3099.5],
    ]);
    expect(scheduler.done).toBe(true);
  });

  it('is done at once when nothing is scheduled', async () => {
    const clock = new FakeClock(0);
    const { scheduler, calls } = schedule(clock, [{ intervalUs: 1000, phaseUs: 0 }], 0, 0);
    expect(scheduler.done).toBe(false);
    scheduler.start();
    expect(scheduler.done).toBe(true);
    expect(clock.delays).toEqual([]);
    await scheduler.whenDone();
    expect(calls).toEqual([]);
  });

  it('sends nothing after stop, and cancels its timer', async () => {
    const clock = new FakeClock(0);
    const { scheduler, calls } = schedule(clock, [{ intervalUs: 1000, phaseUs: 0 }], 0, 100_000);
    scheduler.start();
    clock.advanceTo(2000);
    expect(calls.map(([, k]) => k)).toEqual([0, 1, 2]);
    scheduler.stop();
    expect(scheduler.done).toBe(true);
    expect(clock.pending).toBe(0);
    clock.advanceTo(50_000);
    expect(calls.length).toBe(3);
    await scheduler.whenDone();
  });

  it('stops in the middle of a batch when onSend calls stop', () => {
    const clock = new FakeClock(0);
    const senders = [0, 1, 2, 3].map((phaseUs) => ({ intervalUs: 1000, phaseUs }));
    const { scheduler, calls } = schedule(clock, senders, 0, 10_000, (s, [sender]) => {
      if (sender === 1) s.stop();
    });
    scheduler.start();
    clock.jumpTo(5000);
    expect(calls.map(([sender, k]) => [sender, k])).toEqual([
      [0, 0],
      [1, 0],
    ]);
    expect(clock.pending).toBe(0);
  });

  it('refuses a second start and bad plans', () => {
    const clock = new FakeClock(0);
    const { scheduler } = schedule(clock, [{ intervalUs: 1000, phaseUs: 0 }], 0, 1000);
    scheduler.start();
    expect(() => scheduler.start()).toThrow(/already started/);
    expect(() => schedule(clock, [{ intervalUs: 0, phaseUs: 0 }], 0, 1000)).toThrow(/senders\[0\]\.intervalUs/);
    expect(() => schedule(clock, [{ intervalUs: 1, phaseUs: -1 }], 0, 1000)).toThrow(/senders\[0\]\.phaseUs/);
    expect(() => schedule(clock, [], 0, Number.NaN)).toThrow(/endUs/);
  });

  it('handles 10,000 senders, each sending exactly its share in meant order', () => {
    const clock = new FakeClock(0);
    const senders = planSenders(10_000, 2, seededRandom(7));
    const { scheduler, calls } = schedule(clock, senders, 0, 3_000_000);
    scheduler.start();
    clock.advanceTo(4_000_000);
    // 3 s at 2 per second: 6 sends each.
    expect(calls.length).toBe(60_000);
    const sent = new Array<number>(senders.length).fill(0);
    let previous = -1;
    let wrong = 0;
    for (const [sender, k, meant, now] of calls) {
      const plan = senders[sender];
      const inOrder = k === sent[sender] && meant >= previous && now >= meant;
      if (!plan || !inOrder || meant !== plan.phaseUs + k * plan.intervalUs) wrong++;
      sent[sender] = k + 1;
      previous = meant;
    }
    expect(wrong).toBe(0);
    expect(new Set(sent)).toEqual(new Set([6]));
    expect(scheduler.done).toBe(true);
  });
});

describe('planSenders', () => {
  it('gives every sender the interval and a phase drawn from the random source', () => {
    expect(planSenders(4, 4, seededRandom(42))).toEqual([
      { intervalUs: 250_000, phaseUs: 150_275.9379800409 },
      { intervalUs: 250_000, phaseUs: 112_072.63974938542 },
      { intervalUs: 250_000, phaseUs: 213_116.44837260246 },
      { intervalUs: 250_000, phaseUs: 167_433.51035984233 },
    ]);
    expect(planSenders(2, 0.5, () => 0.25)).toEqual([
      { intervalUs: 2_000_000, phaseUs: 500_000 },
      { intervalUs: 2_000_000, phaseUs: 500_000 },
    ]);
    expect(planSenders(0, 1, seededRandom(1))).toEqual([]);
  });

  it('refuses a bad count or rate', () => {
    expect(() => planSenders(-1, 1, Math.random)).toThrow(RangeError);
    expect(() => planSenders(1.5, 1, Math.random)).toThrow(RangeError);
    expect(() => planSenders(1, 0, Math.random)).toThrow(RangeError);
    expect(() => planSenders(1, Number.POSITIVE_INFINITY, Math.random)).toThrow(RangeError);
  });
});

describe('seededRandom', () => {
  it('is mulberry32: deterministic for a seed, in [0, 1)', () => {
    const a = seededRandom(42);
    expect([a(), a(), a()]).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
    const b = seededRandom(1);
    expect([b(), b(), b()]).toEqual([0.6270739405881613, 0.002735721180215478, 0.5274470399599522]);

    const c = seededRandom(123);
    const d = seededRandom(123);
    for (let i = 0; i < 1000; i++) {
      const x = c();
      expect(d()).toBe(x);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });
});

describe('OpenLoopScheduler delays', () => {
  it('asks its clock for the exact delay to the next send, fractions of a ms included', () => {
    const clock = new FakeClock(0, true);
    const calls: [number, number][] = [];
    const scheduler = new OpenLoopScheduler({
      clock,
      senders: [{ intervalUs: 1_000_000, phaseUs: 10_050 }],
      startUs: 0,
      endUs: 20_000,
      onSend: (_sender, _k, meantUs, nowUs) => calls.push([meantUs, nowUs]),
    });
    scheduler.start();
    expect(clock.delays).toEqual([10.05]);
    clock.advanceTo(20_000);
    expect(calls).toEqual([[10_050, 10_050]]);
    expect(scheduler.done).toBe(true);
  });
});
