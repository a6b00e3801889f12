/**
 * The delay line's process (delay-line.c, or delay-line.py where no C compiler is found): built
 * once per source into a cache folder, started per trial, asked for its figures over standard
 * input, stopped by closing that input. Its CPU is its own: it reports it, and the bench shows it
 * beside the server's and the generators', never inside either.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const C_SOURCE = fileURLToPath(new URL('./delay-line.c', import.meta.url));
const PY_SOURCE = fileURLToPath(new URL('./delay-line.py', import.meta.url));
/** Longest wait for the compiler, for the process's `ready`, and for an answer to `stats`. */
const BUILD_TIMEOUT_MS = 60_000;
const READY_TIMEOUT_MS = 10_000;
const STATS_TIMEOUT_MS = 5000;
/** How long a stopped delay line gets to exit after its input closed, before SIGKILL. */
const STOP_GRACE_MS = 2000;

/** Which program carries the packets: the C one, or the Python one. */
export type DelayLineImpl = 'c' | 'python';

/** What the delay line counted: `[A→B, B→A]` pairs since it started, lateness since the last reading. */
export interface DelayLineStats {
  /** It runs at real-time priority (SCHED_FIFO): it carries packets the moment they are due, however busy the cores. */
  readonly realtime: boolean;
  /** Its own CPU time (user + system) since it started, µs. */
  readonly cpuUs: number;
  readonly packets: readonly [number, number];
  readonly bytes: readonly [number, number];
  /** Packets dropped because a direction's queue was full. */
  readonly overflow: readonly [number, number];
  /** Packets held now. */
  readonly queued: readonly [number, number];
  /** How late packets left against their due time since the last reading, µs. */
  readonly late: { readonly count: number; readonly p50: number; readonly p99: number; readonly p999: number; readonly max: number };
}

const isPair = (v: unknown): v is [number, number] => Array.isArray(v) && v.length === 2 && v.every((n) => Number.isFinite(n) && n >= 0);

/** One `stats` line, checked; throws an Error quoting it when it is not what the delay line prints. */
export function parseStats(line: string): DelayLineStats {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new Error(`the delay line answered "stats" with something that is not JSON: ${JSON.stringify(line.slice(0, 200))}`);
  }
  const v = value as Partial<Record<keyof DelayLineStats, unknown>>;
  const late = v.late as Partial<Record<string, unknown>> | undefined;
  const lateOk = late !== undefined && ['count', 'p50', 'p99', 'p999', 'max'].every((k) => Number.isFinite(late[k]));
  if (typeof v.realtime !== 'boolean' || !Number.isFinite(v.cpuUs) || !isPair(v.packets) || !isPair(v.bytes) || !isPair(v.overflow) || !isPair(v.queued) || !lateOk) {
    throw new Error(`the delay line's stats lack a field: ${JSON.stringify(line.slice(0, 200))}`);
  }
  return value as DelayLineStats;
}

/** Where built delay lines are kept: one binary per source text, so an edit rebuilds it. */
function cacheDir(): string {
  return join(tmpdir(), 'chat-transport-bench');
}

/** The C compiler to build with: $CC, else cc. */
const compiler = (): string => process.env.CC ?? 'cc';

/**
 * The delay line to run: the C one, built now if its binary for this source is not cached, when a
 * compiler works; else the Python one when python3 runs; else an Error naming what is missing.
 */
export async function prepareDelayLine(prefer?: DelayLineImpl): Promise<{ readonly impl: DelayLineImpl; readonly command: readonly string[] }> {
  const why: string[] = [];
  if (prefer !== 'python') {
    try {
      return { impl: 'c', command: [await buildC()] };
    } catch (error) {
      why.push((error as Error).message);
      if (prefer === 'c') throw error;
    }
  }
  const python = await execa('python3', ['--version'], { reject: false, timeout: BUILD_TIMEOUT_MS });
  if (!python.failed) return { impl: 'python', command: ['python3', PY_SOURCE] };
  why.push(`python3 does not run (${python.shortMessage})`);
  throw new Error(`the delay line needs a C compiler (Debian package gcc) or python3: ${why.join('; ')}`);
}

