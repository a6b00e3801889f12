/**
 * The results file: its types, documented, and the catalogue of figures. The report and the CI
 * comparison read only this module and the JSON it describes. All times are in microseconds (µs)
 * unless a name says otherwise; all sizes in bytes.
 */
import type { RtcChannel } from '../../servers/contract/routes.ts';
import { TRANSPORT_INFO, type SocketIoEngine, type Transport, type TransportKnob } from '../../servers/contract/transports.ts';
import type { SocketIoRedisAdapter } from '../../servers/contract/limits.ts';

/**
 * Bumped on any change a reader of an older file would misread.
 * 2: a trial's `server` and `perDelivered.serverCpuUs` may be `null` (a `--target` run: the bench did
 * not start the server, so it cannot read its CPU and memory; `serverNotMeasured` says why), a
 * summary lists such figures in `notMeasured` (their spreads are then `null` in the JSON),
 * `config.target` names the servers run against, and a scenario says whether it runs `ceilings`
 * and `micro`.
 * 3: a `--target` run given `--target-pid` reads the server's CPU time and RSS from /proc
 * (`server.source` is `proc`): then `server` is set but its heap, event-loop delay, held polls and
 * sockets are `null` (`server.notMeasured` says why), and its `series` is empty.
 * 4: a `capacity` run holds `capacity` (every step its search tried per transport, with what failed)
 * and its scenario says how it searched (`scenario.capacity`); its `steps` are empty.
 */
export const RESULTS_SCHEMA_VERSION = 4;

/**
 * What a results file, its report and the bench say of a transport they may meet: pure data, so
 * that the report can read it without importing bench code that runs. The bench's own side of each
 * transport (its client, its server process) is in bench/transports.ts.
 */
export interface TransportFacts {
  /** The transport in prose: "short polling", "raw ws (baseline)". */
  readonly label: string;
  /**
   * How a new message reaches a receiver: it asks on a timer (`poll`), the server answers a held
   * request or writes to a socket (`push`), or a `baseline` that keeps no contract.
   */
  readonly group: 'poll' | 'push' | 'baseline';
  /** It polls the HTTP routes, so empty polls and requests per message apply to it. */
  readonly http: boolean;
  /** What a variant of it may set, if anything. */
  readonly knob?: TransportKnob;
  /** Its colour in the report's charts. */
  readonly colour: string;
  /** A baseline: the chat transport it is the floor of (same step, same workload). */
  readonly baselineOf?: Transport;
  /**
   * Sockets one client holds at the server at most: a WebSocket 1 (the raw baseline: one per room,
   * and each member is in one room), a polling or SSE client 2 (its poll or stream, and its post
   * connection beside it), a WebRTC peer 1 (its UDP socket; the signalling request's connection
   * closes once answered). A short-polling client without keep-alive holds 1: its connections
   * close after each request. Socket.IO on its default engine 3 (the polling request's and the
   * post's connections, kept alive, beside the WebSocket it upgraded to; see `engineSockets`).
   */
  readonly sockets: 1 | 2 | 3;
  /**
   * Socket.IO: sockets one client holds at the server on each engine. Measured (2026-12-07, 50
   * clients of this project's client): `websocket` 50 connections, `polling` 100, `upgrade` 150.
   */
  readonly engineSockets?: Readonly<Record<SocketIoEngine, 1 | 2 | 3>>;
  /**
   * A framework over this project's transports: for each of its engines (Socket.IO's engine.io
   * transports), this project's server of the same transport. Its scenario runs them beside it,
   * and the report's claim "a framework costs little over its transport" compares them.
   */
  readonly over?: Readonly<Partial<Record<'websocket' | 'polling', Transport>>>;
}

/** Every transport a run may hold: the chat transports of the contract, then the baselines. */
export const TRANSPORT_FACTS = {
  'short-polling': { ...TRANSPORT_INFO['short-polling'], group: 'poll', colour: '#d9480f', sockets: 2 },
  'long-polling': { ...TRANSPORT_INFO['long-polling'], group: 'push', colour: '#1971c2', sockets: 2 },
  websocket: { ...TRANSPORT_INFO.websocket, group: 'push', colour: '#2f9e44', sockets: 1 },
  sse: { ...TRANSPORT_INFO.sse, group: 'push', colour: '#ae3ec9', sockets: 2 },
  webrtc: { ...TRANSPORT_INFO.webrtc, group: 'push', colour: '#0c8599', sockets: 1 },
  socketio: { ...TRANSPORT_INFO.socketio, group: 'push', colour: '#e67700', sockets: 3, engineSockets: { websocket: 1, polling: 2, upgrade: 3 }, over: { websocket: 'websocket', polling: 'long-polling' } },
  /** The raw `ws` broadcast baseline (no contract, the library's floor). */
  'raw-ws': { label: 'raw ws (baseline)', http: false, group: 'baseline', colour: '#868e96', baselineOf: 'websocket', sockets: 1 },
} as const satisfies Readonly<Record<string, TransportFacts>>;

/** The chat transports, plus the raw `ws` broadcast baseline. */
export type BenchTransport = keyof typeof TRANSPORT_FACTS;
/** Every transport a run may hold, in the order scenarios list them. */
export const BENCH_TRANSPORTS = Object.keys(TRANSPORT_FACTS) as readonly BenchTransport[];

