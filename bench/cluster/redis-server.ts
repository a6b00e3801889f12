import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { REDIS_PACKAGE } from '../../servers/contract/index.ts';

/**
 * A real Redis, started by the project for the tests and the harness: Debian's `redis-server` on a
 * free loopback port, in a temporary directory, without persistence unless asked. Started and
 * stopped by events (its "Ready to accept connections" line, its exit), never by waiting a while.
 */

/** How many free ports are tried when the one picked is taken before Redis binds it. */
const START_ATTEMPTS = 3;
/** How much of Redis's output is kept for an error message. */
const OUTPUT_TAIL_CHARS = 2000;
/** Redis writes this line once it accepts connections. */
const READY_LINE = /Ready to accept connections/;

/** The `redis-server` binary on PATH, or `undefined` when it is not installed. */
export function findRedisServer(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const path = join(dir, 'redis-server');
    if (existsSync(path)) return path;
  }
  return undefined;
}

/** Why a Redis cannot be started here, naming the package to install; `undefined` when it can. */
export function redisMissingReason(): string | undefined {
  if (findRedisServer()) return undefined;
  return `redis-server is not installed: install Debian's ${REDIS_PACKAGE} package (apt-get install ${REDIS_PACKAGE}), or use a running Redis with --redis-url`;
}

export interface RedisServerOptions {
  /** Keep data on disk as it changes (append-only file). Off by default: `--save '' --appendonly no`. */
  readonly persist?: boolean;
}

/** A Redis this process started. */
export interface RedisServer {
  /** `redis://127.0.0.1:PORT`: what `--backplane` takes. */
  readonly url: string;
  readonly port: number;
  /** Its working directory (snapshots), removed by `close`. */
  readonly dir: string;
  /** The running process id; `undefined` while stopped. */
  readonly pid: number | undefined;
  /**
   * Stops it and waits for it to exit. With `keepData`, by `SHUTDOWN SAVE`, which writes a snapshot
   * that the next `start` loads and exits in one step of Redis's single thread (a separate `SAVE`
   * then SIGTERM could acknowledge a post between the two, lose it and give its seq again);
   * otherwise by SIGTERM, and its data is gone.
   */
  stop(options?: { readonly keepData?: boolean }): Promise<void>;
  /** Starts it again on the same port: with the data kept by the last `stop`, or empty. */
  start(): Promise<void>;
  /** Kills it with SIGKILL (no snapshot) and waits for the exit. */
  kill(): Promise<void>;
  /** Stops it and removes its directory. */
  close(): Promise<void>;
}

/** A free TCP port on 127.0.0.1, as the kernel hands one out for port 0. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

/** cleanup: a Redis never outlives the process that started it. */
const CHILD_OPTIONS = { stdout: 'pipe', stderr: 'pipe', stdin: 'ignore', buffer: false, reject: false, cleanup: true } as const;
type RedisChild = ResultPromise<typeof CHILD_OPTIONS>;

/**
 * Starts `redis-server` on `port` in `dir`; resolves once it accepts connections. The child is
 * wrapped: it is itself a promise (of its exit), which `await` would wait for.
 */
async function launch(binary: string, port: number, dir: string, persist: boolean): Promise<{ child: RedisChild }> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--dbfilename', 'dump.rdb', '--daemonize', 'no', '--logfile', ''];
  args.push('--save', '', '--appendonly', persist ? 'yes' : 'no');
  const child = execa(binary, args, CHILD_OPTIONS);
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
      if (READY_LINE.test(output)) {
        child.stdout.off('data', onData);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
    });
    void child.then((result) => reject(new Error(`redis-server exited (${result.exitCode ?? result.signal ?? '?'}) before it was ready on port ${port}:\n${output}`)));
  });
  // Keep reading, or a chatty Redis would block on a full pipe.
  child.stdout.resume();
  child.stderr.resume();
  return { child };
}

/**
 * Starts Debian's `redis-server` on a free loopback port in a new temporary directory and resolves
 * once it accepts connections. Throws, naming the package to install, when it is not installed.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const binary = findRedisServer();
  if (!binary) throw new Error(redisMissingReason());
  const persist = options.persist ?? false;
  const dir = await mkdtemp(join(tmpdir(), 'chat-redis-'));
  let child: RedisChild | undefined;
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      ({ child } = await launch(binary, port, dir, persist));
      break;
    } catch (error) {
      // The port was taken between picking and binding: try another.
      if (attempt >= START_ATTEMPTS || !/Address already in use/.test((error as Error).message)) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
  const url = `redis://127.0.0.1:${port}`;

  const exit = async (signal: 'SIGTERM' | 'SIGKILL'): Promise<void> => {
    const running = child;
    if (!running) return;
    child = undefined;
    running.kill(signal);
    await running;
  };

  return {
    url,
    port,
    dir,
    get pid() {
      return child?.pid;
    },
    async stop({ keepData = false } = {}) {
      if (!child) return;
      if (keepData) {
        await shutdownSave(port);
        await exit('SIGKILL');
        return;
      }
      await rm(join(dir, 'dump.rdb'), { force: true });
      await exit('SIGTERM');
      // Without persistence, SIGTERM writes nothing; with it, the append-only file is the data.
      await rm(join(dir, 'appendonlydir'), { recursive: true, force: true });
    },
    async start() {
      if (child) return;
      ({ child } = await launch(binary, port, dir, persist));
    },
    kill: () => exit('SIGKILL'),
    async close() {
      await exit('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Sends SHUTDOWN SAVE and resolves when Redis closes the connection (it has saved and is exiting). */
function shutdownSave(port: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write('SHUTDOWN SAVE\r\n'));
    socket.on('data', () => undefined);
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
  });
}
