import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WindowProfiler } from './profiler.ts';
import { getHeapStatistics } from 'node:v8';

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
  /**
   * `true` when the RSS could not be read now (EMFILE) and `rss` is the process's peak RSS instead,
   * an upper bound of the RSS at the mark; absent when `rss` is the RSS now. A harness should mark
   * such a figure as a bound, not a reading.
   */
  readonly rssIsPeak?: true;
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
export type ParentCommand =
  | { readonly type: 'mark'; readonly name: string; readonly gc?: boolean }
  | { readonly type: 'stop' }
  /** `--profile`: start the CPU profiler, or stop it and write the profile to `file` (servers/common/profiler.ts). */
  | { readonly type: 'profile'; readonly action: 'start' }
  | { readonly type: 'profile'; readonly action: 'stop'; readonly file: string };

/** `ca`: with TLS, the certificate (PEM) the server serves, for its clients to trust. */
export type ServerReport =
  | ServerSample
  | ServerMark
  | { readonly type: 'listening'; readonly url: string; readonly transport: string; readonly pid: number; readonly ca?: string }
  /** The answer to a profile command: done (with the profile's size once written), or why not. */
  | { readonly type: 'profile'; readonly action: 'start' | 'stop'; readonly bytes?: number; readonly error?: string };

/** Event-loop delay resolution, ms: fine enough for the few-ms delays that matter here. */
const LOOP_DELAY_RESOLUTION_MS = 10;

function cpuUs(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** A memory reading, bytes. */
export interface MemoryReading {
  readonly rss: number;
  readonly heapUsed: number;
}

/** A mark's memory: a reading, or the fallback whose RSS is the peak. */
type MarkMemory = MemoryReading & { readonly rssIsPeak?: true };

/**
 * Reads memory. `process.memoryUsage()` reads RSS from /proc/self/stat, which needs a free file
 * descriptor: at the fd limit (a server under a connection flood) it throws EMFILE.
 */
export type MemoryReader = () => MemoryReading;

/**
 * The reading a mark falls back on when the reader fails: the heap from V8 (no file needed) and
 * the peak RSS from getrusage, an upper bound of the RSS now, flagged `rssIsPeak`. The mark counts
 * the failure.
 */
function fallbackMemory(): MarkMemory {
  return { rss: process.resourceUsage().maxRSS * 1024, heapUsed: getHeapStatistics().used_heap_size, rssIsPeak: true };
}

/** Where reports go and commands come from: the IPC channel to the parent, or a test's stand-in. */
export interface ReportChannel {
  send(report: ServerReport, callback: (error: Error | null) => void): unknown;
  on(event: 'message', listener: (command: ParentCommand) => void): unknown;
  off(event: 'message', listener: (command: ParentCommand) => void): unknown;
}

/** The name, in a mark's `stats`, of the count of memory readings that failed and were skipped. */
export const MEMORY_READ_FAILURES = 'memoryReadFailures';

/**
 * Starts reporting when the process has an IPC channel; returns a function that stops it.
 * `onStop` is called when the parent sends `{ type: 'stop' }`. Reporting never throws: a sample
 * whose memory cannot be read is skipped, a mark falls back on what can be read, and each failure
 * is counted in the marks' `stats.memoryReadFailures`; a report the channel cannot take is dropped.
 */
export function startSelfReport(options: {
  readonly intervalMs: number;
  readonly stats: () => Readonly<Record<string, number | string>>;
  readonly onStop: () => void;
  /** Defaults to `process.memoryUsage()`. */
  readonly readMemory?: MemoryReader;
  /** Defaults to the process's IPC channel; without one, nothing is reported. */
  readonly channel?: ReportChannel;
}): () => void {
  const channel = options.channel ?? processChannel();
  if (!channel) return () => undefined;
  const readMemory = options.readMemory ?? (() => process.memoryUsage());
  let failures = 0;
  const send = (report: ServerReport): void => {
    channel.send(report, () => undefined);
  };
  const tryReadMemory = (): MemoryReading | undefined => {
    try {
      return readMemory();
    } catch (error) {
      if (failures === 0) console.error(`self-report: memory reading failed (${(error as Error).message}); skipping it, and counting in ${MEMORY_READ_FAILURES}`);
      failures++;
      return undefined;
    }
  };
  const loop = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  loop.enable();
  const sample = (): void => {
    const memory = tryReadMemory();
    if (!memory) return;
    const report: ServerSample = { type: 'sample', tUs: monotonicUs(), cpuUs: cpuUs(), rss: memory.rss, heapUsed: memory.heapUsed };
    send(report);
  };
  const timer = setInterval(sample, options.intervalMs);
  timer.unref();
  sample();
  const profiler = new WindowProfiler();
  const onMessage = (command: ParentCommand): void => {
    if (command.type === 'stop') {
      options.onStop();
      return;
    }
    if (command.type === 'profile') {
      const done = command.action === 'start' ? profiler.start().then(() => undefined) : profiler.stop(command.file);
      done.then(
        (bytes) => send({ type: 'profile', action: command.action, ...(bytes === undefined ? {} : { bytes }) }),
        (error: unknown) => send({ type: 'profile', action: command.action, error: (error as Error).message }),
      );
      return;
    }
    if (command.type !== 'mark') return;
    const gc = (globalThis as { gc?: () => void }).gc;
    if (command.gc && gc) {
      // Twice: the first pass can leave objects whose finalizers free more.
      gc();
      gc();
    }
    const memory: MarkMemory = tryReadMemory() ?? fallbackMemory();
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
      ...(memory.rssIsPeak ? { rssIsPeak: true as const } : {}),
      collected: command.gc === true && gc !== undefined,
      loopDelay: {
        mean: toUs(Number.isNaN(loop.mean) ? LOOP_DELAY_RESOLUTION_MS * 1e6 : loop.mean),
        p50: toUs(loop.percentile(50)),
        p99: toUs(loop.percentile(99)),
        max: toUs(loop.max),
      },
      stats: { ...options.stats(), [MEMORY_READ_FAILURES]: failures },
    };
    loop.reset();
    send(mark);
  };
  channel.on('message', onMessage);
  return () => {
    clearInterval(timer);
    loop.disable();
    channel.off('message', onMessage);
  };
}

/** The process's IPC channel, when it has one. */
function processChannel(): ReportChannel | undefined {
  if (!process.send) return undefined;
  return {
    send: (report, callback) => process.send?.(report, undefined, {}, callback),
    on: (event, listener) => process.on(event, listener),
    off: (event, listener) => process.off(event, listener),
  };
}