/** The facts of a transport named in a results file, or undefined for one this version does not know. */
export function factsOf(transport: string): TransportFacts | undefined {
  return Object.hasOwn(TRANSPORT_FACTS, transport) ? TRANSPORT_FACTS[transport as BenchTransport] : undefined;
}

/** How a knob is written: before its value ("every 1 s", "wait 25 s"), and when a file did not record it. */
export const KNOB_WORDS: Readonly<Record<TransportKnob, { readonly prefix: string; readonly missing: string }>> = {
  pollIntervalMs: { prefix: 'every', missing: 'poll interval not recorded' },
  waitMs: { prefix: 'wait', missing: "server's default wait" },
};

/** The same work for every transport of a step. */
export interface Workload {
  /** Rooms in the chat. */
  readonly rooms: number;
  /** Members per room; every member receives, and sends at `ratePerMember`. */
  readonly members: number;
  /** Messages per second each member sends (may be below 1). */
  readonly ratePerMember: number;
  /** Size of each message body, in bytes. */
  readonly bodyBytes: number;
  /** Measured window, after the warm-up, in ms. */
  readonly durationMs: number;
  /** Warm-up before the window, discarded, in ms. */
  readonly warmupMs: number;
  /**
   * Bursts instead of spread sends: each room's members send in turn, `spacingMs` apart, at the
   * same moment of every interval, so that several messages reach a room within one round trip
   * (where long polling's re-poll gap shows). Absent: each sender at a random phase of its own.
   */
  readonly burst?: { readonly spacingMs: number };
  /**
   * The soak's clients beside the measured members, per room (bench/generator/bystanders.ts):
   * `nonReaders` subscribe and never read, for `stallMs` on average, then subscribe again, stalled
   * afresh; `leavers` read for `stayMs` on average, then leave abruptly and come back on a new
   * connection. Neither is a receiver of the delivery figures.
   */
  readonly bystanders?: { readonly nonReaders: number; readonly leavers: number; readonly stayMs: number; readonly stallMs: number };
}

/** What a soak trial found (`Workload.bystanders`, bench/generator/bystanders.ts). */
export interface SoakResult {
  /** What the non-readers and leavers did, over every generator. */
  readonly bystanders: { readonly nonReaderJoins: number; readonly nonReaderReturns: number; readonly leaves: number; readonly failures: number };
  /**
   * The server's slots still taken once every client had left (its reading after the release):
   * held polls, streams, sockets, subscriptions, room listeners, connections, waiting bytes and
   * parked requests, only those above 0. Empty: none leaked.
   */
  readonly leftAfter: Readonly<Record<string, number>>;
  /** The server's RSS over the window: the most in its first and in its last third, bytes; bounded when the last is within `SOAK_RSS_GROWTH` of the first. */
  readonly rss: { readonly firstThirdMaxBytes: number; readonly lastThirdMaxBytes: number; readonly bounded: boolean };
  /** What the server counted as waiting at most (its budget's own count), against its RSS growth above idle at its peak. */
  readonly peakWaitingBytes: number;
  readonly rssGrowthPeakBytes: number;
  /** Since the server started: clients cut to keep the waiting budget, slow consumers closed, reads refused busy. */
  readonly budgetCuts: number;
  readonly slowConsumerCloses: number;
  readonly busyRefusals: number;
}

/**
 * How much a soak server's RSS may grow from the first third of the window to the last: a leak
 * grows steadily and shows between them; a server whose budgets hold levels off once they fill.
 */
export const SOAK_RSS_GROWTH = 0.1;

/** One transport with its own knobs, as run in a step. */
export interface Variant {
  /** Unique within a step, e.g. `short-polling`, `short-polling@250ms`, `short-polling/no-keep-alive`. */
  readonly id: string;
  readonly transport: BenchTransport;
  /** Short polling: ms between two polls of a room by one client. */
  readonly pollIntervalMs?: number;
  /** Long polling: the `wait` asked for, in ms. */
  readonly waitMs?: number;
  /** Polling: reuse connections (default) or open a new one per request. */
  readonly keepAlive?: boolean;
  /**
   * WebRTC: the data channel rooms are received on, `reliable` (`chat`, the default) or `lossy`
   * (`chat-lossy`: unordered, no retransmissions). A `lossy` variant drops messages by design: its
   * lost and reordered messages are figures, not a failed trial (`isLossyChannel`).
   */
  readonly channel?: RtcChannel;
  /** Over TLS: the server serves https/wss with a certificate made at start, which the clients trust. */
  readonly tls?: boolean;
  /** Over TLS, `false`: every new connection pays a full handshake (no session resumption). */
  readonly resumeTls?: boolean;
  /** Polling over TLS: HTTP/2, every request of a client on one connection. */
  readonly http2?: boolean;
  /**
   * Socket.IO: the engine.io transport its clients use, `websocket` or `polling` only, or `upgrade`
   * (the default: polling first, then WebSocket).
   */
  readonly engine?: SocketIoEngine;
  /**
   * Socket.IO on several instances on Redis: a message goes to the other instances' sockets through
   * Socket.IO's own Redis adapter (`redis`: @socket.io/redis-adapter, `redis-streams`:
   * @socket.io/redis-streams-adapter), broadcast by the instance that stored it (server option
   * socketioAdapter). Absent: through the backplane's mirrors (`none`).
   */
  readonly adapter?: SocketIoRedisAdapter;
  /**
   * Who the members are: `browser`, pages of the system's Chromium on the platform's own fetch,
   * EventSource and WebSocket (bench/generator/browser-members.ts); absent, Node clients.
   */
  readonly clients?: 'node' | 'browser';
  /** Browser members: how many share one page (and its six HTTP/1.1 connections to a server). Default 1. */
  readonly membersPerPage?: number;
}

