import type { Transport } from '../../servers/contract/index.ts';
import { createBareFastifyServer, type BaselineServer } from './bare-fastify.ts';
import { createRawWsServer } from './raw-ws-server.ts';

/** A baseline server: no contract, the floor of one chat transport's stack. */
export interface BaselineEntry {
  /** The chat transport whose stack it is the floor of. */
  readonly floorOf: Transport;
  readonly create: (options: { readonly host: string; readonly port: number }) => BaselineServer & { stats?(): Readonly<Record<string, number>> };
}

/**
 * The baseline servers, entries of their own kind beside the chat transports' registry
 * (bench/transports.ts). Each runs in its own process, bench/baselines/main.ts `--kind NAME`.
 */
export const BASELINE_SERVERS = {
  'raw-ws': { floorOf: 'websocket', create: createRawWsServer },
  'bare-fastify': { floorOf: 'short-polling', create: createBareFastifyServer },
} as const satisfies Readonly<Record<string, BaselineEntry>>;
export type BaselineKind = keyof typeof BASELINE_SERVERS;

/** Whether `name` is a baseline server (started by bench/baselines/main.ts) rather than a chat server. */
export function isBaseline(name: string): name is BaselineKind {
  return Object.hasOwn(BASELINE_SERVERS, name);
}
