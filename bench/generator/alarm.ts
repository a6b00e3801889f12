/**
 * A clock whose timers fire within a few tenths of a millisecond of the time asked for (0.04 to
 * 0.4 ms late at p50 here, `npm run bench:send-clocks`), at the cost of a message between two
 * threads per timer (bench/METHOD.md, "Open loop").
 *
 * `setTimeout` counts whole milliseconds on a loop clock that is itself read in whole
 * milliseconds, so it fires up to ~1 ms late: too coarse for a send schedule whose light-load
 * latencies are a few hundred µs. Polling with 0 ms timers until a send is due is precise but
 * burns the core for each send (1.8 ms per send here: 10–15 µs per delivered message at 1,000
 * WebSocket clients, half the server's own cost). Instead a worker thread sleeps in
 * `Atomics.wait`, whose timeout is kept to the microsecond (V8 waits on a condition variable with a
 * `TimeDelta`), and posts a message when the time comes; the main loop wakes on that message as on
 * any I/O. Both threads read the same monotonic clock (`process.hrtime`).
 */
import { Worker } from 'node:worker_threads';
import { realClock, type Clock, type Timer } from './schedule.ts';

/** Control words shared with the worker, as Int32 indices: the arming's number, and 1 to stop. */
const GENERATION = 0;
const STOP = 1;
/** The alarm's due time (monotonic µs), as a Float64 index; NaN when nothing is armed. */
const DUE = 1;

/**
 * The worker: waits for the armed due time, posts the generation it fired for, then waits for the
 * next arming. A new arming (or a cancel) bumps the generation and wakes it, so a wait for a time
 * that moved is abandoned. Plain JavaScript: the worker needs no loader.
 */
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const control = new Int32Array(workerData.control);
const due = new Float64Array(workerData.due);
const nowUs = () => Number(process.hrtime.bigint() / 1000n);
for (;;) {
  const generation = Atomics.load(control, ${GENERATION});
  if (Atomics.load(control, ${STOP}) === 1) break;
  const dueUs = due[${DUE}];
  if (Number.isNaN(dueUs)) { Atomics.wait(control, ${GENERATION}, generation); continue; }
  const remainingUs = dueUs - nowUs();
  if (remainingUs > 0) { Atomics.wait(control, ${GENERATION}, generation, remainingUs / 1000); continue; }
  parentPort.postMessage(generation);
  Atomics.wait(control, ${GENERATION}, generation);
}
`;

/** One pending timer of a {@link PreciseClock}. */
interface Armed {
  readonly fn: () => void;
  readonly dueUs: number;
}

/**
 * A {@link Clock} with one timer pending at a time (what an {@link OpenLoopScheduler} uses). The
 * worker wakes the loop `earlyUs` before a timer is due and the loop polls with `setImmediate`
 * for the rest, since a thread's wake-up here takes 0.15–0.4 ms (a virtual machine's idle core).
 * A delay of 0 runs on `setImmediate`, with no thread involved. {@link close} ends the worker.
 */
export class PreciseClock implements Clock {
  readonly #earlyUs: number;
  readonly #control = new Int32Array(new SharedArrayBuffer(4 * 2));
  readonly #due = new Float64Array(new SharedArrayBuffer(8 * 2));
  readonly #worker: Worker;
  #armed: Armed | undefined;
  #closed = false;

  /** @param earlyUs how long before a timer is due the loop starts polling for it (default 0). */
  constructor(earlyUs = 0) {
    if (!(earlyUs >= 0)) throw new RangeError(`earlyUs must be a non-negative number, got ${String(earlyUs)}`);
    this.#earlyUs = earlyUs;
    this.#due[DUE] = Number.NaN;
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { control: this.#control.buffer, due: this.#due.buffer } });
    // Only an armed alarm keeps the process alive, as a pending setTimeout would.
    this.#worker.unref();
    this.#worker.on('message', (generation: number) => {
      const armed = this.#armed;
      if (generation !== Atomics.load(this.#control, GENERATION) || !armed) return;
      this.#sleep();
      this.#poll(armed);
    });
  }

  now(): number {
    return realClock.now();
  }

  /**
   * Calls `fn` once, `delayMs` ms from now (fractions kept), never before. Throws an Error while
   * another timer of this clock is pending, or after {@link close}.
   */
  setTimer(fn: () => void, delayMs: number): Timer {
    if (this.#closed) throw new Error('PreciseClock is closed');
    if (this.#armed) throw new Error('PreciseClock holds one timer at a time: cancel the pending one first');
    if (!(delayMs > 0)) {
      const immediate = setImmediate(fn);
      return { cancel: () => clearImmediate(immediate) };
    }
    const armed: Armed = { fn, dueUs: this.now() + delayMs * 1000 };
    this.#armed = armed;
    if (delayMs * 1000 <= this.#earlyUs) {
      this.#poll(armed);
    } else {
      this.#due[DUE] = armed.dueUs - this.#earlyUs;
      this.#bump();
      this.#worker.ref();
    }
    return {
      cancel: () => {
        if (this.#armed !== armed) return;
        this.#armed = undefined;
        this.#sleep();
      },
    };
  }

  /** Ends the worker; a pending timer never fires. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#armed = undefined;
    Atomics.store(this.#control, STOP, 1);
    this.#bump();
    await this.#worker.terminate();
  }

  /** Polls the loop until `armed` is due, then fires it (unless it was cancelled meanwhile). */
  #poll(armed: Armed): void {
    if (this.#armed !== armed) return;
    if (this.now() < armed.dueUs) {
      setImmediate(() => this.#poll(armed));
      return;
    }
    this.#armed = undefined;
    armed.fn();
  }

  /** The worker has nothing to wait for. */
  #sleep(): void {
    this.#due[DUE] = Number.NaN;
    this.#bump();
    this.#worker.unref();
  }

  /** A new generation: the worker drops what it waited for and reads the due time again. */
  #bump(): void {
    Atomics.add(this.#control, GENERATION, 1);
    Atomics.notify(this.#control, GENERATION);
  }
}
