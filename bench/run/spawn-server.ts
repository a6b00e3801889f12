import { fileURLToPath } from 'node:url';
import type { ServerMark, ServerReport, ServerSample } from '../../servers/common/self-report.ts';
import { isBaseline, type BaselineKind } from '../baselines/index.ts';
import type { BenchTransport } from '../model/results.ts';
import { prepareEntry } from './bundle.ts';
import { killChild, nextMessage, spawnTs, stopChild, type SpawnOptions } from './spawn.ts';

const SERVER_MAIN = fileURLToPath(new URL('../../servers/main.ts', import.meta.url));
const BASELINE_MAIN = fileURLToPath(new URL('../baselines/main.ts', import.meta.url));

/** Longest wait for a server process to start listening (under tsx, it compiles on first start). */
const START_TIMEOUT_MS = 30_000;
/** Longest wait for a mark. */
const MARK_TIMEOUT_MS = 10_000;
/** Longest wait for a profile to start, or to be written (a window of a busy server is a few MB of JSON). */
const PROFILE_TIMEOUT_MS = 30_000;
/** How long a server gets to close cleanly before it is killed. */
const STOP_GRACE_MS = 5000;

/**
 * Sends `message` to a child; rejects when its channel is closed (the child died or was killed).
 * Without a callback Node emits that as an 'error' event of the child, which nothing listens to:
 * an uncaught exception of the whole bench.
 */
function sendTo(child: { send(message: unknown, callback: (error: Error | null) => void): boolean }, message: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    child.send(message, (error) => (error ? reject(error) : resolve()));
  });
}

/** What to start: a chat server, or a baseline. */
export type ServerTarget = BenchTransport | BaselineKind;

/** The entry that starts `target`'s process. */
export function serverEntry(target: ServerTarget): string {
  return isBaseline(target) ? BASELINE_MAIN : SERVER_MAIN;
}

/** A server running in its own process, reporting about itself. */
export interface ServerProcess {
  readonly url: string;
  /** Over TLS: the certificate (PEM) the server serves, for its clients to trust. */
  readonly ca?: string;
  readonly pid: number;
  /** Every periodic sample so far. */
  readonly samples: readonly ServerSample[];
  /** Asks for an exact reading now; with `gc`, after collecting garbage. */
  mark(name: string, gc?: boolean): Promise<ServerMark>;
  stop(): Promise<void>;
  /** Kills it now with SIGKILL (a failover's fault) and waits until it is gone. */
  kill(): Promise<void>;
  /**
   * `--profile`: starts its CPU profiler, or stops it and has it write the profile to `file`
   * (resolving with the profile's size in bytes); throws with the server's reason when it cannot.
   */
  profile(action: 'start'): Promise<void>;
  profile(action: 'stop', file: string): Promise<number>;
}

/**
 * Starts a server in a child process and resolves once it listens. Chat servers take server
 * options as command-line flags (`--max-wait-ms 60000`).
 */
export async function spawnServer(target: ServerTarget, flags: readonly string[] = [], options: SpawnOptions = {}): Promise<ServerProcess> {
  const args = isBaseline(target) ? [BASELINE_MAIN, '--kind', target, ...flags] : [SERVER_MAIN, '--transport', target, ...flags];
  const [entry, ...rest] = args;
  await prepareEntry(entry as string);
  // --expose-gc lets memory readings collect garbage first (see ServerMark.collected).
  const child = spawnTs(entry as string, rest, STOP_GRACE_MS, { ...options, nodeFlags: ['--expose-gc', ...(options.nodeFlags ?? [])] });
  const samples: ServerSample[] = [];
  child.on('message', (report: ServerReport) => {
    if (report.type === 'sample') samples.push(report);
  });
  let listening;
  try {
    listening = await nextMessage<ServerReport>(child, (m) => m.type === 'listening', START_TIMEOUT_MS, `starting the ${target} server`);
  } catch (error) {
    await killChild(child);
    throw error;
  }
  if (listening.type !== 'listening') throw new Error('unreachable');
  let marks = 0;
  return {
    url: listening.url,
    ...(listening.ca === undefined ? {} : { ca: listening.ca }),
    pid: listening.pid,
    samples,
    async mark(name, gc = false) {
      const id = `${name}#${++marks}`;
      const answer = nextMessage<ServerReport>(child, (m) => m.type === 'mark' && m.name === id, MARK_TIMEOUT_MS, `reading the ${target} server`);
      const [mark] = await Promise.all([answer, sendTo(child, { type: 'mark', name: id, gc })]);
      return { ...(mark as ServerMark), name };
    },
    stop: () => stopChild(child),
    kill: () => killChild(child),
    profile: (async (action: 'start' | 'stop', file?: string) => {
      const answer = nextMessage<ServerReport>(child, (m) => m.type === 'profile' && m.action === action, PROFILE_TIMEOUT_MS, `${action === 'start' ? 'starting' : 'writing'} the ${target} server's CPU profile`);
      const [done] = await Promise.all([answer, sendTo(child, action === 'start' ? { type: 'profile', action } : { type: 'profile', action, file })]);
      if (done.type !== 'profile') throw new Error('unreachable');
      if (done.error !== undefined) throw new Error(`the ${target} server's CPU profile: ${done.error}`);
      return done.bytes;
    }) as ServerProcess['profile'],
  };
}
