/**
 * The server a trial measures, whichever kind it is: one process the bench started, several
 * instances on a backplane, a server the bench did not start but reads from /proc (`--target-pid`),
 * or one it knows nothing of (`--target`). A trial runs one path over {@link ServerUnderTest}; each
 * kind reads what it can at the same moments of that path and hands its readings to the results
 * model (`ServerInputs`).
 */
import { monotonicUs, type ServerMark, type ServerSample } from '../../servers/common/self-report.ts';
import type { GeneratorResult, ParentToGenerator } from '../generator/ipc.ts';
import { BrokerSampler, brokerMeasure } from '../cluster/broker-sampler.ts';
import { backplaneFlags } from '../cluster/cluster.ts';
import type { Cluster } from '../model/results.ts';
import type { ServerInputs } from '../model/trial-result.ts';
import { ProcSampler, type ProcReading } from './proc-sampler.ts';
import { spawnServer, type ServerProcess, type ServerTarget } from './spawn-server.ts';
import type { SpawnOptions, TsChild } from './spawn.ts';

/** Longest wait for the server to see every client's connection close. */
const RELEASE_TIMEOUT_MS = 10_000;
/** How often the server is asked whether every connection has closed. */
const RELEASE_POLL_MS = 10;
/** Samples kept from before the schedule's start: the last second of setup. */
const SAMPLES_BEFORE_START_US = 1_000_000;

/** When a failover's faults happen, as shares of the window: the kill, then the Redis restart. */
export const FAILOVER_KILL_AT = 0.25;
export const FAILOVER_REDIS_RESTART_AT = 0.6;

/** Why the server's figures are missing from a `--target` trial. */
export const TARGET_NOT_MEASURED = 'the bench did not start this server (--target), so it could not read its CPU and memory (give --target-pid to read them from /proc)';

/** Why some server figures are missing from a `--target --target-pid` trial. */
export const PROC_NOT_MEASURED = 'CPU time and RSS read from /proc (--target-pid); heap, event-loop delay, held polls, sockets and connections are known only to a server that reports them itself';

/** The Redis a trial's instances share. */
export interface BrokerControl {
  /** redis://HOST:PORT */
  readonly url: string;
  /**
   * Restarts it keeping its data (saved on shutdown, loaded at start, same port); resolves once it
   * answers again with how long it was down, ms. Absent for a Redis the bench did not start.
   */
  readonly restart?: () => Promise<number>;
}

/** The schedule of a trial, as the server's readings need it. */
export interface TrialSchedule {
  /** Monotonic µs of the schedule's start (warm-up included). */
  readonly startUs: number;
  readonly windowStartUs: number;
  readonly windowEndUs: number;
  /** The generators: a failover tells them when each fault began. */
  readonly children: readonly TsChild[];
  /** True once the trial has ended, however: a fault not yet injected is then never injected. */
  readonly ended: () => boolean;
}

/** The server of one trial, read at the same moments whatever it is. */
export interface ServerUnderTest {
  /** Where the clients connect (the first instance's, with several). */
  readonly url: string;
  /** Every instance's address, with several; empty otherwise. */
  readonly urls: readonly string[];
  /** Over TLS, the certificate (PEM) of a server the bench started, for its clients to trust. */
  readonly ca?: string | undefined;
  /** Reads it before any client connects. */
  readIdle(): Promise<void>;
  /** Arms its readings at the window's edges (and a cluster's broker samples and faults) once the schedule is sent. */
  arm(schedule: TrialSchedule): void;
  /** After the drain, every client still connected: what they hold. */
  readConnected(): Promise<void>;
  /** Once every generator has stopped: its part of the trial's inputs. */
  readings(generators: readonly GeneratorResult[]): Promise<ServerInputs>;
  /** Stops what it started, and its samplers; safe at any point, and more than once. */
  stop(): Promise<void>;
}

/** How to start the server(s) of a trial: which, with which flags, where. */
export interface ServerStart {
  readonly transport: ServerTarget;
  readonly flags: readonly string[];
  readonly spawn: SpawnOptions;
  /** A server already running (`--target`), with its process id when known. */
  readonly target?: { readonly url: string; readonly pid?: number };
  /** Several instances on a backplane, and the Redis they share. */
  readonly cluster?: Cluster;
  readonly broker?: BrokerControl;
  /** `--profile`: a CPU profile of the one server over the window, to this file. */
  readonly profileFile?: string;
}