/** A Socket.IO adapter in words, as the terminal and the report name it: "Socket.IO's redis-streams adapter". */
export function adapterWords(adapter: SocketIoRedisAdapter): string {
  return `Socket.IO's ${adapter} adapter`;
}

/** A variant's members in words when they are browsers (`browser members, 5 a page`), as the terminal and the report name them; undefined for Node members. */
export function browserMembersWords(variant: Pick<Variant, 'clients' | 'membersPerPage'>): string | undefined {
  if (variant.clients !== 'browser') return undefined;
  return (variant.membersPerPage ?? 1) > 1 ? `browser members, ${variant.membersPerPage} a page` : 'browser members';
}

/** A trial's wall time by phase, ms (`TrialResult.timing`). */
export interface TrialTiming {
  /**
   * From the trial's start until every client was connected. Its server and generators may have
   * been started before it, during the last trial's warm-up (`startedAhead`): then this holds the
   * idle reading and the clients' connections only.
   */
  readonly setupMs: number;
  /** Its server and generators were started ahead, during the last trial's warm-up, and were idle by that trial's window. */
  readonly startedAhead?: true;
  readonly runMs: number;
  readonly drainMs: number;
  readonly readingsMs: number;
  readonly stopMs: number;
}

/** What the browser members of a trial cost (`Variant.clients`), over every generator. */
export interface BrowserMembersResult {
  readonly pages: number;
  readonly members: number;
  /** Chromium's CPU over the window, µs, every process of it. */
  readonly cpuUs: number;
  /** Chromium's memory at the window's end: the proportional set size (Pss) of its processes, bytes. */
  readonly pssBytes: number;
  /** From a member's scheduled send to its page's send (the DevTools hop, part of its latency). */
  readonly dispatch: LatencySummary;
  /** The largest error of a page's clock mapping, µs (half the shortest round trip it was read with). */
  readonly clockErrorUs: number;
}

/** The variant receives on a channel that drops messages by design. */
export function isLossyChannel(variant: Variant): boolean {
  return variant.channel === 'lossy';
}

/**
 * Several server processes of each transport sharing rooms on a backplane (issue 11). A step
 * without one runs one process on the memory backplane.
 */
export interface Cluster {
  /** Server processes of each transport; a room's member m talks to instance m mod instances. */
  readonly instances: number;
  readonly backplane: 'memory' | 'redis';
  /**
   * `failover`: while traffic flows, one instance is killed (SIGKILL) and, later, Redis is
   * restarted with its data; the trial reports what was acknowledged, delivered and lost.
   */
  readonly fault?: 'failover';
}

/** One point of a scenario: a workload, the variants run on it, and what it varies. */
export interface Step {
  readonly label: string;
  /** Instances and backplane; absent: one process on the memory backplane. */
  readonly cluster?: Cluster;
  /** The swept parameter at this point, for charts (`clients` for scale, `pollIntervalMs` for interval). */
  readonly x?: { readonly name: string; readonly value: number; readonly unit: string };
  readonly workload: Workload;
  readonly variants: readonly Variant[];
  /**
   * Variants the step runs only when `--transports` names their transport (the default comparison
   * leaves Socket.IO and WebRTC out for its time, and runs them beside the others when asked).
   * Taken into `variants` or dropped by `applyOverrides`, so that a run's steps never carry it.
   */
  readonly onRequest?: readonly Variant[];
  /**
   * Run every trial of this step on a lossy loopback that drops this share of packets, in percent
   * (`--loss`, the `lossy` scenario): each trial in a network namespace of its own. Absent: the
   * machine's own loopback, which drops nothing.
   */
  readonly lossPct?: number;
  /**
   * Run every trial of this step across a network with distance (`--rtt`, `--jitter`,
   * `--bandwidth`, the `wan` scenario): clients and server in two namespaces joined by a delay line
   * (network/distance.ts). Absent: the machine's own loopback.
   */
  readonly distance?: Distance;
  /**
   * Server options of this step's servers (`SERVER_OPTIONS` names, e.g. `{ historySize: 500 }`),
   * given as flags to every server the bench starts; absent: the servers' defaults.
   */
  readonly serverOptions?: Readonly<Record<string, number>>;
}

