/**
 * What the conformance suite is run against: one server that claims the chat contract, described
 * by what a black box can be told about it.
 */
import { randomBytes } from 'node:crypto';
import type { SocketIoEngine, Transport } from '../index.ts';

export interface ConformanceTarget {
  readonly transport: Transport;
  /** Base URL, `http://HOST:PORT` or `https://HOST:PORT`. */
  readonly url: string;
  /** More instances of the same chat (one backplane): the suite's connections and requests go to `url` and these in turn. */
  readonly others?: readonly string[];
  /** With an https:// URL: a PEM file of a certificate to trust (the whole process trusts it: NODE_EXTRA_CA_CERTS). */
  readonly ca?: string;
  /** The server's shared token, when it requires one; the token checks run only with it. */
  readonly token?: string;
  /** The server's `historySize`: the expired-cursor checks post one more than this to a room. */
  readonly historySize: number;
  /** The server's `maxBodyBytes`: the size checks post a body of this many bytes and one over. */
  readonly maxBodyBytes: number;
  /** Socket.IO: the engine.io transport the suite's clients use (default `upgrade`: polling, then WebSocket). */
  readonly engine?: SocketIoEngine;
}

/** The contract's defaults, assumed for a server that was not described otherwise. */
export const CONTRACT_DEFAULTS = { historySize: 10_000, maxBodyBytes: 4096 } as const;

const run = randomBytes(4).toString('hex');
let rooms = 0;

/**
 * A room no other check (nor an earlier run against the same server) has used: the suite runs
 * against a server that keeps its rooms, so every check starts in rooms of its own.
 */
export function freshRoom(label = 'r'): string {
  rooms++;
  return `c${run}-${rooms}-${label}`.slice(0, 64);
}

/** Request headers that carry the target's token, if it has one. */
export function authHeaders(target: ConformanceTarget): Record<string, string> {
  return target.token === undefined ? {} : { authorization: `Bearer ${target.token}` };
}

/** How long the server gets to answer `GET /healthz` before it is called unreachable. */
const REACH_TIMEOUT_MS = 5000;

/**
 * Why the suite cannot run against the server: it does not answer, or it wants a token that was
 * not given. `undefined` when it can run.
 */
export async function reach(target: ConformanceTarget): Promise<string | undefined> {
  for (const url of instances(target)) {
    const problem = await reachOne(target, url);
    if (problem !== undefined) return target.others === undefined ? problem : `${url}: ${problem}`;
  }
  return undefined;
}

/** Every instance the suite is run against: `url`, then the others. */
export function instances(target: ConformanceTarget): readonly string[] {
  return [target.url, ...(target.others ?? [])];
}

async function reachOne(target: ConformanceTarget, url: string): Promise<string | undefined> {
  try {
    const res = await fetch(`${url}/healthz`, { headers: authHeaders(target), signal: AbortSignal.timeout(REACH_TIMEOUT_MS) });
    await res.arrayBuffer();
    if (res.status === 401 && target.token === undefined) return 'answered 401: the server requires a token; give it with --token';
    return undefined;
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? (error as Error).message;
  }
}
