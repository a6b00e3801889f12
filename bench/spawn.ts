import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/**
 * Child processes of the harness: servers and generators, each started with tsx and an IPC
 * channel. Every child is registered, so that whatever happens to the harness (an error, Ctrl-C,
 * an exit) nothing is left running; children also exit by themselves when the IPC channel closes.
 */
const live = new Set<ChildProcess>();

process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Kills every child still running (SIGKILL) and waits for them to be gone. */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((child) => stopChild(child, 0)));
}

/** How many children are running; 0 after a run. */
export function liveChildren(): number {
  return live.size;
}

export interface SpawnOptions {
  /** Pin the child to this CPU with taskset. */
  readonly cpu?: number;
  /** Extra flags for node, before the entry (e.g. `--expose-gc`). */
  readonly nodeFlags?: readonly string[];
}

/** Starts `node --import tsx <entry> ...args` with an IPC channel; stderr is kept for errors. */
export function spawnTs(entry: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess & { stderrTail(): string } {
  const command = [process.execPath, ...(options.nodeFlags ?? []), '--import', 'tsx', entry, ...args];
  const [file, ...argv] = options.cpu === undefined ? command : ['taskset', '-c', String(options.cpu), ...command];
  const child = spawn(file as string, argv, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: { ...process.env, NODE_OPTIONS: '' } });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  });
  return Object.assign(child, { stderrTail: () => tail.trim() });
}

/** Waits for the first IPC message that matches, failing if the child exits or time runs out. */
export function nextMessage<T>(child: ChildProcess & { stderrTail(): string }, match: (message: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (message: T): void => {
      if (!match(message)) return;
      done();
      resolve(message);
    };
    const onExit = (code: number | null, signal: string | null): void => {
      done();
      reject(new Error(`${what}: the process exited (${signal ?? code}) before answering${child.stderrTail() ? `:\n${child.stderrTail()}` : ''}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${what}: no answer within ${timeoutMs} ms${child.stderrTail() ? `:\n${child.stderrTail()}` : ''}`));
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
    if (child.exitCode !== null || child.signalCode !== null) onExit(child.exitCode, child.signalCode);
  });
}

/** Asks a child to stop (IPC `stop`, then SIGTERM), and kills it after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  if (graceMs > 0) {
    if (child.connected) child.send({ type: 'stop' }, () => undefined);
    else child.kill('SIGTERM');
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