/** The path asked for between every client and the server. */
export interface Distance {
  /** Round-trip time added, ms (half each way). */
  readonly rttMs: number;
  /** Spread of the round trip, ms: each one-way trip adds a uniform draw in ±jitter/2. */
  readonly jitterMs: number;
  /** Each direction's rate, Mbit/s; absent: no limit but the delay line's. */
  readonly bandwidthMbit?: number;
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** Rounds of every step; the order of the variants rotates each round. */
  readonly rounds: number;
  /** Generator processes the clients are spread over. */
  readonly generators: number;
  /** Run the autocannon route ceilings (a resolved scenario always says; on in `default` only). */
  readonly ceilings?: boolean;
  /** Run the tinybench hot-path micro-benchmarks (a resolved scenario always says; on in `default` only). */
  readonly micro?: boolean;
  /**
   * A capacity search (the `capacity` scenario): its one step is a template whose rooms the search
   * sets; the results then hold `capacity`, and `steps` are empty.
   */
  readonly capacity?: CapacitySpec;
  /** What `--quick` sets for this scenario instead of the preset's rounds and window (a failover needs time for its faults). */
  readonly quick?: { readonly rounds?: number; readonly durationMs?: number; readonly warmupMs?: number };
  /**
   * Run round by round through all the steps (round 1 of every step, then round 2, …) instead of
   * every round of a step before the next: for a sweep compared step against step (`lossy`), so
   * that the machine's drift over the run does not fall on the first steps. Absent: step by step.
   */
  readonly roundsAcrossSteps?: boolean;
  readonly steps: readonly Step[];
}

/** How a capacity search steps (bench/capacity/search.ts). */
export interface CapacitySpec {
  /** A step passes only with p99 delivery latency at most this, ms. */
  readonly sloMs: number;
  /** Clients of the first step (rounded up to whole rooms). */
  readonly startClients: number;
  /** The most clients a step may have. */
  readonly maxClients: number;
  /** Halving stops once the interval is at most this share of the last pass (0.1 = 10%). */
  readonly resolution: number;
  /** Growth factor of the steps up (1.5). */
  readonly factor: number;
}

/** What can make a capacity step fail; see {@link CapacityResult.stop} for what each means. */
export type FailureKind = 'latency' | 'loss' | 'server-cpu' | 'fd-limit' | 'generator' | 'error';

export interface Failure {
  readonly kind: FailureKind;
  /** What failed, in words, with its figure: `p99 412 ms > SLO 250 ms`. */
  readonly detail: string;
}

/** One step of a capacity search, in the order tried. */
export interface CapacityStep {
  readonly clients: number;
  /** `up` while stepping up by the factor, `down` below a start that failed, `halving` between the last pass and the first fail. */
  readonly phase: 'up' | 'down' | 'halving';
  readonly pass: boolean;
  /** Empty when it passed. */
  readonly failures: readonly Failure[];
  /** The step's rounds, as any step's; `null` when no round could run (the failure says why). */
  readonly result: VariantResult | null;
}

/**
 * One transport's capacity search. Its number is `lastPass`; what it means depends on `stop`:
 * - `failed`: the next step failed on the transport's account (latency, loss, server CPU): this is
 *   its capacity on this machine.
 * - `generator`, `fd-limit`, `error`: the next step could not be judged (the generator was the
 *   bottleneck, one server process cannot hold that many sockets, the trial could not run): the
 *   capacity is at least `lastPass`, not a verdict on the transport.
 * - `max-clients`: every step passed up to the cap: at least the cap.
 * - `below-start`: no step passed, down to a single room (the search steps down from a start that
 *   fails).
 */
export interface CapacityResult {
  readonly variant: Variant;
  readonly steps: readonly CapacityStep[];
  /** The most clients that passed, `null` when none did. */
  readonly lastPass: number | null;
  /** The fewest clients that failed, `null` when none did. */
  readonly firstFail: number | null;
  /** What failed at `firstFail`. */
  readonly cause: readonly Failure[];
  readonly stop: 'failed' | 'generator' | 'fd-limit' | 'error' | 'max-clients' | 'below-start';
}

