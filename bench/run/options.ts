import type { IntOptionSpec, OptionTable, OptionValues } from '../../servers/common/command-line/index.ts';
import { LOOPBACK_ONLY, isLoopback } from '../../servers/common/command-line/index.ts';
import { BENCH_TRANSPORTS } from '../model/results.ts';
import { SOCKETIO_REDIS_ADAPTERS } from '../../servers/contract/index.ts';

/** What applies when an override is not given. */
const SCENARIOS_DEFAULT = "the scenario's";

/**
 * Every option of `npm run bench`, with its default and valid range: the one schema of the bench.
 * `--help` prints it, the command line is parsed by it, a scenario file's workload and variants are
 * validated against its ranges (scenarios.ts), and measureCeiling and runMicro check their
 * arguments with it. An override of the scenario (rounds, workload, knobs) has no default: it is
 * absent unless given.
 */
export const BENCH_OPTIONS = {
  scenario: { kind: 'string', default: 'default', doc: 'a named scenario (default, scale, interval, fanout, handshake, soak, capacity, scale-out, failover, lossy, wan) or a JSON file' },
  quick: { kind: 'boolean', default: false, doc: 'the quick preset: 2 short rounds, short ceilings and micro-benchmarks (54 to 56 s for the default scenario on this 2-core machine, 2026-12-07)' },
  ci: { kind: 'boolean', default: false, doc: 'the CI preset, for bench:compare: 6 rounds of short polling and WebSocket, 1.5 s each, and the hot-path micro-benchmarks once a round; no ceilings (about a minute and a quarter)' },
  list: { kind: 'boolean', default: false, doc: 'list the named scenarios and exit' },
  transports: { kind: 'list', default: [], doc: `run only these transports: ${BENCH_TRANSPORTS.join(', ')}; none given runs all the scenario has` },
  rounds: { kind: 'int', shownDefault: SCENARIOS_DEFAULT, min: 1, max: 100, doc: 'rounds of every step; the order of transports rotates each round' },
  durationMs: { kind: 'int', shownDefault: SCENARIOS_DEFAULT, min: 100, max: 3_600_000, doc: 'measured window of every trial, ms' },
  warmupMs: { kind: 'int', shownDefault: SCENARIOS_DEFAULT, min: 0, max: 600_000, doc: 'discarded warm-up before the window, ms' },
  rooms: { kind: 'int', shownDefault: SCENARIOS_DEFAULT, min: 1, max: 10_000, doc: 'rooms in the chat' },
  members: { kind: 'int', shownDefault: SCENARIOS_DEFAULT, min: 1, max: 10_000, doc: 'members per room (clients = rooms × members)' },
  rate: { kind: 'number', shownDefault: SCENARIOS_DEFAULT, min: 0.0001, max: 1000, doc: 'messages per second each member sends' },
  bodyBytes: { kind: 'int', shownDefault: SCENARIOS_DEFAULT, min: 1, max: 4096, doc: 'size of each message body, bytes' },
  pollIntervalMs: { kind: 'int', shownDefault: SCENARIOS_DEFAULT, min: 10, max: 600_000, doc: 'short polling: ms between two polls of a client' },
  waitMs: { kind: 'int', shownDefault: SCENARIOS_DEFAULT, min: 0, max: 3_600_000, doc: 'long polling: the wait each poll asks for, ms' },
  loss: { kind: 'int', shownDefault: "the scenario's (none: the machine's loopback)", min: 0, max: 100, doc: 'run every trial on a loopback that drops this percent of packets (a network namespace per trial with an nftables rule; needs root, iproute2 and nftables)' },
  rtt: {
    kind: 'int',
    shownDefault: "the scenario's (none: the machine's loopback)",
    min: 0,
    max: 10_000,
    doc: 'run every trial across a network with this round-trip time between every client and the server, ms: clients and server in two network namespaces joined by a delay line (needs root, iproute2, /dev/net/tun and a C compiler or python3); 0 is that path without delay',
  },
  jitter: { kind: 'int', shownDefault: '0 (with --rtt)', min: 0, max: 10_000, doc: 'with --rtt: spread of the round trip, ms; each one-way trip adds a uniform draw in ±jitter/2 (packets keep their order); at most the RTT' },
  bandwidth: { kind: 'number', shownDefault: '(no limit, with --rtt)', min: 0.1, max: 10_000, doc: "with --rtt: each direction's rate, Mbit/s (the kernel's tbf, with a 100 ms queue)" },
  generators: { kind: 'int', shownDefault: SCENARIOS_DEFAULT, min: 1, max: 16, doc: 'load-generator processes the clients are spread over, at least: a step whose sockets need more gets more (10,000 client sockets per process)' },
  seed: { kind: 'int', default: 1, min: 0, max: 2 ** 31 - 1, doc: 'seed of the random send and poll phases; the same seed repeats a schedule' },
  out: { kind: 'string', default: '', shownDefault: 'results/<time>-<scenario>.json', doc: 'results file to write; latest.json in the same folder is always a copy of the newest' },
  json: { kind: 'boolean', default: false, doc: 'print the results JSON to stdout (progress stays on stderr; use npm run -s so that npm prints no banner)' },
  summaryOut: { kind: 'string', default: '', shownDefault: '(none)', doc: 'also write a short JSON summary (status, paths, each variant\'s medians, targets) to this file' },
  target: { kind: 'list', default: [], doc: 'run against servers already running on this machine: one http:// URL per transport of --transports, in its order; no server is started and server CPU and memory are not measured' },
  targetPid: { kind: 'list', default: [], doc: 'with --target: the process id of each target server, one per URL in the same order; its CPU time and RSS are then read from /proc (heap and event-loop delay stay not measured)' },
  token: { kind: 'string', default: '', shownDefault: '(none)', doc: 'with --target: the token the clients send (never written to the results)' },
  skipCeiling: { kind: 'boolean', default: false, doc: 'skip the autocannon route ceilings (run only where the scenario asks for them: default)' },
  skipMicro: { kind: 'boolean', default: false, doc: 'skip the tinybench hot-path micro-benchmarks (run only where the scenario asks for them: default)' },
  ceilingMs: { kind: 'int', default: 2000, min: 100, max: 600_000, doc: 'autocannon: measured time per route and round, ms (after a 1 s warm-up in the first round)' },
  ceilingRounds: { kind: 'int', default: 3, min: 1, max: 100, doc: 'autocannon: rounds over every route, in rotated order; the median is kept' },
  ceilingConnections: { kind: 'int', default: 100, min: 1, max: 5000, doc: 'autocannon: concurrent connections' },
  microMs: { kind: 'int', default: 100, min: 10, max: 60_000, doc: 'tinybench: time per hot path, ms (with --ci: per hot path and round)' },
  profile: {
    kind: 'boolean',
    default: false,
    doc: "write a CPU profile of each trial's server over the measured window beside the results (<results>.profiles/*.cpuprofile, for Chrome DevTools or speedscope); the report links them; not with --target or several instances",
  },
  pin: { kind: 'boolean', default: false, doc: 'pin the server to CPU 0 and the generators to CPU 1 (taskset)' },
  sloMs: { kind: 'int', default: 250, min: 1, max: 60_000, doc: 'capacity: a step passes only with p99 delivery latency at most this, ms (short polling then polls every SLO ÷ 2 unless --poll-interval-ms says)' },
  capacityStart: { kind: 'int', default: 1000, min: 1, max: 1_000_000, doc: 'capacity: clients of the first step (rounded up to whole rooms)' },
  capacityMax: { kind: 'int', default: 20_000, min: 1, max: 1_000_000, doc: 'capacity: the most clients a step may have' },
  capacityFactor: { kind: 'number', default: 1.5, min: 1.1, max: 4, doc: 'capacity: each step up has this many times the rooms of the last (down: divided by it) (--quick: 2)' },
  capacityResolution: { kind: 'int', default: 10, min: 1, max: 100, doc: 'capacity: halve between the last pass and the first fail until they are within this percent of the last pass (--quick: 100, no halving)' },
  backplane: {
    kind: 'string',
    default: '',
    choices: ['memory', 'redis'],
    shownDefault: "the scenario's (memory)",
    doc: 'how the instances of a transport share rooms: memory (one process) or redis (the bench starts redis-server on a free port and stops it after, unless --redis-url is given)',
  },
  redisUrl: { kind: 'string', default: '', shownDefault: '(the bench starts one)', doc: 'with --backplane redis: use this Redis (redis://127.0.0.1:PORT) instead of starting one; the scenario failover needs one the bench starts' },
  instances: { kind: 'int', shownDefault: "the scenario's (1)", min: 1, max: 16, doc: 'server processes of each transport, sharing rooms on the backplane (more than 1 needs --backplane redis); each room\'s members are spread over them' },
  socketioAdapter: {
    kind: 'string',
    default: '',
    choices: SOCKETIO_REDIS_ADAPTERS,
    shownDefault: '(none)',
    doc: "with --backplane redis: Socket.IO's variants carry each message to the other instances through Socket.IO's own Redis adapter (redis: @socket.io/redis-adapter, redis-streams: @socket.io/redis-streams-adapter), broadcast by the instance that stored it, instead of through the backplane's mirrors; their ids get /<adapter>-adapter",
  },
  tls: {
    kind: 'boolean',
    default: false,
    doc: 'run every chat transport over TLS (https, wss): each server makes a self-signed certificate that its clients are given to trust; the baselines, plain by design, are left out; ceilings stay plain HTTP',
  },
  clients: {
    kind: 'string',
    default: '',
    choices: ['node', 'browser'],
    shownDefault: "the scenario's (node)",
    doc: 'who the members are: node (this project\'s clients) or browser (pages of the system\'s Chromium on its own fetch, EventSource, WebSocket and RTCPeerConnection, and Socket.IO\'s browser client; apt-get install chromium, or CHROMIUM_PATH); browser runs the transports that have a browser client (WebRTC only in a step with a network namespace of its own: --loss, even 0), on one instance; over HTTP/1.1 at most 5 members a page of SSE, long polling or Socket.IO\'s polling engine',
  },
  membersPerPage: { kind: 'int', shownDefault: "the variant's (1)", min: 1, max: 100, doc: 'browser members: how many share one page, and so its six HTTP/1.1 connections to a server, as the tabs of one browser do' },
} as const satisfies OptionTable;

