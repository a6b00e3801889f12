/**
 * The open-loop send schedule (bench/METHOD.md, "Open loop"): every sender sends on its own fixed
 * schedule whether or not earlier messages came back, and each send carries the time it was
 * *meant* to leave. A late send is sent late, never skipped nor re-timed, so latency counted from
 * the schedule shows a generator or server that fell behind (no coordinated omission).
 */

/** A pending timer of a {@link Clock}. */
export interface Timer {
  cancel(): void;
}

/** Time as the scheduler sees it; tests inject a fake one. */
export interface Clock {
  /** Monotonic time in µs (the same clock in every process of one machine). */
  now(): number;
  /**
   * Calls `fn` once, after `delayMs` ms (fractions allowed: a clock keeps what it can of them; 0: as
   * soon as pending I/O has been handled).
   */
  setTimer(fn: () => void, delayMs: number): Timer;
}

/**
 * `process.hrtime.bigint()` in µs, and Node timers that keep the process alive while sends are
 * pending: a delay is rounded up to whole ms (a timer never fires early), and fires up to ~1 ms
 * late; the load generator uses the precise clock of `alarm.ts` instead. A delay of 0 uses
 * `setImmediate`, since `setTimeout` would wait at least 1 ms.
 */
export const realClock: Clock = {
  now: () => Number(process.hrtime.bigint() / 1000n),
  setTimer(fn, delayMs) {
    if (!(delayMs > 0)) {
      const immediate = setImmediate(fn);
      return { cancel: () => clearImmediate(immediate) };
    }
    const timeout = setTimeout(fn, Math.ceil(delayMs));
    return { cancel: () => clearTimeout(timeout) };
  },
};

/** A deterministic generator of numbers in [0, 1) (mulberry32), the same for the same seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** When one sender sends: its k-th message is meant for `startUs + phaseUs + k × intervalUs`. */
export interface SenderPlan {
  /** µs between two sends. */
  readonly intervalUs: number;
  /** Offset of the first send from the start, in [0, intervalUs), so senders do not fire together. */
  readonly phaseUs: number;
}

/**
 * One plan per sender: interval = 1e6 / ratePerSecond µs, phase uniform in [0, interval) drawn
 * from `random` (one draw per sender, in order). Throws a RangeError for a count that is not a
 * non-negative integer or a rate that is not positive and finite.
 */
export function planSenders(count: number, ratePerSecond: number, random: () => number): SenderPlan[] {
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new RangeError(`count must be a non-negative integer, got ${String(count)}`);
  }
  if (!Number.isFinite(ratePerSecond) || ratePerSecond <= 0) {
    throw new RangeError(`ratePerSecond must be a positive number, got ${String(ratePerSecond)}`);
  }
  const intervalUs = 1e6 / ratePerSecond;
  return Array.from({ length: count }, () => ({ intervalUs, phaseUs: random() * intervalUs }));
}

/**
 * One plan per sender, in bursts: the senders of one room (`rooms[i]` is sender i's room) send in
 * turn, `spacingUs` apart, from a phase the room draws (one draw per room, in order of first
 * appearance), so that each interval a room gets a burst of as many messages as it has senders.
 * Same rate and interval as {@link planSenders}; throws likewise.
 */
export function planBursts(rooms: readonly string[], ratePerSecond: number, spacingUs: number, random: () => number): SenderPlan[] {
  const [first] = planSenders(rooms.length > 0 ? 1 : 0, ratePerSecond, () => 0);
  if (!first) return [];
  if (!Number.isFinite(spacingUs) || spacingUs < 0) throw new RangeError(`spacingUs must be a non-negative number, got ${String(spacingUs)}`);
  const { intervalUs } = first;
  const rooms0 = new Map<string, { phaseUs: number; next: number }>();
  return rooms.map((room) => {
    let r = rooms0.get(room);
    if (!r) rooms0.set(room, (r = { phaseUs: random() * intervalUs, next: 0 }));
    return { intervalUs, phaseUs: (r.phaseUs + r.next++ * spacingUs) % intervalUs };
  });
}

/** What an {@link OpenLoopScheduler} runs. */
export interface ScheduleOptions {
  readonly clock: Clock;
  readonly senders: readonly SenderPlan[];
  /** Time (µs, on `clock`) the schedule counts from. */
  readonly startUs: number;
  /** Sends meant at or after this time (µs) are not made. */
  readonly endUs: number;
  /**
   * Called for each send, in order of meant time (then of sender index): the sender's index in
   * `senders`, the send's number k from 0, the time it was meant for and the clock when called.
   * It must not throw (an exception stops the schedule where it is).
   */
  onSend(sender: number, k: number, meantUs: number, nowUs: number): void;
}

/**
 * Runs the senders' schedules with one timer at a time, for the earliest pending send: a binary
 * min-heap keys each sender by the meant time of its next send, so 10,000 senders cost
 * O(log n) per send. When the timer fires, every send meant at or before that moment is made,
 * with its original meant time, however late.
 */