/** A latency distribution in µs, from an HDR histogram (3 significant digits). */
export interface LatencySummary {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** Correctness of a trial, checked at every receiver. */
export interface DeliveryCounts {
  /** Sends scheduled in the window and attempted. */
  readonly sent: number;
  /** Of those, acknowledged as stored. */
  readonly stored: number;
  /** Sends that got an error or no acknowledgement. */
  readonly sendFailed: number;
  /** Stored window messages × members of their room. */
  readonly expected: number;
  /** Window messages received, each receiver counting each message once. */
  readonly delivered: number;
  /** expected − delivered (0 when nothing was lost). */
  readonly lost: number;
  /**
   * Acknowledged window messages a receiver of their room never got, checked seq by seq: what the
   * contract forbids whatever fails. Absent in files before issue 11.
   */
  readonly lostAcknowledged?: number;
  /** Messages a receiver got again. */
  readonly duplicated: number;
  /** Messages that arrived after a later one of the same room. */
  readonly reordered: number;
}

/** Counted on the client sockets, over the window. */
export interface WireCounts {
  readonly requests: number;
  readonly emptyPolls: number;
  readonly connections: number;
  readonly bytesWritten: number;
  readonly bytesRead: number;
}

/**
 * What the server reported about itself over IPC (`source` absent or `self-report`), or what the
 * bench read of a server it did not start from /proc (`proc`, `--target-pid`): CPU time and RSS
 * only, the rest `null`.
 */
export interface ServerMeasure {
  /** Where the figures come from; absent in files before schema 3 (always the server's own report then). */
  readonly source?: 'self-report' | 'proc';
  /** Why the `null` figures are missing, in words; absent when all were measured. */
  readonly notMeasured?: string;
  /** CPU time (user + system) spent in the window, µs. */
  readonly cpuUs: number;
  /** `cpuUs` over the window's wall time: 1 is one core busy. */
  readonly cpuShare: number;
  /** RSS after start, before any client connected. */
  readonly rssIdleBytes: number;
  /** Median RSS over the window. */
  readonly rssWindowBytes: number;
  /** Largest RSS seen during the trial. */
  readonly rssPeakBytes: number;
  /** Median V8 heap in use over the window (`null` from /proc). */
  readonly heapUsedWindowBytes: number | null;
  /**
   * (RSS with every client connected − RSS before any connected) ÷ clients, both read after a
   * garbage collection: what one held poll or open socket costs in RSS. It includes the server's own
   * growth since start (compiled code, a grown heap), so it means something only with many clients
   * (a thousand or more); with a hundred it swings by ±100 KB.
   */
  readonly perClientRssBytes: number;
  /**
   * (V8 heap in use with every client connected − after they all disconnected) ÷ clients, both read
   * at the end after a garbage collection: exactly the JavaScript objects one client holds.
   * `null` from /proc. From /proc the RSS per client is read without a collection.
   */
  readonly perClientHeapBytes: number | null;
  /** Event-loop delay over the window, µs (`null` from /proc). */
  readonly eventLoopDelay: { readonly p50: number; readonly p99: number; readonly max: number } | null;
  /**
   * Least-squares slope of heap in use and of RSS over the window's samples, bytes per second: a
   * leak shows as a slope that does not stop (the `soak` scenario). Absent in older results files;
   * the heap's is absent from /proc.
   */
  readonly heapSlopeBytesPerS?: number;
  readonly rssSlopeBytesPerS?: number;
  /** Held polls and open sockets at the end of the window (`null` from /proc). */
  readonly heldPolls: number | null;
  readonly sockets: number | null;
  /**
   * TCP connections open at the end of the window, of any kind (`null` from /proc; absent in files
   * before it): what HTTP/2 changes, one connection per client where HTTP/1.1 keeps two. Over
   * the trial's clients it is the figure `server.connectionsPerClient`.
   */
  readonly connections?: number | null;
  /**
   * The server could not read its RSS at one of the marks (EMFILE at the fd limit) and reported
   * its peak RSS instead: the RSS figures of this round are upper bounds, not readings.
   */
  readonly rssIsPeak?: true;
}

/** One server sample, for charts over time; `tMs` from the start of the warm-up. */
export interface SeriesPoint {
  readonly tMs: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  /** CPU share since the previous sample (1 = one core). */
  readonly cpuShare: number;
}

/** The generators' check of themselves: when they were the bottleneck, the trial says so. */
export interface GeneratorCheck {
  readonly processes: number;
  /** Highest CPU share of one generator process over the window (1 = one core). */
  readonly cpuShare: number;
  /** Highest event-loop delay p99 of a generator over the window, µs. */
  readonly eventLoopDelayP99: number;
  /** How late sends left against their schedule, p99 over all generators, µs. */
  readonly sendLagP99: number;
  readonly bound: boolean;
  /** Why it was judged generator-bound, in words. */
  readonly reasons: readonly string[];
}

export interface ClientEvents {
  readonly reconnects: number;
  readonly cursorExpired: number;
  readonly errors: number;
}

/**
 * Why a trial was not run: its step needs more sockets than one server process can hold (its
 * open-files cap less what it keeps for itself). A capacity search reads `kind` as the reason it
 * stopped; more server instances are what it takes (the scale-out issue).
 */
export interface TrialLimit {
  readonly kind: 'fd';
  /** Sockets the step's clients hold at the server at most. */
  readonly needed: number;
  /** Client sockets one server process can hold. */
  readonly available: number;
}

/** One instance of a transport among several (issue 11): its own CPU and memory over the window. */
export interface InstanceMeasure {
  readonly instance: number;
  /** CPU time in the window, µs (until the kill for the instance a failover killed). */
  readonly cpuUs: number;
  readonly cpuShare: number;
  readonly rssWindowBytes: number;
  readonly rssPeakBytes: number;
  /** Killed by the failover (SIGKILL): its figures after the kill are its last sample before it. */
  readonly killed?: true;
}

/** The broker (Redis) over the window, from its own INFO (bench/cluster/broker-sampler.ts). */
export interface BrokerFigures {
  /** Redis CPU time (user + system) in the window, µs. */
  readonly cpuUs: number;
  readonly cpuShare: number;
  /** Commands Redis processed in the window. */
  readonly commands: number;
  /** Median used_memory over the window, bytes. */
  readonly usedMemoryBytes: number;
  /** Median instantaneous_ops_per_sec over the window. */
  readonly opsPerSecond: number;
  /** Per acknowledged window message (one post): Redis CPU µs and commands. */
  readonly cpuUsPerMessage: number;
  readonly commandsPerMessage: number;
  /** Times Redis restarted in the window. */
  readonly restarts: number;
  readonly samples: number;
}

/** One fault of a failover trial and how long the clients took to receive again. */
export interface FaultResult {
  /** e.g. `SIGKILL instance 0 of 3`, `Redis restart (data kept)`. */
  readonly name: string;
  /** When it began, ms after the window's start. */
  readonly atMs: number;
  /** How long the broker was down (a Redis restart), ms; absent for a kill. */
  readonly outageMs?: number;
  /**
   * From the fault until every client had received a message sent after it began, ms; `null`
   * when some client never did (`waiting` says how many).
   */
  readonly recoveryMs: number | null;
  readonly waiting: number;
}

/** What a failover trial proves: nothing acknowledged lost, and how fast the clients came back. */
export interface FailoverResult {
  /** Window posts acknowledged as stored. */
  readonly acknowledged: number;
  /** Window posts refused or unanswered (a dead instance, Redis down): never acknowledged, so never promised. */
  readonly notAcknowledged: number;
  /** Window messages received, each receiver counting each once. */
  readonly delivered: number;
  /** Acknowledged messages a receiver never got: must be 0. */
  readonly lostAcknowledged: number;
  /**
   * Seqs acknowledged for two different messages: the broker lost the first after acknowledging it
   * and gave its seq again, which a check by seq alone cannot see. Must be 0. Absent in older files.
   */
  readonly seqsAckedTwice?: number;
  readonly reconnects: number;
  readonly faults: readonly FaultResult[];
}

/**
 * A trial on a lossy loopback: the share of packets asked to be dropped, and what the nftables
 * rule counted going out of the namespace's loopback (both directions of every connection), in the
 * measured window and over the whole trial (setup and drain included).
 */
export interface NetworkLoss {
  /** Percent of packets the rule drops, as asked (`--loss`). */
  readonly lossPct: number;
  /** The network namespace the trial ran in. */
  readonly namespace: string;
  readonly window: { readonly packets: number; readonly dropped: number };
  readonly trial: { readonly packets: number; readonly dropped: number };
}

/** TCP counters of one side's kernel over a trial (/proc/net/netstat and snmp). */
export interface KernelCounts {
  readonly listenOverflows: number;
  readonly listenDrops: number;
  readonly syncookiesSent: number;
  readonly retransSegs: number;
  /** Packets the side's device dropped on output: a delay line that did not read them in time, or tbf's full queue. */
  readonly deviceDrops: number;
}

/**
 * A trial across a network with distance: the path asked for, the path measured, and what the
 * delay line that made it cost and whether it kept up.
 */
export interface DistanceResult extends Distance {
  /** How the delay was applied: the kernel's netem qdisc, or a TUN delay line in C or in Python. */
  readonly method: 'netem' | 'tun-c' | 'tun-python';
  /**
   * TCP connect times from the clients' side to the server (one round trip each), µs, made by
   * every generator before its clients connected: the emulated path, measured.
   */
  readonly path: { readonly samples: number; readonly median: number; readonly min: number; readonly max: number };
  /**
   * The delay line over the window: its own process, never billed to the server or a generator;
   * null where netem delayed the packets (the kernel's work, billed to no process).
   */
  readonly delayLine: {
    /** It ran at real-time priority. */
    readonly realtime: boolean;
    readonly cpuUs: number;
    /** Packets carried, both directions. */
    readonly packets: number;
    readonly packetsPerS: number;
    /** CPU per packet carried, µs; null with no packet. */
    readonly cpuPerPacketUs: number | null;
    /** How late packets left against their due time, µs. */
    readonly late: { readonly p50: number; readonly p99: number; readonly max: number };
    /** Packets dropped because the line's queue was full. */
    readonly overflow: number;
  } | null;
  /** The TCP counters of each side over the trial, setup included (connection bursts happen there). */
  readonly kernel: { readonly clients: KernelCounts; readonly server: KernelCounts };
}

/** One variant run once in one round. */
export interface TrialResult {
  readonly round: number;
  /** Position of the variant in this round's rotated order (0 = first). */
  readonly position: number;
  readonly clients: number;
  readonly latency: LatencySummary;
  /** The merged HDR histogram of delivery latency, compressed base64, for merging across rounds. */
  readonly histogram: string;
  /**
   * The fan-out leg of delivery latency: from the server's `ts` (its wall clock when it stored the
   * message, whole ms, so over by up to 1 ms) to the receipt; absent for the raw baseline and in
   * older files. With `fanoutHistogram`, its HDR histogram for merging across rounds.
   */
  readonly fanoutLatency?: LatencySummary;
  readonly fanoutHistogram?: string;
  readonly delivery: DeliveryCounts;
  readonly wire: WireCounts;
  /** Cost per delivered message. */
  readonly perDelivered: {
    readonly requests: number;
    readonly bytes: number;
    readonly connections: number;
    /** `null` when the server was not measured (see `serverNotMeasured`). */
    readonly serverCpuUs: number | null;
    /**
     * CPU time of every generator process over the window ÷ deliveries: what the load costs to
     * make and check, beside the server's. Absent in files written before it was measured.
     */
    readonly generatorCpuUs?: number;
  };
  /** `null` when the bench did not start the server (`--target`): its CPU and memory were not measured. */
  readonly server: ServerMeasure | null;
  /** Why `server` is `null`, in words; absent when the server was measured. */
  readonly serverNotMeasured?: string;
  readonly series: readonly SeriesPoint[];
  readonly generator: GeneratorCheck;
  readonly events: ClientEvents;
  /**
   * Set when the trial was not run because one server process cannot hold its sockets: then no
   * figure of it is a measurement (they read as not measured), `ok` is false and `problems` says
   * "needs N sockets, one server process holds at most M (fd limit)". Absent when it ran.
   */
  readonly limit?: TrialLimit;
  /** Instances and backplane the trial ran on; absent: one process on the memory backplane. */
  readonly cluster?: Cluster;
  /** Each instance's own figures, with several (`server` is then their sum; `series` the first instance's). */
  readonly instances?: readonly InstanceMeasure[];
  /** The broker's own figures, on Redis; `null` when too few INFO readings were taken in the window. */
  readonly broker?: BrokerFigures | null;
  /** A failover trial's faults and its accounting of what was acknowledged. */
  readonly failover?: FailoverResult;
  /** The soak's figures (`Workload.bystanders`): the server's slots once every client left, its RSS over the window. */
  readonly soak?: SoakResult;
  /**
   * Where the trial's wall time went, ms: starting the server and generators and connecting the
   * clients; the start delay, warm-up and window; the wait for acknowledgements and late
   * deliveries; the readings with every client connected and after they left; stopping the
   * processes. Absent in results files before 2026-12-07 and on a trial that did not run.
   */
  readonly timing?: TrialTiming;
  /** Browser members (`Variant.clients`): what Chromium cost and how its pages were timed. */
  readonly browser?: BrowserMembersResult;
  /** Present when the trial ran on a lossy loopback (`Step.lossPct`). */
  readonly network?: NetworkLoss;
  /** Present when the trial ran across a network with distance (`Step.distance`). */
  readonly distance?: DistanceResult;
  /**
   * `--profile`: the server's CPU profile over the measured window (a `.cpuprofile`, for Chrome
   * DevTools or speedscope), its path as the bench wrote it, and its size.
   */
  readonly profile?: { readonly file: string; readonly bytes: number };
  /** Nothing lost, duplicated or reordered, and every send stored. */
  readonly ok: boolean;
  /** What went wrong, in words (empty when `ok`). */
  readonly problems: readonly string[];
}

/** A figure across rounds: the median, and the spread. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** Figures a reader compares, by name: the report's table and the CI comparison use these keys. */
/**
 * Whether the generator's lateness can change a figure: every latency can, being timed from the
 * schedule the generator kept late, and the generator's own CPU, read where it was overloaded. A
 * count per message (requests, bytes, connections) or a server's own reading (CPU, memory)
 * cannot: those stay valid in a round the generator limited.
 * The report's verdict and claims and the compare gate all leave generator-bound rounds out of
 * these figures only.
 */
export function generatorSensitive(key: string): boolean {
  return key.startsWith('latency.') || key === 'perDelivered.generatorCpuUs';
}

export const FIGURES = {
  'latency.p50': { label: 'latency p50', unit: 'µs', better: 'lower' },
  'latency.p90': { label: 'latency p90', unit: 'µs', better: 'lower' },
  'latency.p99': { label: 'latency p99', unit: 'µs', better: 'lower' },
  'latency.p999': { label: 'latency p99.9', unit: 'µs', better: 'lower' },
  'latency.max': { label: 'latency max', unit: 'µs', better: 'lower' },
  'latency.mean': { label: 'latency mean', unit: 'µs', better: 'lower' },
  'perDelivered.requests': { label: 'HTTP requests per delivered message', unit: 'req', better: 'lower' },
  'perDelivered.bytes': { label: 'bytes on the wire per delivered message', unit: 'B', better: 'lower' },
  'perDelivered.connections': { label: 'TCP connections opened per delivered message', unit: 'conn', better: 'lower' },
  'server.connectionsPerClient': { label: 'TCP connections the server holds per client', unit: 'conn', better: 'lower' },
  'perDelivered.serverCpuUs': { label: 'server CPU per delivered message', unit: 'µs', better: 'lower' },
  'perDelivered.generatorCpuUs': { label: 'generator CPU per delivered message', unit: 'µs', better: 'lower' },
  'server.cpuShare': { label: 'server CPU (share of one core)', unit: 'core', better: 'lower' },
  'server.rssWindowBytes': { label: 'server RSS', unit: 'B', better: 'lower' },
  'server.perClientRssBytes': { label: 'server RSS per connected client', unit: 'B', better: 'lower' },
  'server.perClientHeapBytes': { label: 'server heap per connected client', unit: 'B', better: 'lower' },
  'server.eventLoopDelay.p99': { label: 'server event-loop delay p99', unit: 'µs', better: 'lower' },
  'wire.emptyPollShare': { label: 'share of requests that were empty polls', unit: '', better: 'lower' },
} as const satisfies Record<string, { label: string; unit: string; better: 'lower' | 'higher' }>;

export type FigureKey = keyof typeof FIGURES;

/**
 * A hot path's figure in the CI gate (report/compare.ts): its mean time per call in one round of
 * the micro-benchmarks (`MicroResult.meanNs`). Not a trial's figure, so not in {@link FIGURES}.
 */
export const MICRO_FIGURE = { key: 'micro.meanNs', label: 'hot path: mean time per call', unit: 'ns', better: 'lower' } as const;

/** What the CI gate judges: a trial's figure, or a hot path's. */
export type GatedFigure = FigureKey | typeof MICRO_FIGURE.key;

/** The label, unit and good direction of a gated figure. */
export function figureFacts(key: GatedFigure): { readonly label: string; readonly unit: string; readonly better: 'lower' | 'higher' } {
  return key === MICRO_FIGURE.key ? MICRO_FIGURE : FIGURES[key];
}

export interface VariantSummary {
  readonly rounds: number;
  /** Every round was `ok`. */
  readonly ok: boolean;
  /** Messages lost over all rounds. */
  readonly lost: number;
  /** Some round was generator-bound. */
  readonly generatorBound: boolean;
  /** Latency of all rounds' histograms merged (added, never averaged). */
  readonly latency: LatencySummary;
  /** The fan-out leg's latency (`TrialResult.fanoutLatency`), all rounds merged; absent when a round lacks it. */
  readonly fanoutLatency?: LatencySummary;
  /**
   * Each figure's median and spread across rounds. A figure listed in `notMeasured` has NaN here
   * in memory, `null` in the JSON: show it as "not measured", never as a number.
   */
  readonly figures: { readonly [K in FigureKey]: Spread };
  /** Figures no round measured (the server's, in a `--target` run); absent when all were. */
  readonly notMeasured?: readonly FigureKey[];
}

export interface VariantResult {
  readonly variant: Variant;
  readonly trials: readonly TrialResult[];
  readonly summary: VariantSummary;
}

export interface StepResult {
  readonly step: Step;
  readonly variants: readonly VariantResult[];
}

/**
 * Requests per second a route sustains (autocannon, closed loop, keep-alive), measured in rounds:
 * `requestsPerSecond.mean` is the median of the rounds' means, `min`/`max` their range and
 * `stddev` their standard deviation (for a single round: autocannon's per-second figures).
 */
export interface CeilingResult {
  /** e.g. `short-polling GET (empty poll)`, `bare fastify GET`. */
  readonly target: string;
  readonly method: 'GET' | 'POST';
  readonly connections: number;
  readonly durationMs: number;
  readonly requestsPerSecond: { readonly mean: number; readonly stddev: number; readonly min: number; readonly max: number };
  /** autocannon's request latency in ms: a closed-loop round trip, not message latency. */
  readonly latencyMs: { readonly p50: number; readonly p99: number };
  readonly requests: number;
  readonly errors: number;
  readonly non2xx: number;
  /** Requests per second ÷ the bare fastify route's (medians), when measured in the same run. */
  readonly ratioToBare?: number;
  /** Each round's requests per second, in round order; absent in files written before it was kept. */
  readonly rounds?: readonly number[];
}

/** A hot path measured with tinybench. */
export interface MicroResult {
  readonly name: string;
  /**
   * Which round of the micro-benchmarks it was measured in (0-based): `--ci` runs them once per
   * round of the run, and a paired job once per round of each side; absent: 0.
   */
  readonly round?: number;
  readonly opsPerSecond: number;
  readonly meanNs: number;
  /** The 99th percentile of a sample's time per call: with `batch`, of the mean over a sample's calls. */
  readonly p99Ns: number;
  /** Relative margin of error of the mean, in percent. */
  readonly rme: number;
  /** Timed samples (each of `batch` calls). */
  readonly samples: number;
  /** Calls timed together in each sample (hot-paths.ts, `MICRO_BATCH`); absent: one. */
  readonly batch?: number;
}

/** A target the project promises, checked on this run's figures. */
export interface TargetCheck {
  readonly name: string;
  readonly value: number | null;
  readonly target: string;
  /** `null` when this run did not measure it, or when its rounds cannot tell met from missed (`noise`). */
  readonly pass: boolean | null;
  readonly note: string;
  /**
   * Set when the rounds cannot tell met from missed (the rank test the CI gate uses, across
   * rounds), saying why; `pass` is then `null` and the verdict reads "within noise".
   */
  readonly noise?: string;
}

export interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryBytes: number;
  readonly node: string;
  readonly platform: string;
  readonly arch: string;
  readonly osRelease: string;
  /** The project's git commit, `unknown` outside a checkout. */
  readonly commit: string;
  /** Uncommitted changes were present. */
  readonly dirty: boolean;
}

