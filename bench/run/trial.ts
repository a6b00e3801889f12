/**
 * One trial: one variant on one workload in one round. Starts the server (whichever kind:
 * server-under-test.ts) and the generators in their own processes, runs the warm-up and the
 * window, collects what everyone measured, and stops every process whatever happens.
 */
import { fileURLToPath } from 'node:url';
import { toFlag } from '../../servers/common/command-line/index.ts';
import { monotonicUs } from '../../servers/common/self-report.ts';
import { minIdleTimeoutMs } from '../../servers/contract/limits.ts';
import type { ClientAssignment, GeneratorResult, GeneratorToParent, ParentToGenerator } from '../generator/ipc.ts';
import { TRANSPORT_FACTS, isLossyChannel, type Cluster, type Distance, type NetworkLoss, type TransportFacts, type TrialResult, type TrialTiming, type Variant, type Workload } from '../model/results.ts';
import { serverEntry } from './spawn-server.ts';
import { isBaseline } from '../baselines/index.ts';
import { prepareEntry } from './bundle.ts';
import { nextMessage, spawnTs, stopChild, type TsChild } from './spawn.ts';
import { ipv4Loopback, openFilesLimit, planSockets, sourceAddresses } from '../generator/sockets.ts';
import { buildTrialResult, limitedTrialResult, type DistanceReadings } from '../model/trial-result.ts';
import { instanceOf } from '../cluster/cluster.ts';
import { DEFAULT_ROUTE_ADDRESS, LossyNetwork, type PacketCounts } from '../network/lossy-net.ts';
import { DistantNetwork, SERVER_ADDRESS } from '../network/distance.ts';
import { readAt, startServerUnderTest, type BrokerControl, type ServerUnderTest } from './server-under-test.ts';

const GENERATOR_MAIN = fileURLToPath(new URL('../generator/main.ts', import.meta.url));

/**
 * Time from `start` to the first scheduled send, so that every generator has the command: an IPC
 * message between idle processes on one machine takes well under a millisecond, and a send that
 * leaves late for want of it falls in the warm-up, which is not measured. (300 ms before: a
 * `--quick` run paid it 10 times; 100 ms until 2026-12-08, when the default run paid it 15 times.)
 * The schedule is absolute: a send of the warm-up whose time had passed when the command came
 * leaves at once, late, and the warm-up is not measured.
 */
const START_DELAY_US = 25_000;
/** Setup time allowed per client (connect and subscribe), on top of a fixed allowance. */
const SETUP_MS_PER_CLIENT = 20;
const SETUP_BASE_MS = 30_000;
/** Extra time for results to arrive after the drain. */
const RESULT_MARGIN_MS = 30_000;
/** Clients connecting at once in each generator. */
const CONNECT_CONCURRENCY = 100;
/** How long a generator gets to close its clients before it is killed. */
const GENERATOR_STOP_GRACE_MS = 10_000;

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
  /** Generator processes asked for; more are started when the step's sockets need them (generator/sockets.ts). */
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
  /** Several instances on a backplane (issue 11); absent: one process, memory. */
  readonly cluster?: Cluster;
  /** The Redis the instances share, with a cluster on Redis. */
  readonly broker?: BrokerControl;
  /** Room names of this trial (Redis keeps rooms between trials, so each trial needs its own). */
  readonly roomPrefix?: string;
  /**
   * Run the server and the generators in a network namespace of their own whose loopback drops
   * this share of packets, in percent (`Step.lossPct`; lossy-net.ts).
   */
  readonly lossPct?: number;
  /**
   * Run the server and the generators on two sides of a network with distance (`Step.distance`;
   * network/distance.ts); with `lossPct`, each side's output drops that share of packets too.
   */
  readonly distance?: Distance;
  /** `--profile`: write a CPU profile of the server over the measured window to this file. */
  readonly profileFile?: string;
  /** Server options of the step (`Step.serverOptions`), as flags to every server started. */
  readonly serverOptions?: Readonly<Record<string, number>>;
  /**
   * This trial's processes, started ahead of it during the last trial's warm-up and loaded
   * (`startTrialProcesses`, `startsAhead`); absent: the trial starts its own.
   */
  readonly ahead?: TrialProcesses;
  /** Called once the schedule is sent to the generators (the warm-up begins at `startUs`, the window at `windowStartUs`). */
  readonly onSchedule?: (schedule: { readonly startUs: number; readonly windowStartUs: number }) => void;
}