export class OpenLoopScheduler {
  readonly #clock: Clock;
  readonly #startUs: number;
  readonly #endUs: number;
  readonly #onSend: ScheduleOptions['onSend'];
  readonly #intervalUs: Float64Array;
  readonly #phaseUs: Float64Array;
  /** Per sender: number of its next send, and the time that send is meant for. */
  readonly #nextK: Float64Array;
  readonly #nextMeantUs: Float64Array;
  /** Sender indices, a min-heap on (next meant time, index); the first `#size` are live. */
  readonly #heap: Int32Array;
  #size = 0;
  #timer: Timer | undefined;
  #started = false;
  #stopped = false;
  #resolveDone: () => void = () => {};
  readonly #donePromise = new Promise<void>((resolve) => {
    this.#resolveDone = resolve;
  });

  /** Checks the options (RangeError naming the bad one); sends nothing until {@link start}. */
  constructor(options: ScheduleOptions) {
    const { clock, senders, startUs, endUs, onSend } = options;
    if (!Number.isFinite(startUs)) throw new RangeError(`startUs must be a finite number, got ${String(startUs)}`);
    if (!Number.isFinite(endUs)) throw new RangeError(`endUs must be a finite number, got ${String(endUs)}`);
    this.#clock = clock;
    this.#startUs = startUs;
    this.#endUs = endUs;
    this.#onSend = onSend;
    const n = senders.length;
    this.#intervalUs = new Float64Array(n);
    this.#phaseUs = new Float64Array(n);
    this.#nextK = new Float64Array(n);
    this.#nextMeantUs = new Float64Array(n);
    this.#heap = new Int32Array(n);
    senders.forEach((plan, i) => {
      if (!Number.isFinite(plan.intervalUs) || plan.intervalUs <= 0) {
        throw new RangeError(`senders[${i}].intervalUs must be a positive number, got ${String(plan.intervalUs)}`);
      }
      if (!Number.isFinite(plan.phaseUs) || plan.phaseUs < 0) {
        throw new RangeError(`senders[${i}].phaseUs must be a non-negative number, got ${String(plan.phaseUs)}`);
      }
      this.#intervalUs[i] = plan.intervalUs;
      this.#phaseUs[i] = plan.phaseUs;
    });
  }

  /** Arms the first timer. Throws an Error when called twice; does nothing after {@link stop}. */
  start(): void {
    if (this.#started) throw new Error('OpenLoopScheduler already started');
    this.#started = true;
    if (this.#stopped) return;
    const n = this.#intervalUs.length;
    for (let i = 0; i < n; i++) {
      const meant = this.#meantUs(i, 0);
      if (meant < this.#endUs) {
        this.#nextMeantUs[i] = meant;
        this.#heap[this.#size++] = i;
      }
    }
    for (let i = (this.#size >>> 1) - 1; i >= 0; i--) this.#siftDown(i);
    this.#arm();
  }

  /** Cancels the pending timer: no send is made after this. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#resolveDone();
  }

  /** Every scheduled send has been made, or {@link stop} was called. */
  get done(): boolean {
    return this.#stopped || (this.#started && this.#size === 0);
  }

  /** Resolves once {@link done}. */
  whenDone(): Promise<void> {
    return this.#donePromise;
  }

  #meantUs(sender: number, k: number): number {
    // Computed from k rather than by adding intervals, so rounding errors do not accumulate.
    return this.#startUs + (this.#phaseUs[sender] ?? 0) + k * (this.#intervalUs[sender] ?? 0);
  }

  #arm(): void {
    if (this.#size === 0) {
      this.#resolveDone();
      return;
    }
    const first = this.#heap[0] ?? 0;
    // The exact delay: the clock rounds it as its timers can (never early).
    const remainingUs = (this.#nextMeantUs[first] ?? 0) - this.#clock.now();
    this.#timer = this.#clock.setTimer(() => this.#fire(), Math.max(0, remainingUs / 1000));
  }

  #fire(): void {
    this.#timer = undefined;
    // Sends that fall due while this batch runs wait for the next timer (0 ms away), so that a
    // generator that falls behind still lets its receivers' I/O through between batches.
    const dueUs = this.#clock.now();
    while (this.#size > 0 && !this.#stopped) {
      const sender = this.#heap[0] ?? 0;
      const meantUs = this.#nextMeantUs[sender] ?? 0;
      if (meantUs > dueUs) break;
      const k = this.#nextK[sender] ?? 0;
      const nextMeantUs = this.#meantUs(sender, k + 1);
      if (nextMeantUs < this.#endUs) {
        this.#nextK[sender] = k + 1;
        this.#nextMeantUs[sender] = nextMeantUs;
      } else {
        this.#heap[0] = this.#heap[--this.#size] ?? 0;
      }
      this.#siftDown(0);
      this.#onSend(sender, k, meantUs, this.#clock.now());
    }
    if (!this.#stopped) this.#arm();
  }

  /** Sender `a` is due before sender `b`. */
  #before(a: number, b: number): boolean {
    const ma = this.#nextMeantUs[a] ?? 0;
    const mb = this.#nextMeantUs[b] ?? 0;
    return ma < mb || (ma === mb && a < b);
  }

  #siftDown(from: number): void {
    const heap = this.#heap;
    const size = this.#size;
    let i = from;
    const item = heap[i] ?? 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= size) break;
      const right = left + 1;
      let child = left;
      if (right < size && this.#before(heap[right] ?? 0, heap[left] ?? 0)) child = right;
      const childItem = heap[child] ?? 0;
      if (!this.#before(childItem, item)) break;
      heap[i] = childItem;
      i = child;
    }
    heap[i] = item;
  }
}
