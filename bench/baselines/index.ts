import type { Transport } from '../../servers/contract/index.ts';
import type { BaselineServer } from './bare-fastify.ts';

/** A baseline server: no contract, the floor of one chat transport's stack. */
export interface BaselineEntry {
  /** The chat transport whose stack it is the floor of. */
  readonly floorOf: Transport;
  /** Its server, loaded when asked for (fastify and ws are then loaded by the process that runs it only). */
  readonly create: (options: { readonly host: string; readonly port: number }) => Promise<BaselineServer & { stats?(): Readonly<Record<string, number>> }>;
}

/**
 * The baseline servers, entries of their own kind beside the chat transports' registry
 * (bench/transports.ts). Each runs in its own process, bench/baselines/main.ts `--kind NAME`.
 */
export const BASELINE_SERVERS = {
  'raw-ws': { floorOf: 'websocket', create: async (options) => (await import('./raw-ws-server.ts')).createRawWsServer(options) },
  'bare-fastify': { floorOf: 'short-polling', create: async (options) => (await import('./bare-fastify.ts')).createBareFastifyServer(options) },
} as const satisfies Readonly<Record<string, BaselineEntry>>;
export type BaselineKind = keyof typeof BASELINE_SERVERS;

/** Whether `name` is a baseline server (started by bench/baselines/main.ts) rather than a chat server. */
export function isBaseline(name: string): name is BaselineKind {
  return Object.hasOwn(BASELINE_SERVERS, name);
}
