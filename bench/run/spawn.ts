import { execa, type ResultPromise } from 'execa';
import { preparedEntry } from './bundle.ts';
import { wrapInNamespace } from '../network/lossy-net.ts';

/**
 * Child processes of the harness: servers and generators, each started with tsx and an IPC
 * channel, through execa. Every child is registered, so that whatever happens to the harness (an
 * error, Ctrl-C) `killAll` leaves nothing running; execa's `cleanup` kills any child still running
 * when the harness exits, and children also exit by themselves when the IPC channel closes.
 */
const CHILD_OPTIONS = {
  stdin: 'ignore',
  stdout: 'ignore',
  stderr: 'pipe',
  ipc: true,
  // The wire the children's process.send() already speaks; execa's default is 'advanced'.
  serialization: 'json',
  // Neither stderr nor the IPC messages are kept whole: a soak run sends thousands of samples.
  buffer: false,
  // The exit is read from the result, never thrown: a child killed on purpose is no error.
  reject: false,
  cleanup: true,
} as const;

function childOptions(graceMs: number) {
  // No NODE_OPTIONS from the caller (a test runner's loaders): the child loads tsx itself.
  return { ...CHILD_OPTIONS, forceKillAfterDelay: graceMs, env: { ...process.env, NODE_OPTIONS: '' } };
}

type ChildOptions = ReturnType<typeof childOptions>;

/** A child started by `spawnTs`: execa's subprocess, the end of its stderr, and its grace. */
export type TsChild = ResultPromise<ChildOptions> & {
  /** The last few KB of the child's stderr, for error messages. */
  stderrTail(): string;
  /** How long the child gets to stop cleanly before it is killed. */
  readonly graceMs: number;
};

const live = new Set<TsChild>();

/** Kills every child still running (SIGKILL) and waits for them to be gone. */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((child) => killChild(child)));
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
  /** Run the child inside this network namespace (`ip netns exec`; see lossy-net.ts). */
  readonly netns?: string;
  /** Kills the child (SIGKILL) when it aborts, at any stage of its start: processes started ahead that came too late. */
  readonly signal?: AbortSignal;
}

/**
 * tsx's loader, resolved from this file rather than from the working directory (where a bare
 * `--import tsx` is looked up), so that the bench run through the package's command from any
 * directory still starts its children.
 */
const TSX_LOADER = import.meta.resolve('tsx');

/** How much of a child's stderr is kept for error messages. */
const STDERR_TAIL_CHARS = 4000;

/**
 * Starts `node <built entry> ...args` with an IPC channel when `prepareEntry` built the entry
 * (bench/run/bundle.ts), else `node --import tsx <entry> ...args`; the end of stderr is kept for
 * errors. `graceMs` is how long `stopChild` waits for it to stop cleanly before killing it.
 */
export function spawnTs(entry: string, args: readonly string[], graceMs: number, options: SpawnOptions = {}): TsChild {
  const bundle = preparedEntry(entry);
  const command = [process.execPath, ...(options.nodeFlags ?? []), ...(bundle ? [bundle] : ['--import', TSX_LOADER, entry]), ...args];
  const pinned = options.cpu === undefined ? command : ['taskset', '-c', String(options.cpu), ...command];
  // `ip netns exec` execs the command, so the child's pid and IPC channel are node's own.
  const [file, ...argv] = options.netns === undefined ? pinned : wrapInNamespace(options.netns, pinned);
  const subprocess = execa(file as string, argv, childOptions(graceMs));
  let tail = '';
  subprocess.stderr.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-STDERR_TAIL_CHARS);
  });
  const child = Object.assign(subprocess, { stderrTail: () => tail.trim(), graceMs });
  live.add(child);
  const { signal } = options;
  const kill = (): void => void child.kill('SIGKILL');
  if (signal?.aborted) kill();
  else signal?.addEventListener('abort', kill, { once: true });
  void child.finally(() => {
    live.delete(child);
    signal?.removeEventListener('abort', kill);
  });
  return child;
}

function exited(child: TsChild): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Waits for the first IPC message that matches, failing if the child exits or time runs out. */
export async function nextMessage<T>(child: TsChild, match: (message: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const failure = (why: string): Error => new Error(`${what}: ${why}${child.stderrTail() ? `:\n${child.stderrTail()}` : ''}`);
  const gone = async (): Promise<never> => {
    const result = await child;
    throw failure(`the process exited (${result.signal ?? result.exitCode ?? result.shortMessage}) before answering`);
  };
  if (!child.connected) return gone();
  // execa rejects this once the channel closes: the child exited, or it never answered before.
  const answer = child.getOneMessage({ filter: (message) => match(message as T) }) as Promise<T>;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(failure(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([answer.catch(gone), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Asks a child to stop: over IPC (`stop`) while the channel is open, killed (SIGKILL) if it is
 * still running after its grace; without a channel, SIGTERM, and execa's `forceKillAfterDelay`
 * sends SIGKILL after the grace.
 */
export async function stopChild(child: TsChild): Promise<void> {
  if (exited(child)) return;
  let timer: NodeJS.Timeout | undefined;
  if (child.connected) {
    child.send({ type: 'stop' }, () => undefined);
    timer = setTimeout(() => child.kill('SIGKILL'), child.graceMs);
  } else {
    child.kill();
  }
  await child;
  clearTimeout(timer);
}

/** Kills a child now (SIGKILL) and waits for it to be gone. */
export async function killChild(child: TsChild): Promise<void> {
  if (!exited(child)) child.kill('SIGKILL');
  await child;
}