/** A trial's processes: its generators, each loading its transport's client, and its server. */
export interface TrialProcesses {
  readonly generators: readonly TsChild[];
  /** Resolves once the server listens (with several instances, all of them). */
  readonly server: Promise<ServerUnderTest>;
  /**
   * Resolves once every process is loaded and idle: the server listens and each generator has
   * its transport's client code in; rejects when one could not start.
   */
  readonly loaded: Promise<void>;
  /** Stops every one of them, whatever state it is in. */
  stop(): Promise<void>;
}

/** Where a trial's processes run: the namespaces of a lossy or distant network, the server's address across a distance. */
interface Placement {
  readonly serverNs?: string | undefined;
  readonly clientNs?: string | undefined;
  readonly host?: string | undefined;
}

/** Longest wait for a generator to load its transport's client. */
const LOAD_TIMEOUT_MS = 30_000;

/** TCP connects each generator makes to the server before its clients connect, to measure the path. */
export const PATH_PROBES = 5;

/** What the loss rule counted in the window and over the trial, from three readings of its counters. */
export function networkLoss(network: { readonly name: string; readonly lossPct: number }, start: PacketCounts, end: PacketCounts, last: PacketCounts): NetworkLoss {
  return {
    lossPct: network.lossPct,
    namespace: network.name,
    window: { packets: end.packets - start.packets, dropped: end.dropped - start.dropped },
    trial: last,
  };
}

/**
 * Who sends and receives in which room, spread over the generators: whole rooms where there are
 * at least as many rooms as generators and no generator's whole rooms would pass `maxPerGenerator`
 * clients; otherwise every room's members dealt out in turn, so that a room larger than one
 * process can serve is spread over several. With several instances, member m of every room is on
 * instance m mod `instances`.
 */
export function assignClients(workload: Workload, generators: number, roomPrefix = 'room-', maxPerGenerator = Infinity, instances = 1): ClientAssignment[][] {
  const out: ClientAssignment[][] = Array.from({ length: generators }, () => []);
  const wholeRooms = workload.rooms >= generators && Math.ceil(workload.rooms / generators) * workload.members <= maxPerGenerator;
  for (let r = 0; r < workload.rooms; r++) {
    for (let m = 0; m < workload.members; m++) {
      const g = wholeRooms ? r % generators : (r * workload.members + m) % generators;
      const assignment: ClientAssignment = { room: `${roomPrefix}${r}`, sender: `r${r}m${m}` };
      out[g]?.push(instances > 1 ? { ...assignment, instance: instanceOf(m, instances) } : assignment);
    }
  }
  return out.filter((list) => list.length > 0);
}

/**
 * The longest wait after the window on a lossy loopback, ms, for a reliable variant's deliveries
 * and for every variant's acknowledgements: long enough for TCP to get one exchange through a run
 * of losses, so that "not delivered" or "never acknowledged" means lost, not late. Linux doubles a
 * segment's retransmission timeout on each loss of it: from 200 ms on a warm connection (six losses
 * in a row, 12.6 s), from 1 s for a new connection's SYN (three, 7 s), and a connection whose SYN
 * was retransmitted without an RTT sample starts its data at 3 s (two losses, 9 s). At 10% loss a
 * post once stayed unanswered for the whole of a 10 s wait (CI, 2026-11-27). It ends as soon as
 * everything arrived, so a clean trial does not pay it.
 */
export const LOSSY_DRAIN_MS = 30_000;

