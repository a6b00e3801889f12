/**
 * The Redis a run's instances share when the bench starts it (`--backplane redis` without
 * `--redis-url`): Debian's `redis-server` on a free loopback port, in a temporary directory, with
 * no persistence, stopped after the run. A failover restarts it keeping its data: `SHUTDOWN SAVE`
 * writes its dataset to that directory and the new process on the same port loads it, so every
 * cursor stays valid.
 */
import { execa, type ResultPromise } from 'execa';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readInfo } from './broker-sampler.ts';
import type { BrokerControl } from './trial.ts';

/** Where Debian's package puts the server. */
export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
/** What to say when it is missing. */
export const REDIS_MISSING = `--backplane redis starts Debian's redis-server, which is not installed (${REDIS_SERVER}): install the Debian package redis-server (apt-get install redis-server), or give --redis-url redis://127.0.0.1:PORT of a running one`;
/** Longest wait for a started Redis to answer. */
const READY_TIMEOUT_MS = 10_000;
/** Pause between two probes while it starts. */
const PROBE_MS = 20;

/** How redis-server runs under the bench: no output kept, killed if the bench exits first. */
const REDIS_PROCESS = { stdin: 'ignore', stdout: 'ignore', stderr: 'ignore', reject: false, cleanup: true } as const;

export interface StartedBroker extends BrokerControl {
  readonly restart: () => Promise<number>;
  readonly pid: () => number | undefined;
  stop(): Promise<void>;
}

/** A free loopback port: taken by a listener, then released. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Sends one inline command and waits for the connection to close (SHUTDOWN closes it). */
function commandUntilClosed(port: number, command: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write(`${command}\r\n`));
    socket.on('data', () => undefined);
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
  });
}

/** Starts redis-server on a free loopback port; rejects with REDIS_MISSING when it is not installed. */
export async function startBroker(): Promise<StartedBroker> {
  if (!existsSync(REDIS_SERVER)) throw new Error(REDIS_MISSING);
  const dir = mkdtempSync(join(tmpdir(), 'chat-bench-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ResultPromise<typeof REDIS_PROCESS> | undefined;
  const launch = async (): Promise<void> => {
    // No persistence while it runs: only SHUTDOWN SAVE (a restart keeping its data) writes the dataset.
    const started = execa(REDIS_SERVER, ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'yes'], REDIS_PROCESS);
    child = started;
    const deadline = performance.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (started.exitCode !== null) throw new Error(`redis-server on port ${port} exited at start (code ${started.exitCode})`);
      try {
        const info = await readInfo(url);
        if (info.loading === '0') return;
      } catch {
        // Not listening yet.
      }
      if (performance.now() > deadline) throw new Error(`redis-server on port ${port} did not answer within ${READY_TIMEOUT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, PROBE_MS));
    }
  };
  const halt = async (save: boolean): Promise<void> => {
    const running = child;
    if (!running || running.exitCode !== null) return;
    await commandUntilClosed(port, save ? 'SHUTDOWN SAVE' : 'SHUTDOWN NOSAVE');
    await running;
  };
  await launch();
  return {
    url,
    pid: () => child?.pid,
    async restart() {
      const began = performance.now();
      await halt(true);
      await launch();
      return performance.now() - began;
    },
    async stop() {
      await halt(false);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
