/**
 * One trial: one variant on one workload in one round. Starts the server in its own process and
 * the generators in theirs, runs the warm-up and the window, collects what everyone measured, and
 * stops every process whatever happens.
 */
import { fileURLToPath } from 'node:url';
import { monotonicUs, type ServerMark } from '../servers/common/self-report.ts';
import { minIdleTimeoutMs } from '../servers/contract/limits.ts';
import type { ClientAssignment, GeneratorResult, GeneratorToParent, ParentToGenerator } from './ipc.ts';
import { TRANSPORT_FACTS, type TransportFacts, type TrialResult, type Variant, type Workload } from './results.ts';
import { spawnServer, type ServerProcess } from './spawn-server.ts';
import { nextMessage, spawnTs, stopChild, type TsChild } from './spawn.ts';
import { ProcSampler, type ProcReading } from './proc-sampler.ts';
import { buildTrialResult } from './trial-result.ts';

const GENERATOR_MAIN = fileURLToPath(new URL('./generator/main.ts', import.meta.url));

/** Time from `start` to the first scheduled send, so that every generator has the command. */
const START_DELAY_US = 300_000;
/** Setup time allowed per client (connect and subscribe), on top of a fixed allowance. */
const SETUP_MS_PER_CLIENT = 20;
const SETUP_BASE_MS = 30_000;
/** Extra time for results to arrive after the drain. */
const RESULT_MARGIN_MS = 30_000;
/** Clients connecting at once in each generator. */
const CONNECT_CONCURRENCY = 100;
/** How long a generator gets to close its clients before it is killed. */
const GENERATOR_STOP_GRACE_MS = 10_000;
/** Longest wait for the server to see every client's connection close. */
const RELEASE_TIMEOUT_MS = 10_000;
/** How often the server is asked whether every connection has closed. */
const RELEASE_POLL_MS = 50;

export interface TrialProgress {
  readonly phase: 'setup' | 'warm-up' | 'window' | 'drain';
  readonly elapsedMs: number;
  readonly totalMs: number;
  readonly sent: number;
  readonly delivered: number;
}

export interface TrialOptions {
  readonly variant: Variant;
  readonly workload: Workload;
  readonly round: number;
  readonly position: number;
  readonly generators: number;
  readonly seed: number;
  /** Pin the server to CPU 0 and the generators to CPU 1. */
  readonly pin: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: TrialProgress) => void;
  /**
   * A server already running (`--target`): no server is started, and its CPU and memory are not
   * measured, unless its process id is given (`pid`, `--target-pid`): then its CPU time and RSS are
   * read from /proc. Its rooms outlive the trial, so each trial uses rooms of its own (`roomPrefix`).
   */
  readonly target?: { readonly url: string; readonly token?: string; readonly roomPrefix: string; readonly pid?: number };
}

/** Why the server's figures are missing from a `--target` trial. */
export const TARGET_NOT_MEASURED = 'the bench did not start this server (--target), so it could not read its CPU and memory (give --target-pid to read them from /proc)';

/** Why some server figures are missing from a `--target --target-pid` trial. */
export const PROC_NOT_MEASURED = 'CPU time and RSS read from /proc (--target-pid); heap, event-loop delay, held polls and sockets are known only to a server that reports them itself';

/** Who sends and receives in which room, spread over the generators (whole rooms where possible). */
export function assignClients(workload: Workload, generators: number, roomPrefix = 'room-'): ClientAssignment[][] {
  const out: ClientAssignment[][] = Array.from({ length: generators }, () => []);
  for (let r = 0; r < workload.rooms; r++) {
    for (let m = 0; m < workload.members; m++) {
      const g = workload.rooms >= generators ? r % generators : (r * workload.members + m) % generators;
      out[g]?.push({ room: `${roomPrefix}${r}`, sender: `r${r}m${m}` });
    }
  }
  return out.filter((list) => list.length > 0);
}

/** How long to wait for the last deliveries after the window. */
export function drainMs(variant: Variant): number {
  return Math.max(3000, 3 * (variant.pollIntervalMs ?? 0));
}

/** Server flags a variant needs: TLS and HTTP/2 as it asks; a long poll's `wait` must be allowed by the server. */
function serverFlags(variant: Variant): string[] {
  const facts: TransportFacts = TRANSPORT_FACTS[variant.transport];
  const tls = [...(variant.tls === true ? ['--tls'] : []), ...(variant.http2 === true ? ['--http2'] : [])];
  if (facts.knob !== 'waitMs' || variant.waitMs === undefined) return tls;
  const max = Math.max(variant.waitMs, 60_000);
  return [...tls, '--max-wait-ms', String(max), '--idle-timeout-ms', String(Math.max(max + 15_000, minIdleTimeoutMs(max)))];
}