/** The options only the capacity scenario reads. */
export const CAPACITY_OPTIONS = ['sloMs', 'capacityStart', 'capacityMax', 'capacityFactor', 'capacityResolution'] as const;

export type BenchOptions = OptionValues<typeof BENCH_OPTIONS>;

/** Ranges and defaults of what code passes but no flag sets: the presets choose these. */
export const HARNESS_OPTIONS = {
  ceilingWarmupMs: { kind: 'int', default: 1000, min: 0, max: 600_000, doc: 'autocannon: discarded first run on each route, ms' },
  microWarmupMs: { kind: 'int', default: 100, min: 0, max: 600_000, doc: 'tinybench: warm-up per hot path, ms' },
} as const satisfies Readonly<Record<string, IntOptionSpec>>;

/** What `--quick` sets, before any option given explicitly. */
export const QUICK_PRESET = { rounds: 2, durationMs: 2500, warmupMs: 500, ceilingMs: 700, ceilingRounds: 2, microMs: 50 } as const;
/**
 * What `--quick` sets for the capacity scenario instead: one round per step, a short window, steps
 * of ×2 and no halving, so that the chat transports are searched within four
 * minutes on this machine.
 */
export const CAPACITY_QUICK_PRESET = { rounds: 1, durationMs: 2500, warmupMs: 500, capacityFactor: 2, capacityResolution: 100 } as const;
/**
 * What `--ci` sets, before any option given explicitly: enough rounds for a rank test over rounds
 * (six, so a rank test can reach p < 0.01 with 6 against 6), short enough for about a minute on a
 * shared 2-core machine, where a trial costs about 5 s beyond its window (two processes started,
 * drained and stopped): 12 trials. So two transports, the ends of the comparison on the two server
 * stacks: short polling (fastify routes) and WebSocket (ws). Long polling shares the HTTP stack;
 * `--transports` adds it back (about 2 minutes). The hot-path micro-benchmarks once a round, 50 ms a
 * path, so that the gate judges them by round like any figure (issue 21: a slower hot path fails
 * it); no ceilings: autocannon's rounds would double the time and are noisier than the trials.
 */
