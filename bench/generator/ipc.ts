/** Messages between the harness and its generator processes. */
import type { BenchTransport, BrowserMembersResult, ClientEvents, Variant, WireCounts, Workload } from '../model/results.ts';

/** One simulated member: the room it is in and its sender id. */
export interface ClientAssignment {
  readonly room: string;
  readonly sender: string;
  /** The instance it talks to first (index into the plan's `urls`); absent: the first. */
  readonly instance?: number;
}

/**
 * Whether this is its room's first member (`assignClients` names a room's members `r{R}m{M}`):
 * what is made once a room, such as the soak's bystanders, is made by the generator that holds it,
 * however the room's members are dealt out over generators.
 */
export function leadsRoom(assignment: ClientAssignment): boolean {
  return /m0$/.test(assignment.sender);
}

export interface GeneratorPlan {
  readonly type: 'plan';
  readonly index: number;
  readonly url: string;
  /**
   * Every instance of the transport (`url` is the first), with several on one backplane: each
   * client starts on its `instance` and moves on to the next when that one cannot be reached.
   */
  readonly urls?: readonly string[];
  /** The token a server asks for (`--token` with `--target`). */
  readonly token?: string;
  /** Over TLS: the server's certificate (PEM), which the clients trust. */
  readonly ca?: string;
  readonly variant: Variant;
  readonly workload: Workload;
  readonly clients: readonly ClientAssignment[];
  /** Seed of the random phases, so a run can be repeated exactly. */
  readonly seed: number;
  /** Clients connecting and subscribing at once during setup. */
  readonly connectConcurrency: number;
  /**
   * This generator's own source addresses in 127.0.0.0/8; member `i` connects from the
   * `i % length`-th. Empty: the system's choice (a server that is not on an IPv4 loopback address).
   */
  readonly sourceAddresses: readonly string[];
  /**
   * Across a network with distance: TCP connects to make to the server, one after another, before
   * the clients connect; their times come back with `ready` (the path, measured).
   */
  readonly pathProbes?: number;
}

export interface GeneratorStart {
  readonly type: 'start';
  /** Monotonic µs (CLOCK_MONOTONIC, shared by every process of the machine). */
  readonly startUs: number;
  readonly windowStartUs: number;
  readonly windowEndUs: number;
  /** Longest wait for the window's sends to be acknowledged, after the window. */
  readonly settleMs: number;
  /** Longest wait for deliveries after that. */
  readonly drainMs: number;
}

export type ParentToGenerator =
  /**
   * Sent as the process starts, before its plan: load this transport's client code now, and say
   * `loaded` once it is in. A generator started ahead of its trial (bench/run/trial.ts) is then
   * idle by the time the last trial's window begins.
   */
  | { readonly type: 'load'; readonly transport: BenchTransport }
  | GeneratorPlan
  | GeneratorStart
  | {
      readonly type: 'expect';
      readonly stored: Readonly<Record<string, number>>;
      /** The seqs of every acknowledged window message, by room, over all generators: each receiver must get them all. */
      readonly acked?: Readonly<Record<string, readonly number[]>>;
    }
  /** A fault began at `atUs` (monotonic): the generator reports when every client received again after it. */
  | { readonly type: 'fault'; readonly name: string; readonly atUs: number }
  | { readonly type: 'exit' };

/** When the clients of one generator received again after a fault. */
export interface FaultRecovery {
  readonly name: string;
  readonly atUs: number;
  /** From the fault until the last of the clients received again, µs; null when one never did. */
  readonly recoveryUs: number | null;
  /** Clients that never received again. */
  readonly waiting: number;
}

/** What one generator measured in one trial. */
/** What the bystanders of one generator did. */
export interface BystanderCounts {
  /** Non-readers subscribed, counting each return. */
  readonly nonReaderJoins: number;
  /** Non-readers that dropped their stalled connection after their stall and subscribed again. */
  readonly nonReaderReturns: number;
  /** Leaves: a leaver's connection destroyed mid-stay. */
  readonly leaves: number;
  /** Connects or subscribes that failed (refused, closed before any answer). */
  readonly failures: number;
}

export interface GeneratorResult {
  readonly clients: number;
  /** Delivery latency, compressed HDR histogram (µs). */
  readonly histogram: string;
  /** How late sends left against their schedule, compressed HDR histogram (µs). */
  readonly sendLag: string;
  /** The fan-out leg of delivery latency, from the server's `ts` to the receipt, compressed HDR histogram (µs). */
  readonly fanout?: string;
  readonly sent: number;
  readonly stored: number;
  readonly sendFailed: number;
  readonly delivered: number;
  readonly duplicated: number;
  readonly reordered: number;
  /** Acknowledged window messages (over all generators) that a receiver of this generator never got; absent when no acked seqs were sent. */
  readonly lostAcknowledged?: number;
  /** Each fault: how long after it every client of this generator had received again (µs), or null if some never did. */
  readonly recoveries?: readonly FaultRecovery[];
  /** Client wire counters over the window. */
  readonly wire: WireCounts;
  readonly events: ClientEvents;
  /** The generator's own CPU share and event-loop delay p99 (µs) over the window. */
  readonly cpuShare: number;
  /** The generator process's CPU time (user + system) over the window, µs. */
  readonly cpuUs: number;
  readonly eventLoopDelayP99: number;
  /** The soak's non-readers and leavers of this generator: what they did (`Workload.bystanders`). */
  readonly bystanders?: BystanderCounts;
  /** Browser members: Chromium's cost (its CPU is also in `cpuUs`), the DevTools hop as a compressed histogram (µs). */
  readonly browser?: Omit<BrowserMembersResult, 'dispatch'> & { readonly dispatch: string };
}

export type GeneratorToParent =
  | { readonly type: 'loaded' }
  | { readonly type: 'ready'; readonly clients: number; readonly setupMs: number; /** TCP connect times to the server, µs (`pathProbes`). */ readonly path?: readonly number[] }
  | { readonly type: 'progress'; readonly sent: number; readonly delivered: number }
  | {
      readonly type: 'window-end';
      readonly stored: Readonly<Record<string, number>>;
      /** The seqs of the window messages this generator's sends got acknowledged, by room. */
      readonly acked: Readonly<Record<string, readonly number[]>>;
    }
  | { readonly type: 'result'; readonly result: GeneratorResult }
  | { readonly type: 'failed'; readonly message: string };