/**
 * A promise that rejects with an AbortError when `signal` aborts, and `dispose` to take its
 * listener off the signal again: a run's signal outlives every trial, so a listener left on it per
 * trial would pile up (Node warns past 10).
 */
export function abortPromise(signal: AbortSignal | undefined): { readonly promise: Promise<never>; dispose(): void } {
  let dispose = (): void => undefined;
  const promise = new Promise<never>((_, reject) => {
    if (!signal) return;
    const fail = (): void => reject(new DOMException('the run was interrupted', 'AbortError'));
    if (signal.aborted) return fail();
    signal.addEventListener('abort', fail, { once: true });
    dispose = () => signal.removeEventListener('abort', fail);
  });
  promise.catch(() => undefined);
  return { promise, dispose: () => dispose() };
}

export async function runTrial(options: TrialOptions): Promise<TrialResult> {
  const { variant, workload } = options;
  const interrupted = abortPromise(options.signal);
  const unlessInterrupted = <T>(promise: Promise<T>): Promise<T> => Promise.race([promise, interrupted.promise]);
  let server: ServerProcess | undefined;
  // A server the bench did not start, read from /proc when its process id is known.
  const proc = options.target?.pid !== undefined ? new ProcSampler(options.target.pid) : undefined;
  const children: TsChild[] = [];
  const started = performance.now();
  const { target } = options;
  const plans = assignClients(workload, options.generators, target?.roomPrefix);
  const clients = plans.reduce((n, p) => n + p.length, 0);
  const totalMs = workload.warmupMs + workload.durationMs;
  let phase: TrialProgress['phase'] = 'setup';
  const progress = new Map<number, { sent: number; delivered: number }>();
  const report = (): void => {
    let sent = 0;
    let delivered = 0;
    for (const p of progress.values()) {
      sent += p.sent;
      delivered += p.delivered;
    }
    options.onProgress?.({ phase, elapsedMs: Math.round(performance.now() - started), totalMs, sent, delivered });
  };
  try {
    if (!target) server = await unlessInterrupted(spawnServer(variant.transport, serverFlags(variant), options.pin ? { cpu: 0 } : {}));
    const idle = server ? await unlessInterrupted(server.mark('idle', true)) : undefined;
    const procIdle = proc?.read();
    const url = target?.url ?? (server as ServerProcess).url;
    report();

    const setupTimeout = SETUP_BASE_MS + SETUP_MS_PER_CLIENT * clients;
    for (const [index, list] of plans.entries()) {
      const child = spawnTs(GENERATOR_MAIN, [], GENERATOR_STOP_GRACE_MS, options.pin ? { cpu: 1 } : {});
      children.push(child);
      child.on('message', (m: GeneratorToParent) => {
        if (m.type === 'progress') {
          progress.set(index, { sent: m.sent, delivered: m.delivered });
          report();
        }
      });
      const plan: ParentToGenerator = {
        type: 'plan',
        index,
        url,
        ...(target?.token ? { token: target.token } : {}),
        ...(server?.ca === undefined ? {} : { ca: server.ca }),
        variant,
        workload,
        clients: list,
        seed: options.seed * 1000 + index * 17 + options.round,
        connectConcurrency: CONNECT_CONCURRENCY,
      };
      child.send(plan);
    }
    const failed = (m: GeneratorToParent): boolean => m.type === 'failed';
    const expectFrom = async <T extends GeneratorToParent['type']>(type: T, timeoutMs: number, what: string): Promise<Extract<GeneratorToParent, { type: T }>[]> => {
      const answers = await unlessInterrupted(
        Promise.all(children.map((child, i) => nextMessage<GeneratorToParent>(child, (m) => m.type === type || failed(m), timeoutMs, `generator ${i}: ${what}`))),
      );
      const failure = answers.find(failed);
      if (failure?.type === 'failed') throw new Error(`a generator failed while ${what}: ${failure.message}`);
      return answers as Extract<GeneratorToParent, { type: T }>[];
    };
    await expectFrom('ready', setupTimeout, `connecting ${clients} clients`);

    const startUs = monotonicUs() + START_DELAY_US;
    const windowStartUs = startUs + workload.warmupMs * 1000;
    const windowEndUs = windowStartUs + workload.durationMs * 1000;
    const drain = drainMs(variant);
    const start: ParentToGenerator = { type: 'start', startUs, windowStartUs, windowEndUs, drainMs: drain };
    for (const child of children) child.send(start);
    phase = 'warm-up';
    // The server's reading at a moment of the schedule (from /proc for a server the bench did not
    // start but was given the id of; none for one it knows nothing of).
    const markAt = (us: number, name: string, then: () => void): Promise<ServerMark | ProcReading | undefined> =>
      new Promise((resolve, reject) => {
        setTimeout(() => {
          then();
          if (server) server.mark(name).then(resolve, reject);
          else if (proc) {
            try {
              resolve(proc.read());
            } catch (error) {
              reject(error as Error);
            }
          } else resolve(undefined);
        }, Math.max(0, (us - monotonicUs()) / 1000));
      });
    const windowStart = markAt(windowStartUs, 'window-start', () => (phase = 'window'));
    const windowEnd = markAt(windowEndUs, 'window-end', () => (phase = 'drain'));
    windowStart.catch(() => undefined);
    windowEnd.catch(() => undefined);

    const ends = await expectFrom('window-end', totalMs + START_DELAY_US / 1000 + drain + RESULT_MARGIN_MS, 'running the window');
    const storedByRoom: Record<string, number> = {};
    for (const end of ends) for (const [room, n] of Object.entries(end.stored)) storedByRoom[room] = (storedByRoom[room] ?? 0) + n;
    for (const child of children) child.send({ type: 'expect', stored: storedByRoom } satisfies ParentToGenerator);
    const results = await expectFrom('result', drain + RESULT_MARGIN_MS, 'draining');
    const generators: GeneratorResult[] = results.map((r) => r.result);
    const common = { round: options.round, position: options.position, workload, generators, storedByRoom, startUs };
    if (proc && procIdle) {
      // Every delivery is in and every client still connected: the RSS they hold (no collection).
      const memory = proc.read();
      const [atStart, atEnd] = [await unlessInterrupted(windowStart), await unlessInterrupted(windowEnd)];
      if (!atStart || !atEnd || 'type' in atStart || 'type' in atEnd) throw new Error('unreachable: /proc readings are taken at both window edges');
      return buildTrialResult({
        ...common,
        proc: { idle: procIdle, windowStart: atStart, windowEnd: atEnd, memory, samples: proc.samples.filter((s) => s.tUs >= startUs - 1_000_000), notMeasured: PROC_NOT_MEASURED },
      });
    }
    if (!server || !idle) {
      await unlessInterrupted(windowEnd);
      return buildTrialResult({ ...common, serverNotMeasured: TARGET_NOT_MEASURED });
    }
    // Every delivery is in and every client still connected: what they cost, garbage collected.
    const memory = await unlessInterrupted(server.mark('memory', true));
    // Then the same reading once every client has gone: the difference is the connections alone,
    // measured at the same point of the server's life (its code compiled, its heap grown alike).
    await Promise.all(children.map((child) => stopGenerator(child)));
    const released = await unlessInterrupted(releasedMark(server));
    const [atStart, atEnd] = [await unlessInterrupted(windowStart), await unlessInterrupted(windowEnd)];
    if (!atStart || !atEnd || !('type' in atStart) || !('type' in atEnd)) throw new Error('unreachable: a started server answers every mark');
    return buildTrialResult({
      ...common,
      idle,
      windowStart: atStart,
      windowEnd: atEnd,
      memory,
      released,
      samples: [...server.samples].filter((s) => s.tUs >= startUs - 1_000_000),
    });
  } finally {
    interrupted.dispose();
    proc?.stop();
    await Promise.all(children.map((child) => stopGenerator(child)));
    await server?.stop();
  }
}

async function stopGenerator(child: TsChild): Promise<void> {
  if (child.connected) child.send({ type: 'exit' } satisfies ParentToGenerator, () => undefined);
  await stopChild(child);
}

/** Waits until the server has no open connection (bounded), then reads it after a collection. */
async function releasedMark(server: ServerProcess): Promise<ServerMark> {
  const deadline = performance.now() + RELEASE_TIMEOUT_MS;
  for (;;) {
    const probe = await server.mark('release-probe');
    if (probe.stats.connections === 0 || performance.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, RELEASE_POLL_MS));
  }
  return server.mark('released', true);
}