/** Starts the server a trial measures, or takes the one given, and resolves once it listens. */
export async function startServerUnderTest(start: ServerStart): Promise<ServerUnderTest> {
  if (start.target) return start.target.pid === undefined ? new UnmeasuredServer(start.target.url) : new ProcServer(start.target.url, start.target.pid);
  if (start.cluster) return ClusterServer.start(start.transport, [...start.flags, ...backplaneFlags(start.cluster, start.broker?.url)], start.spawn, start.cluster, start.broker);
  return OneServer.start(start.transport, start.flags, start.spawn, start.profileFile);
}

/** Resolves at the monotonic moment `us` (at once when it has passed). */
export function untilUs(us: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, (us - monotonicUs()) / 1000)));
}

/** `read()` at the monotonic moment `us`; a rejection is left for whoever awaits it (none is unhandled). */
export function readAt<T>(us: number, read: () => T | Promise<T>): Promise<T> {
  const reading = untilUs(us).then(read);
  reading.catch(() => undefined);
  return reading;
}

/** The samples from the last second before the schedule's start on. */
const fromStart = <T extends { readonly tUs: number }>(samples: readonly T[], startUs: number): T[] => samples.filter((s) => s.tUs >= startUs - SAMPLES_BEFORE_START_US);

/** A server the bench did not start and knows nothing of: no reading. */
class UnmeasuredServer implements ServerUnderTest {
  readonly urls: readonly string[] = [];
  constructor(readonly url: string) {}
  readIdle(): Promise<void> {
    return Promise.resolve();
  }
  arm(): void {}
  readConnected(): Promise<void> {
    return Promise.resolve();
  }
  readings(): Promise<ServerInputs> {
    return Promise.resolve({ serverNotMeasured: TARGET_NOT_MEASURED });
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
}

/** A server the bench did not start, read from /proc: CPU time and RSS. */
class ProcServer implements ServerUnderTest {
  readonly urls: readonly string[] = [];
  private readonly proc: ProcSampler;
  private idle: ProcReading | undefined;
  private connected: ProcReading | undefined;
  private edges: [Promise<ProcReading>, Promise<ProcReading>] | undefined;
  private startUs = 0;

  constructor(
    readonly url: string,
    pid: number,
  ) {
    this.proc = new ProcSampler(pid);
  }
  readIdle(): Promise<void> {
    this.idle = this.proc.read();
    return Promise.resolve();
  }
  arm(schedule: TrialSchedule): void {
    this.startUs = schedule.startUs;
    this.edges = [readAt(schedule.windowStartUs, () => this.proc.read()), readAt(schedule.windowEndUs, () => this.proc.read())];
  }
  readConnected(): Promise<void> {
    // No garbage collection can be asked of it: the RSS its clients hold as it is.
    this.connected = this.proc.read();
    return Promise.resolve();
  }
  async readings(): Promise<ServerInputs> {
    if (!this.idle || !this.connected || !this.edges) throw new Error('a /proc reading was skipped: read it idle, arm it and read it connected first');
    const [windowStart, windowEnd] = await Promise.all(this.edges);
    return { proc: { idle: this.idle, windowStart, windowEnd, memory: this.connected, samples: fromStart(this.proc.samples, this.startUs), notMeasured: PROC_NOT_MEASURED } };
  }
  stop(): Promise<void> {
    this.proc.stop();
    return Promise.resolve();
  }
}

/** One server process the bench started, reporting about itself. */
class OneServer implements ServerUnderTest {
  readonly urls: readonly string[] = [];
  private idle: ServerMark | undefined;
  private connected: ServerMark | undefined;
  private edges: [Promise<ServerMark>, Promise<ServerMark>] | undefined;
  private profiled: Promise<{ file: string; bytes: number }> | undefined;
  private profile: { file: string; bytes: number } | undefined;
  private startUs = 0;

  private constructor(
    private readonly server: ServerProcess,
    private readonly profileFile: string | undefined,
  ) {}