export interface BenchResults {
  readonly schemaVersion: typeof RESULTS_SCHEMA_VERSION;
  readonly tool: { readonly name: string; readonly version: string };
  readonly machine: Machine;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** `interrupted`: stopped by Ctrl-C; what was measured until then is kept. */
  readonly status: 'complete' | 'interrupted' | 'failed';
  readonly config: {
    readonly scenario: Scenario;
    readonly options: Readonly<Record<string, unknown>>;
    readonly argv: readonly string[];
    /**
     * A `--target` run: the server of each transport, which the bench did not start, and whether a
     * token was given (never the token itself, which is also blanked in `options` and `argv`), and
     * the process ids whose CPU and RSS were read from /proc (`--target-pid`), when given.
     */
    readonly target?: {
      readonly urls: Readonly<Partial<Record<BenchTransport, string>>>;
      readonly token: boolean;
      readonly pids?: Readonly<Partial<Record<BenchTransport, number>>>;
    };
  };
  readonly steps: readonly StepResult[];
  /** A capacity run's searches, one per transport (absent from other runs and older files). */
  readonly capacity?: readonly CapacityResult[];
  readonly ceilings: readonly CeilingResult[];
  readonly micro: readonly MicroResult[];
  readonly targets: readonly TargetCheck[];
  readonly warnings: readonly string[];
}
