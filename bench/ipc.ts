/** Messages between the harness and its generator processes. */
import type { ClientEvents, Variant, WireCounts, Workload } from './results.ts';

/** One simulated member: the room it is in and its sender id. */
export interface ClientAssignment {
  readonly room: string;
  readonly sender: string;
}

export interface GeneratorPlan {
  readonly type: 'plan';
  readonly index: number;
  readonly url: string;
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
}

export interface GeneratorStart {
  readonly type: 'start';
  /** Monotonic µs (CLOCK_MONOTONIC, shared by every process of the machine). */
  readonly startUs: number;
  readonly windowStartUs: number;
  readonly windowEndUs: number;
  /** Longest wait for deliveries and acks after the window. */
  readonly drainMs: number;
}

export type ParentToGenerator =
  | GeneratorPlan
  | GeneratorStart
  | { readonly type: 'expect'; readonly stored: Readonly<Record<string, number>> }
  | { readonly type: 'exit' };

/** What one generator measured in one trial. */
export interface GeneratorResult {
  readonly clients: number;
  /** Delivery latency, compressed HDR histogram (µs). */
  readonly histogram: string;
  /** How late sends left against their schedule, compressed HDR histogram (µs). */
  readonly sendLag: string;
  readonly sent: number;
  readonly stored: number;
  readonly sendFailed: number;
  readonly delivered: number;
  readonly duplicated: number;
  readonly reordered: number;
  /** Client wire counters over the window. */
  readonly wire: WireCounts;
  readonly events: ClientEvents;
  /** The generator's own CPU share and event-loop delay p99 (µs) over the window. */
  readonly cpuShare: number;
  readonly eventLoopDelayP99: number;
}

export type GeneratorToParent =
  | { readonly type: 'ready'; readonly clients: number; readonly setupMs: number }
  | { readonly type: 'progress'; readonly sent: number; readonly delivered: number }
  | { readonly type: 'window-end'; readonly stored: Readonly<Record<string, number>> }
  | { readonly type: 'result'; readonly result: GeneratorResult }
  | { readonly type: 'failed'; readonly message: string };