export const CI_PRESET = {
  rounds: 6,
  durationMs: 1500,
  warmupMs: 500,
  transports: ['short-polling', 'websocket'],
  skipCeiling: true,
  microMs: 50,
} as const;
/** The warm-up autocannon runs before each measured ceiling (shorter with --quick). */
export const CEILING_WARMUP_MS = { normal: HARNESS_OPTIONS.ceilingWarmupMs.default, quick: 300 } as const;

/**
 * `--target URL,... --transports T,...`: one URL per transport, in the same order, each an http://
 * URL of this machine. Returns the URL of each transport; throws an Error naming the option.
 */
export function parseTargets(urls: readonly string[], transports: readonly string[]): Record<string, string> {
  if (transports.length === 0) throw new Error('--target needs --transports: name the transport each URL serves, in the same order');
  if (urls.length !== transports.length) {
    throw new Error(`--target gives ${urls.length} URL(s) for ${transports.length} transport(s) in --transports; give one URL per transport, in the same order`);
  }
  const out: Record<string, string> = {};
  for (const [i, text] of urls.entries()) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new Error(`--target ${JSON.stringify(text)} is not a URL; give one like http://127.0.0.1:3000`);
    }
    if (url.protocol !== 'http:') throw new Error(`--target ${JSON.stringify(text)} must be an http:// URL (WebSocket servers too: the client adds /ws)`);
    if (!isLoopback(url.hostname)) throw new Error(`--target ${JSON.stringify(text)} ${LOOPBACK_ONLY}`);
    if (url.pathname !== '/' || url.search !== '') throw new Error(`--target ${JSON.stringify(text)} must be the server's base URL, without a path or query (the contract's routes start at /)`);
    const transport = transports[i] as string;
    if (out[transport] !== undefined) throw new Error(`--transports names ${transport} twice; give each transport once with --target`);
    out[transport] = url.origin;
  }
  return out;
}