/**
 * How long to wait for the last deliveries after the window (the generators stop waiting once every
 * message arrived). On a lossy loopback a reliable variant gets {@link LOSSY_DRAIN_MS}; a channel
 * that drops by design keeps the plain drain, since what it dropped never comes.
 */
export function drainMs(variant: Variant, lossPct = 0): number {
  const plain = plainDrainMs(variant);
  return lossPct > 0 && !isLossyChannel(variant) ? Math.max(plain, LOSSY_DRAIN_MS) : plain;
}

/**
 * How long to wait for the window's sends to be acknowledged. The acknowledgements of every
 * variant travel a reliable path (HTTP, or WebRTC's reliable channel for a lossy-channel variant),
 * so on a lossy loopback each gets {@link LOSSY_DRAIN_MS}.
 */
export function settleMs(variant: Variant, lossPct = 0): number {
  const plain = plainDrainMs(variant);
  return lossPct > 0 ? Math.max(plain, LOSSY_DRAIN_MS) : plain;
}

const plainDrainMs = (variant: Variant): number => Math.max(3000, 3 * (variant.pollIntervalMs ?? 0));

/** Server flags a variant needs: TLS, HTTP/2 and Socket.IO's adapter as it asks; a long poll's `wait` must be allowed by the server. */
function serverFlags(variant: Variant): string[] {
  const facts: TransportFacts = TRANSPORT_FACTS[variant.transport];
  const tls = [...(variant.tls === true ? ['--tls'] : []), ...(variant.http2 === true ? ['--http2'] : []), ...(variant.adapter === undefined ? [] : ['--socketio-adapter', variant.adapter])];
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
  const { variant, workload, target } = options;
  const interrupted = abortPromise(options.signal);
  // What ends a trial early: an interruption, and with distance the delay line dying.
  const stoppers: Promise<never>[] = [interrupted.promise];
  const unlessInterrupted = <T>(promise: Promise<T>): Promise<T> => Promise.race([promise, ...stoppers]);
  const cluster = target ? undefined : options.cluster;
  // Set when the trial ends, however: a fault not yet injected is then never injected.
  let ended = false;
  let network: LossyNetwork | undefined;
  let distant: DistantNetwork | undefined;
  // The trial's processes, handed over (`TrialOptions.ahead`) or being started: stopped at its end, however it ends.
  let launching: Promise<TrialProcesses> | undefined = options.ahead && Promise.resolve(options.ahead);
  const children: TsChild[] = [];
  const started = performance.now();
  const { sockets, plans } = planTrial(options);
  // A server the bench starts has the bench's cap; one it did not start is not judged.
  if (sockets.limit && !target) {
    interrupted.dispose();
    await options.ahead?.stop();
    return limitedTrialResult({ round: options.round, position: options.position, clients: sockets.clients, limit: sockets.limit });
  }
  const clients = plans.reduce((n, p) => n + p.length, 0);
  const perClient = sockets.sockets / Math.max(1, sockets.clients);
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
  // Set at the end of the try: a trial that throws has neither.
  let result: TrialResult;
  let timing: Omit<TrialTiming, 'stopMs' | 'startedAhead'>;
  try {
    if (options.lossPct !== undefined || options.distance) {
      const what = options.distance ? 'a network with distance (--rtt)' : 'a lossy network (--loss)';
      if (target) throw new Error(`${what} needs the server inside its namespace, so it cannot be used with --target`);
      // The namespaces cannot reach the Redis the bench starts outside them.
      if (cluster) throw new Error(`${what} runs one server in its namespace, so it cannot be used with --instances or --backplane`);
    }
    if (options.distance) {
      distant = await unlessInterrupted(DistantNetwork.create(options.distance, { seed: options.seed * 1000 + options.round, ...(options.lossPct !== undefined ? { lossPct: options.lossPct } : {}) }));
      const line = distant.delayLine;
      if (line) {
        const died = line.exited.then(() => Promise.reject(new Error(`the delay line exited mid-trial (${line.why()})`)));
        died.catch(() => undefined);
        stoppers.push(died);
      }
    } else if (options.lossPct !== undefined) {
      // A page's WebRTC offers a candidate on the default route's interface only.
      const defaultRoute = variant.clients === 'browser' && variant.transport === 'webrtc';
      network = await unlessInterrupted(LossyNetwork.create(options.lossPct, { defaultRoute }));
    }
    const serverNs = distant?.serverNs ?? network?.name;
    const clientNs = distant?.clientNs ?? network?.name;
    launching ??= startTrialProcesses(options, { serverNs, clientNs, host: distant ? SERVER_ADDRESS : undefined });
    const processes = await unlessInterrupted(launching);
    children.push(...processes.generators);
    for (const [index, child] of children.entries()) {
      child.on('message', (m: GeneratorToParent) => {
        if (m.type === 'progress') {
          progress.set(index, { sent: m.sent, delivered: m.delivered });
          report();
        }
      });
    }
    const sut = await unlessInterrupted(processes.server);
    await unlessInterrupted(sut.readIdle());
    report();

    const setupTimeout = SETUP_BASE_MS + SETUP_MS_PER_CLIENT * clients;
    for (const [index, list] of plans.entries()) {
      const child = children[index] as TsChild;
      const plan: ParentToGenerator = {
        type: 'plan',
        index,
        url: sut.url,
        ...(sut.urls.length > 1 ? { urls: sut.urls } : {}),
        ...(target?.token ? { token: target.token } : {}),
        ...(sut.ca === undefined ? {} : { ca: sut.ca }),
        variant,
        workload,
        clients: list,
        seed: options.seed * 1000 + index * 17 + options.round,
        connectConcurrency: CONNECT_CONCURRENCY,
        ...(distant ? { pathProbes: PATH_PROBES } : {}),
        // Each generator its own source addresses, so that none shares or runs out of ephemeral ports.
        sourceAddresses: ipv4Loopback(sut.url) ? sourceAddresses(index, list.length * perClient) : [],
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
    const readies = await expectFrom('ready', setupTimeout, `connecting ${clients} clients`);
    const readyAt = performance.now();

    const startUs = monotonicUs() + START_DELAY_US;
    const windowStartUs = startUs + workload.warmupMs * 1000;
    const windowEndUs = windowStartUs + workload.durationMs * 1000;
    const settle = settleMs(variant, options.lossPct);
    const drain = drainMs(variant, options.lossPct);
    const start: ParentToGenerator = { type: 'start', startUs, windowStartUs, windowEndUs, settleMs: settle, drainMs: drain };
    for (const child of children) child.send(start);
    sut.arm({ startUs, windowStartUs, windowEndUs, children, ended: () => ended });
    options.onSchedule?.({ startUs, windowStartUs });
    phase = 'warm-up';
    void readAt(windowStartUs, () => (phase = 'window'));
    void readAt(windowEndUs, () => (phase = 'drain'));
    // The loss rule's counters at the window's edges.
    const lossCounters = distant && options.lossPct !== undefined ? () => (distant as DistantNetwork).lossCounters() : network ? () => (network as LossyNetwork).counters() : undefined;
    const countsAtStart = lossCounters && readAt(windowStartUs, lossCounters);
    const countsAtEnd = lossCounters && readAt(windowEndUs, lossCounters);
    // The delay line's readings at the window's edges: its counts and CPU, and its lateness in the window.
    const lineStats = distant?.delayLine ? () => (distant as DistantNetwork).stats() : undefined;
    const lineAtStart = lineStats && readAt(windowStartUs, lineStats);
    const lineAtEnd = lineStats && readAt(windowEndUs, lineStats);

    const ends = await expectFrom('window-end', totalMs + START_DELAY_US / 1000 + settle + RESULT_MARGIN_MS, 'running the window');
    const storedByRoom: Record<string, number> = {};
    for (const end of ends) for (const [room, n] of Object.entries(end.stored)) storedByRoom[room] = (storedByRoom[room] ?? 0) + n;
    const acked: Record<string, number[]> = {};
    for (const end of ends) for (const [room, seqs] of Object.entries(end.acked)) (acked[room] ??= []).push(...seqs);
    for (const child of children) child.send({ type: 'expect', stored: storedByRoom, acked } satisfies ParentToGenerator);
    // A seq acknowledged for two messages: the broker lost the first after acknowledging it (a
    // write after its last snapshot) and gave its seq again. Receivers cannot tell by seq alone.
    const seqsAckedTwice = Object.values(acked).reduce((n, seqs) => n + seqs.length - new Set(seqs).size, 0);
    const windowEndAt = performance.now() - Math.max(0, (monotonicUs() - windowEndUs) / 1000);
    const results = await expectFrom('result', drain + RESULT_MARGIN_MS, 'draining');
    const drainedAt = performance.now();
    const generators: GeneratorResult[] = results.map((r) => r.result);
    // Nothing of a trial may go past loopback and the benchmarking range: a packet sent by the default route would have.
    const routedAway = network ? await unlessInterrupted(network.routedAway()) : 0;
    if (routedAway > 0) throw new Error(`${routedAway} packet(s) went out by the namespace's default route, to an address that is neither loopback nor ${DEFAULT_ROUTE_ADDRESS}: the trial is not kept`);
    const lossNet = distant && options.lossPct !== undefined ? { name: `${distant.clientNs},${distant.serverNs}`, lossPct: options.lossPct } : network;
    const lossy =
      lossNet && lossCounters && countsAtStart && countsAtEnd
        ? { network: networkLoss(lossNet, await unlessInterrupted(countsAtStart), await unlessInterrupted(countsAtEnd), await unlessInterrupted(lossCounters())) }
        : {};
    const far = distant
      ? {
          distance: {
            spec: distant.spec,
            method: distant.method,
            path: readies.flatMap((r) => r.path ?? []),
            ...(lineAtStart && lineAtEnd ? { line: { start: await unlessInterrupted(lineAtStart), end: await unlessInterrupted(lineAtEnd) } } : {}),
            kernel: await unlessInterrupted(distant.kernelCounters()),
          } satisfies DistanceReadings,
        }
      : {};
    // Every delivery is in and every client still connected: what they hold. Then the server's
    // readings once every client has gone.
    await unlessInterrupted(sut.readConnected());
    await Promise.all(children.map((child) => stopGenerator(child)));
    const readings = await unlessInterrupted(sut.readings(generators));
    const readingsAt = performance.now();
    result = buildTrialResult({
      round: options.round,
      position: options.position,
      workload,
      generators,
      storedByRoom,
      startUs,
      seqsAckedTwice,
      ...lossy,
      ...far,
      ...(isLossyChannel(variant) ? { lossyChannel: true } : {}),
      ...readings,
    });
    timing = { setupMs: readyAt - started, runMs: windowEndAt - readyAt, drainMs: drainedAt - windowEndAt, readingsMs: readingsAt - drainedAt };
  } finally {
    ended = true;
    interrupted.dispose();
    // Its generators, then its server; processes still starting when the trial was interrupted
    // once they are up, and a server once it listens.
    await (await launching?.catch(() => undefined))?.stop();
    await network?.close();
    await distant?.close();
  }
  const ms = Math.round;
  const stopMs = performance.now() - started - timing.setupMs - timing.runMs - timing.drainMs - timing.readingsMs;
  return { ...result, timing: { setupMs: ms(timing.setupMs), runMs: ms(timing.runMs), drainMs: ms(timing.drainMs), readingsMs: ms(timing.readingsMs), stopMs: ms(stopMs), ...(options.ahead ? { startedAhead: true } : {}) } };
}

/**
 * Whether a trial's processes may be started ahead of it, during the last trial's warm-up: not in
 * a network of its own (the trial makes its namespaces), not on a backplane (its instances would
 * talk to the Redis whose load the last trial measures), and not with browser members (Chromium
 * starts with the plan, and it is no light load).
 */
export function startsAhead(options: Pick<TrialOptions, 'lossPct' | 'distance' | 'cluster' | 'variant'>): boolean {
  return options.lossPct === undefined && options.distance === undefined && options.cluster === undefined && options.variant.clients !== 'browser';
}

/**
 * Starts a trial's processes: its generators (each told at once to load its transport's client,
 * then waiting for its plan) and its server, at the same time, so that the seconds of loading code
 * are paid once a trial, not twice. `runTrial` calls this itself, or takes the processes ready
 * (`TrialOptions.ahead`).
 */
export async function startTrialProcesses(options: TrialOptions, where: Placement = {}, signal?: AbortSignal): Promise<TrialProcesses> {
  const { variant, target } = options;
  const cluster = target ? undefined : options.cluster;
  const { plans } = planTrial(options);
  // Each process's code built once per run (bench/run/bundle.ts): a child then starts without tsx.
  await Promise.all([prepareEntry(GENERATOR_MAIN), prepareEntry(serverEntry(variant.transport))]);
  signal?.throwIfAborted();
  const generators = plans.map(() => spawnTs(GENERATOR_MAIN, [], GENERATOR_STOP_GRACE_MS, { ...(options.pin ? { cpu: 1 } : {}), ...(where.clientNs ? { netns: where.clientNs } : {}), ...(signal ? { signal } : {}) }));
  const clientsLoaded = generators.map((child, i) => {
    const answer = nextMessage<GeneratorToParent>(child, (m) => m.type === 'loaded' || m.type === 'failed', LOAD_TIMEOUT_MS, `generator ${i}: loading the ${variant.transport} client`);
    child.send({ type: 'load', transport: variant.transport } satisfies ParentToGenerator, () => undefined);
    return answer.then((m) => {
      if (m.type === 'failed') throw new Error(`generator ${i}: loading the ${variant.transport} client: ${m.message}`);
    });
  });
  // Across a distance the server listens on its side's address, the one address its namespace routes.
  // A step's server options go to chat servers: a baseline takes none of the contract's.
  const stepFlags = isBaseline(variant.transport) ? [] : Object.entries(options.serverOptions ?? {}).flatMap(([name, value]) => [toFlag(name), String(value)]);
  const server = startServerUnderTest({
    transport: variant.transport,
    flags: [...serverFlags(variant), ...(where.host ? ['--host', where.host] : []), ...stepFlags],
    spawn: { ...(options.pin ? { cpu: 0 } : {}), ...(where.serverNs ? { netns: where.serverNs } : {}), ...(signal ? { signal } : {}) },
    ...(target ? { target } : {}),
    ...(cluster ? { cluster } : {}),
    ...(options.broker ? { broker: options.broker } : {}),
    ...(options.profileFile !== undefined ? { profileFile: options.profileFile } : {}),
  });
  const loaded = Promise.all([server, ...clientsLoaded]).then(() => undefined);
  // Whoever uses them reads the failure from `server` or `loaded`; neither is left unhandled.
  server.catch(() => undefined);
  loaded.catch(() => undefined);
  return {
    generators,
    server,
    loaded,
    stop: async () => {
      await Promise.all(generators.map((child) => stopGenerator(child)));
      await (await server.catch(() => undefined))?.stop();
    },
  };
}

/** A trial's sockets and who each of its generators holds. */
function planTrial(options: TrialOptions): { sockets: ReturnType<typeof planSockets>; plans: ClientAssignment[][] } {
  const { workload, variant, target } = options;
  const sockets = planSockets(workload, variant, options.generators, openFilesLimit());
  const instances = (target ? undefined : options.cluster)?.instances ?? 1;
  return { sockets, plans: assignClients(workload, sockets.generators, target?.roomPrefix ?? options.roomPrefix, sockets.clientsPerGenerator, instances) };
}

async function stopGenerator(child: TsChild): Promise<void> {
  if (child.connected) child.send({ type: 'exit' } satisfies ParentToGenerator, () => undefined);
  await stopChild(child);
}