  static async start(transport: ServerTarget, flags: readonly string[], spawn: SpawnOptions, profileFile: string | undefined): Promise<OneServer> {
    return new OneServer(await spawnServer(transport, flags, spawn), profileFile);
  }
  get url(): string {
    return this.server.url;
  }
  get ca(): string | undefined {
    return this.server.ca;
  }
  async readIdle(): Promise<void> {
    this.idle = await this.server.mark('idle', true);
  }
  arm(schedule: TrialSchedule): void {
    this.startUs = schedule.startUs;
    this.edges = [readAt(schedule.windowStartUs, () => this.server.mark('window-start')), readAt(schedule.windowEndUs, () => this.server.mark('window-end'))];
    if (this.profileFile !== undefined) {
      this.profiled = profileWindow(this.server, this.profileFile, schedule.windowStartUs, schedule.windowEndUs);
      this.profiled.catch(() => undefined);
    }
  }
  async readConnected(): Promise<void> {
    // The profile is written by now (it ends with the window); then the memory reading.
    const profile = await this.profiled;
    // Every delivery is in and every client still connected: what they cost, garbage collected.
    this.connected = await this.server.mark('memory', true);
    if (profile) this.profile = profile;
  }
  async readings(): Promise<ServerInputs> {
    if (!this.idle || !this.connected || !this.edges) throw new Error('a mark was skipped: read the server idle, arm it and read it connected first');
    // The same reading once every client has gone: the difference is the connections alone,
    // measured at the same point of the server's life (its code compiled, its heap grown alike).
    await waitReleased(this.server);
    const released = await this.server.mark('released', true);
    const [windowStart, windowEnd] = await Promise.all(this.edges);
    return {
      ...(this.profile ? { profile: this.profile } : {}),
      idle: this.idle,
      windowStart,
      windowEnd,
      memory: this.connected,
      released,
      samples: fromStart(this.server.samples, this.startUs),
    };
  }
  stop(): Promise<void> {
    return this.server.stop();
  }
}

/**
 * Several instances on a backplane, each reporting itself, the broker sampled when it is Redis,
 * and a failover's faults injected while traffic flows.
 */
class ClusterServer implements ServerUnderTest {
  private readonly killed = new Set<number>();
  private readonly sampler: BrokerSampler | undefined;
  private idle: ServerMark[] = [];
  private connected: ServerMark[] = [];
  private edges: [Promise<ServerMark[]>, Promise<ServerMark[]>] | undefined;
  private faults: Promise<{ name: string; atUs: number; outageMs?: number }[]> = Promise.resolve([]);
  private schedule: TrialSchedule | undefined;

  private constructor(
    private readonly servers: readonly ServerProcess[],
    private readonly cluster: Cluster,
    private readonly broker: BrokerControl | undefined,
  ) {
    this.sampler = cluster.backplane === 'redis' && broker ? new BrokerSampler(broker.url) : undefined;
  }

  static async start(transport: ServerTarget, flags: readonly string[], spawn: SpawnOptions, cluster: Cluster, broker: BrokerControl | undefined): Promise<ClusterServer> {
    const started = await Promise.allSettled(Array.from({ length: cluster.instances }, () => spawnServer(transport, flags, spawn)));
    const servers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) {
      await Promise.all(servers.map((s) => s.stop()));
      throw failed.reason as Error;
    }
    return new ClusterServer(servers, cluster, broker);
  }
  get url(): string {
    return (this.servers[0] as ServerProcess).url;
  }
  get urls(): readonly string[] {
    return this.servers.map((s) => s.url);
  }
  /** Every instance's reading; a killed one's is its last sample before the kill. */
  private markAll(name: string, gc = false): Promise<ServerMark[]> {
    return Promise.all(this.servers.map((s, i) => (this.killed.has(i) ? Promise.resolve(lastSampleMark(s, name)) : s.mark(name, gc))));
  }
  async readIdle(): Promise<void> {
    this.idle = await this.markAll('idle', true);
  }
  arm(schedule: TrialSchedule): void {
    this.schedule = schedule;
    this.sampler?.start();
    // The instances, and the broker, read at the same edges.
    const at = (us: number, name: string): Promise<ServerMark[]> =>
      readAt(us, () => {
        void this.sampler?.read();
        return this.markAll(name);
      });
    this.edges = [at(schedule.windowStartUs, 'window-start'), at(schedule.windowEndUs, 'window-end')];
    if (this.cluster.fault === 'failover') {
      this.faults = runFailover(this.servers, this.killed, this.broker, schedule);
      this.faults.catch(() => undefined);
    }
  }
  async readConnected(): Promise<void> {
    // The faults are over before the drain ends; a failed one fails the trial here.
    await this.faults;
    this.connected = await this.markAll('memory', true);
  }
  async readings(generators: readonly GeneratorResult[]): Promise<ServerInputs> {
    const { schedule, edges } = this;
    if (!schedule || !edges || this.connected.length === 0) throw new Error('a mark was skipped: read the instances idle, arm them and read them connected first');
    await Promise.all(this.servers.filter((_, i) => !this.killed.has(i)).map((s) => waitReleased(s)));
    const released = await this.markAll('released', true);
    const [atStart, atEnd] = await Promise.all(edges);
    const stored = generators.reduce((n, g) => n + g.stored, 0);
    return {
      cluster: this.cluster,
      windowStartUs: schedule.windowStartUs,
      faults: await this.faults,
      ...(this.sampler ? { broker: brokerMeasure(this.sampler.samples, schedule.windowStartUs, schedule.windowEndUs, stored) } : {}),
      instances: this.servers.map((s, i) => ({
        idle: this.idle[i] as ServerMark,
        windowStart: atStart[i] as ServerMark,
        windowEnd: atEnd[i] as ServerMark,
        memory: this.connected[i] as ServerMark,
        released: released[i] as ServerMark,
        samples: fromStart(s.samples, schedule.startUs),
        killed: this.killed.has(i),
      })),
    };
  }
  async stop(): Promise<void> {
    await this.sampler?.stop();
    await Promise.all(this.servers.map((s) => s.stop()));
  }
}