async function buildC(): Promise<string> {
  const source = readFileSync(C_SOURCE);
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const binary = join(cacheDir(), `delay-line-${hash}`);
  if (existsSync(binary)) return binary;
  mkdirSync(cacheDir(), { recursive: true });
  // Built beside its name and renamed, so that two runs building at once never run half a file.
  const partial = `${binary}.${process.pid}`;
  const result = await execa(compiler(), ['-O2', '-Wall', '-o', partial, C_SOURCE], { reject: false, timeout: BUILD_TIMEOUT_MS });
  if (result.failed) throw new Error(`building the C delay line with ${compiler()} failed: ${result.stderr.trim() || result.shortMessage}`);
  renameSync(partial, binary);
  return binary;
}

/** Options of one delay line. */
export interface DelayLineOptions {
  /** The two TUN devices it makes (at most 15 characters each). */
  readonly devices: readonly [string, string];
  /** Each packet's one-way delay, µs. */
  readonly delayUs: number;
  /** Each packet's jitter: drawn uniformly from [-jitterUs, +jitterUs], µs; at most `delayUs`. */
  readonly jitterUs: number;
  readonly seed: number;
  readonly command: readonly string[];
}

/** A running delay line. */
export class DelayLine {
  #stderr = '';
  #lines: string[] = [];
  #waiters: ((line: string | undefined) => void)[] = [];
  #exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Settles when the process has exited, however. */
  readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcessByStdio<Writable, Readable, Readable>) {
    let buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        this.#line(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (this.#stderr = (this.#stderr + chunk).slice(-2000)));
    // Writing `stats` to a process that just died must not throw out of the harness.
    child.stdin.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.#exit = { code, signal };
        for (const waiter of this.#waiters.splice(0)) waiter(undefined);
        resolve();
      });
      child.once('error', (error) => {
        this.#stderr += error.message;
      });
    });
  }

  /** Starts it and resolves once both devices exist; throws with its stderr when it does not start. */
  static async start(options: DelayLineOptions): Promise<DelayLine> {
    const [file, ...args] = options.command;
    const child = spawn(file as string, [...args, ...options.devices, String(Math.round(options.delayUs)), String(Math.round(options.jitterUs)), String(options.seed)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const line = new DelayLine(child);
    const first = await line.#next(READY_TIMEOUT_MS, 'to start');
    if (first !== 'ready') {
      await line.stop();
      throw new Error(`the delay line did not start: ${line.why()}${first ? ` (it printed ${JSON.stringify(first)})` : ''}`);
    }
    return line;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Why it exited, in words (code or signal, and the end of its stderr); '' while it runs. */
  why(): string {
    const exit = this.#exit;
    const how = exit === undefined ? 'it is still running' : exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
    return `${how}${this.#stderr.trim() ? `: ${this.#stderr.trim()}` : ''}`;
  }

  /** Its figures now (and lateness since the last call); throws when it has exited or does not answer. */
  async stats(): Promise<DelayLineStats> {
    if (this.#exit) throw new Error(`the delay line exited mid-trial (${this.why()})`);
    this.child.stdin.write('stats\n');
    const line = await this.#next(STATS_TIMEOUT_MS, 'to answer "stats"');
    if (line === undefined) throw new Error(`the delay line exited mid-trial (${this.why()})`);
    return parseStats(line);
  }

  /** Ends it (its devices go with it); safe to call twice. */
  async stop(): Promise<void> {
    if (!this.#exit) {
      this.child.stdin.end();
      const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
      await this.exited;
      clearTimeout(timer);
    }
  }

  /** Kills it now, as a fault would (for tests of a delay line that dies mid-trial). */
  kill(): void {
    this.child.kill('SIGKILL');
  }

  #line(line: string): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(line);
    else this.#lines.push(line);
  }

  #next(timeoutMs: number, what: string): Promise<string | undefined> {
    const queued = this.#lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#exit) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`the delay line took more than ${timeoutMs} ms ${what} (${this.why()})`));
      }, timeoutMs);
      const waiter = (line: string | undefined): void => {
        clearTimeout(timer);
        resolve(line);
      };
      this.#waiters.push(waiter);
    });
  }
}
