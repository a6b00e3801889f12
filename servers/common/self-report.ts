import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * A server process's report of itself to the parent that started it (the harness), over IPC:
 * periodic samples for charts over time, and exact marks on request (the harness marks the edges
 * of its measured window). Kept in servers/ so the servers measure themselves without knowing the
 * harness; the harness imports these types.
 */

/** Monotonic clock in µs: CLOCK_MONOTONIC, the same in every process of one machine. */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** A periodic sample. */
export interface ServerSample {
  readonly type: 'sample';
  readonly tUs: number;
  /** CPU time since the process started, user + system, µs. */
  readonly cpuUs: number;
  readonly rss: number;
  readonly heapUsed: number;
}

/** Event-loop delay since the previous mark, µs. */
export interface LoopDelay {
  readonly mean: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** An exact reading taken when the parent asks for it. */
export interface ServerMark {
  readonly type: 'mark';
  readonly name: string;
  readonly tUs: number;
  readonly cpuUs: number;
  readonly rss: number;
  readonly heapUsed: number;
  /** Garbage was collected just before this reading. */
  readonly collected: boolean;
  readonly loopDelay: LoopDelay;
  /** The server's own counters (held polls, sockets, …). */
  readonly stats: Readonly<Record<string, number | string>>;
}

/**
 * What the parent may send. A mark with `gc` collects garbage first (when the process runs with
 * --expose-gc), so that memory readings compare live objects, not the garbage of the moment.
 */
export type ParentCommand = { readonly type: 'mark'; readonly name: string; readonly gc?: boolean } | { readonly type: 'stop' };

export type ServerReport = ServerSample | ServerMark | { readonly type: 'listening'; readonly url: string; readonly transport: string; readonly pid: number };

/** Event-loop delay resolution, ms: fine enough for the few-ms delays that matter here. */
const LOOP_DELAY_RESOLUTION_MS = 10;

function cpuUs(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/**
 * Starts reporting when the process has an IPC channel; returns a function that stops it.
 * `onStop` is called when the parent sends `{ type: 'stop' }`.
 */
export function startSelfReport(options: {
  readonly intervalMs: number;
  readonly stats: () => Readonly<Record<string, number | string>>;
  readonly onStop: () => void;
}): () => void {
  const send = process.send?.bind(process);
  if (!send) return () => undefined;
  const loop = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  loop.enable();
  const sample = (): void => {
    const memory = process.memoryUsage();
    const report: ServerSample = { type: 'sample', tUs: monotonicUs(), cpuUs: cpuUs(), rss: memory.rss, heapUsed: memory.heapUsed };
    send(report);
  };
  const timer = setInterval(sample, options.intervalMs);
  timer.unref();
  sample();
  const onMessage = (command: ParentCommand): void => {
    if (command.type === 'stop') {
      options.onStop();
      return;
    }
    if (command.type !== 'mark') return;
    const gc = (globalThis as { gc?: () => void }).gc;
    if (command.gc && gc) {
      // Twice: the first pass can leave objects whose finalizers free more.
      gc();
      gc();
    }
    const memory = process.memoryUsage();
    // The histogram holds the time between the monitor's timer runs, so an idle loop reads as the
    // resolution itself: the delay is what exceeds it.
    const toUs = (ns: number): number => Math.max(0, Math.round(ns / 1000) - LOOP_DELAY_RESOLUTION_MS * 1000);
    const mark: ServerMark = {
      type: 'mark',
      name: command.name,
      tUs: monotonicUs(),
      cpuUs: cpuUs(),
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      collected: command.gc === true && gc !== undefined,
      loopDelay: {
        mean: toUs(Number.isNaN(loop.mean) ? LOOP_DELAY_RESOLUTION_MS * 1e6 : loop.mean),
        p50: toUs(loop.percentile(50)),
        p99: toUs(loop.percentile(99)),
        max: toUs(loop.max),
      },
      stats: options.stats(),
    };
    loop.reset();
    send(mark);
  };
  process.on('message', onMessage);
  return () => {
    clearInterval(timer);
    loop.disable();
    process.off('message', onMessage);
  };
}