/** A killed instance's reading at a later mark: its last sample before the kill (no GC, no loop delay, no stats). */
function lastSampleMark(server: ServerProcess, name: string): ServerMark {
  const last: ServerSample | undefined = server.samples.at(-1);
  return {
    type: 'mark',
    name,
    tUs: last?.tUs ?? 0,
    cpuUs: last?.cpuUs ?? 0,
    rss: last?.rss ?? 0,
    heapUsed: last?.heapUsed ?? 0,
    collected: false,
    loopDelay: { mean: 0, p50: 0, p99: 0, max: 0 },
    stats: {},
  };
}

/** Profiles the server from `startUs` to `endUs` (monotonic) into `file`; resolves with the file and its size. */
async function profileWindow(server: ServerProcess, file: string, startUs: number, endUs: number): Promise<{ file: string; bytes: number }> {
  await untilUs(startUs);
  await server.profile('start');
  await untilUs(endUs);
  return { file, bytes: await server.profile('stop', file) };
}

/**
 * A failover's faults while traffic flows: a quarter into the window, instance 0 is killed with
 * SIGKILL (its clients move to the others); at 60%, Redis is restarted with its data. Each
 * generator is told when each fault began, to time the recovery. Resolves with the faults.
 */
async function runFailover(
  servers: readonly ServerProcess[],
  killed: Set<number>,
  broker: BrokerControl | undefined,
  schedule: TrialSchedule,
): Promise<{ name: string; atUs: number; outageMs?: number }[]> {
  const restart = broker?.restart;
  if (!restart) throw new Error('a failover restarts Redis, so it needs a redis-server the bench started (no --redis-url)');
  const durationUs = schedule.windowEndUs - schedule.windowStartUs;
  const tell = (name: string, atUs: number): void => {
    for (const child of schedule.children) if (child.connected) child.send({ type: 'fault', name, atUs } satisfies ParentToGenerator);
  };
  const out: { name: string; atUs: number; outageMs?: number }[] = [];
  await untilUs(schedule.windowStartUs + FAILOVER_KILL_AT * durationUs);
  if (schedule.ended()) return out;
  const kill = { name: `SIGKILL instance 0 of ${servers.length}`, atUs: monotonicUs() };
  tell(kill.name, kill.atUs);
  killed.add(0);
  await (servers[0] as ServerProcess).kill();
  out.push(kill);
  await untilUs(schedule.windowStartUs + FAILOVER_REDIS_RESTART_AT * durationUs);
  // A trial that ended early (it failed, or was interrupted) must not restart the Redis the next one uses.
  if (schedule.ended()) return out;
  const redis = { name: 'Redis restart (data kept)', atUs: monotonicUs() };
  tell(redis.name, redis.atUs);
  out.push({ ...redis, outageMs: Math.round(await restart()) });
  return out;
}

/** Waits until the server has no open connection, or RELEASE_TIMEOUT_MS passed. */
async function waitReleased(server: ServerProcess): Promise<void> {
  const deadline = performance.now() + RELEASE_TIMEOUT_MS;
  for (;;) {
    const probe = await server.mark('release-probe');
    if (probe.stats.connections === 0 || performance.now() > deadline) return;
    await new Promise((resolve) => setTimeout(resolve, RELEASE_POLL_MS));
  }
}
