/**
 * The named scenarios, each a question the project exists to answer, and scenarios from JSON
 * files. Every step runs the same workload for every variant; only transport knobs differ.
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { inWords, jsonSchemaOf } from '../../servers/common/command-line/index.ts';
import { DEFAULT_POLL_INTERVAL_MS, HTTP2_TRANSPORTS, SERVER_OPTIONS, SOCKETIO_ENGINES, SOCKETIO_REDIS_ADAPTERS, TRANSPORT_INFO, TRANSPORTS, type SocketIoRedisAdapter, type Transport, type TransportKnob } from '../../servers/contract/index.ts';
import { BROWSER_CLIENT_TRANSPORTS, BROWSER_TRANSPORTS, NO_BROWSER_WEBRTC } from '../../servers/clients/browser/index.ts';
import { browserCapacityRefusal, browserPages } from '../generator/browser-capacity.ts';
import { BENCH_OPTIONS, type BenchOptions } from './options.ts';
import { BACKPLANES, applyClusterOverrides, checkCluster } from '../cluster/cluster.ts';
import { BENCH_TRANSPORTS, TRANSPORT_FACTS, adapterWords, browserMembersWords, type BenchTransport, type Distance, type Scenario, type Step, type TransportFacts, type Variant, type Workload } from '../model/results.ts';
import { STEP_FACTOR } from '../capacity/search.ts';
import { BENCH_REGISTRY, type JoinableScenario } from '../transports.ts';
import { displayPath } from './write-results.ts';

export { BENCH_TRANSPORTS } from '../model/results.ts';
export { RAW_WS_MAX_MEMBERS } from '../transports.ts';

/** The chat of the default comparison: 10 rooms of 10 members, each sending one 256-byte message a second. */
const CHAT: Workload = { rooms: 10, members: 10, ratePerMember: 1, bodyBytes: 256, durationMs: 7000, warmupMs: 2000 };

/** The poll interval and the wait a variant runs with when it does not say: what the clients use. */
export const VARIANT_DEFAULTS: Readonly<Record<TransportKnob, number>> = { pollIntervalMs: DEFAULT_POLL_INTERVAL_MS, waitMs: SERVER_OPTIONS.defaultWaitMs.default };

/** A chat transport of the contract, rather than a baseline. */
const isChatTransport = (transport: BenchTransport): boolean => (TRANSPORTS as readonly string[]).includes(transport);

/** A transport's facts, typed as the interface so that an optional knob may be read. */
function knownFacts(transport: BenchTransport): TransportFacts {
  return TRANSPORT_FACTS[transport];
}

/** Each transport as the scenarios run it by default: its id is its name, its knob at the default. */
const variantOf = (transport: BenchTransport): Variant => withKnobs({ id: transport, transport });
/** The transports the named scenarios compare: every one the registry does not keep out (`BenchEntry.compared`). */
const COMPARED: readonly BenchTransport[] = BENCH_TRANSPORTS.filter((t) => BENCH_REGISTRY[t].compared !== false);
/** Every transport of a run, the baselines included, in registry order. */
const ALL = COMPARED.map(variantOf);
/** The chat transports (no baseline). */
const CHAT_VARIANTS = TRANSPORTS.filter((t) => COMPARED.includes(t)).map(variantOf);
/** The chat variants of a scenario that compares every transport: the compared ones, and those that join it (`BenchEntry.joins`). */
const chatVariantsOf = (scenario: JoinableScenario): Variant[] => TRANSPORTS.filter((t) => COMPARED.includes(t) || BENCH_REGISTRY[t].joins?.includes(scenario)).map(variantOf);
/** The transports whose client polls on an interval, and those whose messages are pushed. */
const INTERVAL_POLLED = TRANSPORTS.filter((t) => knownFacts(t).knob === 'pollIntervalMs');
const PUSHED = CHAT_VARIANTS.filter((v) => knownFacts(v.transport).group === 'push');
/** Members of a held transport (a stream or held poll each) one page holds over HTTP/1.1: Chromium's six connections per server, less one for the posts. */
export const BROWSER_HTTP1_MEMBERS = 5;
/** The pushed transports that speak HTTP and so HTTP/2 (`--http2`): there one connection carries the held poll or stream and the posts. */
const HTTP2_CAPABLE = TRANSPORTS.filter((t) => HTTP2_TRANSPORTS.includes(t) && knownFacts(t).group === 'push');
/** "long polling and SSE": the transports of the handshake scenario's HTTP/2 step, in prose. */
const HTTP2_CAPABLE_WORDS = inWords(HTTP2_CAPABLE.map((t) => TRANSPORT_FACTS[t].label));

function defaultScenario(): Scenario {
  return {
    name: 'default',
    description:
      'Short polling (every 1 s), long polling, WebSocket and SSE on one realistic chat: 10 rooms of 10 members, each sending one message a second, with the raw ws broadcast baseline. Socket.IO (on each of its engine.io transports) and WebRTC join when --transports names them.',
    rounds: 3,
    generators: 1,
    // The comparison a reader starts with: it also measures each route's ceiling and the hot paths.
    ceilings: true,
    micro: true,
    // Socket.IO (each engine) and WebRTC only when --transports names them: beside the others, at the run's time.
    steps: [{ label: '10 rooms × 10 members, 1 msg/s each', workload: CHAT, variants: ALL, onRequest: [...SOCKETIO_VARIANTS, variantOf('webrtc')] }],
  };
}

function scaleScenario(): Scenario {
  // Each room carries 2 messages a second whatever its size, so deliveries grow with members
  // (fan-out) while the send rate stays that of a chat.
  const roomRate = 2;
  const steps: Step[] = [10, 50, 100, 250, 500].map((members) => ({
    label: `${members} members per room`,
    x: { name: 'clients', value: 10 * members, unit: 'clients' },
    workload: { rooms: 10, members, ratePerMember: roomRate / members, bodyBytes: 256, durationMs: 6000, warmupMs: 2000 },
    variants: chatVariantsOf('scale'),
  }));
  // One server process holds about 19,000 sockets (its open-files cap): WebSocket clients, one
  // socket each, are the only ones that fit 19,000 to a process, so the step runs them alone. A
  // message a second per room keeps 19,000 deliveries a second within what the two cores can make
  // and check beside the server; it has no x, since its rate is not the sweep's.
  steps.push({
    label: '19,000 WebSocket clients (10 rooms × 1,900, 1 msg/s per room)',
    workload: { rooms: 10, members: 1900, ratePerMember: 1 / 1900, bodyBytes: 256, durationMs: 6000, warmupMs: 2000 },
    variants: CHAT_VARIANTS.filter((v) => v.transport === 'websocket'),
  });
  return {
    name: 'scale',
    description:
      'Members per room from 10 to 500 (100 to 5,000 clients), 2 messages a second per room: how latency, CPU and memory grow with clients, and where each transport breaks; then 19,000 WebSocket clients on one server process (1 message a second per room), over as many generator processes as their sockets need.',
    rounds: 2,
    generators: 1,
    steps,
  };
}

function intervalScenario(): Scenario {
  const steps: Step[] = [100, 250, 500, 1000, 2000, 5000].map((ms) => ({
    label: `short polls every ${ms} ms`,
    x: { name: 'pollIntervalMs', value: ms, unit: 'ms' },
    workload: { ...CHAT, durationMs: Math.max(8000, 4 * ms), warmupMs: Math.max(2000, ms) },
    variants: INTERVAL_POLLED.map((transport) => ({ id: `${transport}@${ms}ms`, transport, pollIntervalMs: ms })),
  }));
  steps.push({ label: `the push transports (${PUSHED.map((v) => TRANSPORT_FACTS[v.transport].label).join(', ')}), for reference`, workload: CHAT, variants: PUSHED });
  return {
    name: 'interval',
    description: 'Short-poll intervals from 100 ms to 5 s on the default chat: the trade of latency against requests, with the push transports (long polling, WebSocket, SSE) as reference points.',
    rounds: 2,
    generators: 1,
    steps,
  };
}

function fanoutScenario(): Scenario {
  return {
    name: 'fanout',
    description: 'One busy room: 1,000 members, 10 messages a second in all, so every message goes to 1,000 receivers.',
    rounds: 2,
    generators: 1,
    steps: [
      {
        label: '1 room × 1,000 members, 10 msg/s',
        workload: { rooms: 1, members: 1000, ratePerMember: 0.01, bodyBytes: 256, durationMs: 8000, warmupMs: 2000 },
        variants: CHAT_VARIANTS,
      },
    ],
  };
}

/**
 * Short polling every 250 ms with keep-alive, with a new TCP connection for every request, and the
 * same two over TLS, new connections resuming their TLS session or making a full handshake.
 */
function handshakeVariants(): Variant[] {
  return INTERVAL_POLLED.flatMap((transport) => [
    { id: `${transport}/keep-alive`, transport, pollIntervalMs: 250, keepAlive: true },
    { id: `${transport}/new-connection`, transport, pollIntervalMs: 250, keepAlive: false },
    { id: `${transport}/tls-keep-alive`, transport, pollIntervalMs: 250, keepAlive: true, tls: true },
    { id: `${transport}/tls-new-connection`, transport, pollIntervalMs: 250, keepAlive: false, tls: true },
    { id: `${transport}/tls-full-handshake`, transport, pollIntervalMs: 250, keepAlive: false, tls: true, resumeTls: false },
  ]);
}

function handshakeScenario(): Scenario {
  return {
    name: 'handshake',
    description:
      `Short polling every 250 ms with keep-alive against a new connection for every request, over plain TCP and over TLS (resumed and full handshakes): is "a handshake for every request" still true, and what does TLS make it cost? Then ${HTTP2_CAPABLE_WORDS} over TLS on HTTP/1.1 against HTTP/2, where one connection carries the held poll or the stream and the posts: requests and bytes per message, and the TCP connections the server holds per client.`,
    rounds: 3,
    generators: 1,
    steps: [
      {
        label: '10 rooms × 10 members, polls every 250 ms',
        workload: CHAT,
        variants: handshakeVariants(),
      },
      {
        label: '10 rooms × 10 members over TLS: HTTP/1.1 against HTTP/2',
        workload: CHAT,
        variants: HTTP2_CAPABLE.flatMap((transport) => [
          withKnobs({ id: `${transport}/tls-http1.1`, transport, tls: true }),
          withKnobs({ id: `${transport}/tls-http2`, transport, tls: true, http2: true }),
        ]),
      },
    ],
  };
}

/**
 * The soak's chat: readers (the measured members), and beside them in every room clients that
 * never read and clients that leave mid-load and come back (bench/generator/bystanders.ts). Bodies
 * of 4,000 B at 2 messages a second per member make 80 KB/s per room, so that a non-reader, which
 * stalls 90 s on average (45 to 135 s) before it comes back stalled afresh, leaves megabytes
 * unread: in the soak of 2026-12-07 the SSE server cut 31 of them at its per-client cap (1 MiB),
 * while every paused WebSocket's backlog stayed in the kernel's buffers (loopback's take more than
 * 7 MB of a socket that does not read). A leaver stays 2 s on average: 1,540 to 1,550 leaves in a
 * 2.5-minute window.
 */
const SOAK_CHAT: Workload = { rooms: 10, members: 10, ratePerMember: 2, bodyBytes: 4000, durationMs: 150_000, warmupMs: 5000, bystanders: { nonReaders: 2, leavers: 2, stayMs: 2000, stallMs: 90_000 } };

/** What `--quick` runs of the soak: a 20 s window, a check of slots and memory (too short for a non-reader to be cut). */
export const SOAK_QUICK = { rounds: 1, durationMs: 20_000, warmupMs: 5000 } as const;

function soakScenario(): Scenario {
  return {
    name: 'soak',
    description:
      'Ten minutes of a chat with readers, clients that never read and clients that leave mid-load: 10 rooms of 10 members (4,000-byte messages, 2 a second each; the servers keep 100 messages per room, full within 5 s), and in every room 2 clients that subscribe and never read (each replaced by a fresh one after 90 s on average) and 2 that leave abruptly after 2 s on average and come back, for 2.5 minutes per transport (--quick: 20 s; --duration-ms for longer). Each trial checks that the server gave back every slot once the clients left (held polls, streams, sockets, connections, waiting bytes) and that its RSS levelled off (its last third of the window within 10% of its first), and shows RSS and heap over time.',
    rounds: 1,
    generators: 1,
    quick: SOAK_QUICK,
    // 100 messages kept per room (400 KB) fill within the first 5 s, within the warm-up even of
    // --quick: after that, a server's memory holds what its clients cost, not a history still growing.
    steps: [{ label: '10 rooms × 10 readers, 2 non-readers and 2 leavers each, 2.5 minutes', workload: SOAK_CHAT, serverOptions: { historySize: 100 }, variants: CHAT_VARIANTS }],
  };
}

/** The room shape and rate of the capacity search: rooms of 10, one message every 10 s per member. */
const CAPACITY_ROOM: Pick<Workload, 'members' | 'ratePerMember' | 'bodyBytes'> = { members: 10, ratePerMember: 0.1, bodyBytes: 256 };

function capacityScenario(): Scenario {
  const start = BENCH_OPTIONS.capacityStart.default;
  return {
    name: 'capacity',
    description:
      'The most clients each chat transport serves on this machine with p99 delivery under the SLO (--slo-ms, 250 ms), nothing lost and the generator not the bottleneck: clients stepped up ×1.5 in rooms of 10 (one message every 10 s per member), then the last interval halved.',
    rounds: 2,
    generators: 1,
    capacity: {
      sloMs: BENCH_OPTIONS.sloMs.default,
      startClients: start,
      maxClients: BENCH_OPTIONS.capacityMax.default,
      resolution: BENCH_OPTIONS.capacityResolution.default / 100,
      factor: STEP_FACTOR,
    },
    steps: [
      {
        label: 'capacity search',
        x: { name: 'clients', value: start, unit: 'clients' },
        workload: { ...CAPACITY_ROOM, rooms: Math.ceil(start / CAPACITY_ROOM.members), durationMs: 10_000, warmupMs: 3000 },
        variants: chatVariantsOf('capacity'),
      },
    ],
  };
}

/** What `--quick` runs of the scale-out and failover scenarios: their own window, not the preset's 2.5 s. */
export const FAILOVER_QUICK = { rounds: 1, durationMs: 12_000, warmupMs: 1000 } as const;

function scaleOutScenario(): Scenario {
  const step = (instances: number, backplane: 'memory' | 'redis'): Step => ({
    label: `${instances} instance${instances === 1 ? '' : 's'} on ${backplane === 'memory' ? 'the memory backplane' : 'Redis'}`,
    cluster: { instances, backplane },
    workload: CHAT,
    variants: CHAT_VARIANTS,
  });
  return {
    name: 'scale-out',
    description:
      "The default chat on 1 instance with the memory backplane and on Redis (what the broker costs per message), then on 1, 2 and 4 instances sharing Redis at the same load, each room's members spread over the instances. On two cores more instances cannot add capacity: the question is what the broker and the spreading cost, and that nothing is lost.",
    rounds: 2,
    generators: 1,
    steps: [step(1, 'memory'), step(1, 'redis'), step(2, 'redis'), step(4, 'redis')],
  };
}

function failoverScenario(): Scenario {
  return {
    name: 'failover',
    description:
      'Three instances of each transport on Redis (Socket.IO on each of its engine.io transports), 10 rooms of 6 members (2 on each instance), 1 msg/s each: while traffic flows one instance is killed with SIGKILL (its clients reconnect to the others and resume with their cursors), then Redis is restarted with its data (saved on shutdown and loaded again, so cursors stay valid). Reports what was acknowledged, delivered and lost (0 for everything acknowledged), reconnects, and the time until every client received again.',
    rounds: 2,
    generators: 1,
    quick: FAILOVER_QUICK,
    steps: [
      {
        label: '3 instances on Redis: SIGKILL one, then restart Redis',
        cluster: { instances: 3, backplane: 'redis', fault: 'failover' },
        workload: { ...CHAT, members: 6, durationMs: 20_000, warmupMs: 2000 },
        variants: [...CHAT_VARIANTS, ...SOCKETIO_VARIANTS, ...SOCKETIO_ADAPTER_VARIANTS],
      },
    ],
  };
}

/** The packet loss the lossy scenario steps through, in percent. */
export const LOSSY_STEPS_PCT = [0, 1, 3, 5] as const;

/**
 * The variants of a chat transport where each of its channels counts (`BenchEntry.channels`):
 * one per channel, or the transport itself when it has one channel.
 */
export function channelVariants(transport: Transport, channels = BENCH_REGISTRY[transport].channels): Variant[] {
  if (!channels) return [variantOf(transport)];
  return channels.map((channel) => withKnobs({ id: `${transport}/${channel}`, transport, channel }));
}

/**
 * The lossy scenario's rooms: 3 of 10 members, 30 clients. werift costs the server and the
 * generator each 0.5 to 0.8 ms of CPU per delivered message (lossy --quick, 2026-11-27), so the
 * default chat's 100 WebRTC clients, about 1,050 deliveries a second, would fill both cores and
 * every WebRTC trial would measure the machine rather than the loss.
 */
const LOSSY_ROOMS = { rooms: 3, members: 10 } as const;

function lossyScenario(): Scenario {
  // Every chat transport of the registry, each channel of those that have several.
  const variants = TRANSPORTS.flatMap((t) => channelVariants(t));
  return {
    name: 'lossy',
    description:
      'The default chat on a loopback that drops 0%, 1%, 3% and 5% of packets (each trial in a network namespace of its own, an nftables rule dropping at random; needs root, iproute2 and nftables): how each transport\'s tail latency and delivered share move with packet loss.',
    rounds: 2,
    generators: 1,
    roundsAcrossSteps: true,
    // 24 trials (6 variants × 4 steps) in one round: 3 min 48 s on a quiet machine (2026-11-27).
    quick: { rounds: 1 },
    steps: LOSSY_STEPS_PCT.map((pct) => ({
      label: `${pct}% packet loss`,
      x: { name: 'lossPct', value: pct, unit: '%' },
      lossPct: pct,
      workload: { ...CHAT, ...LOSSY_ROOMS, durationMs: 6000, warmupMs: 1500 },
      variants,
    })),
  };
}

/** The round-trip times the wan scenario steps through, ms: the same region, one continent, intercontinental, a poor mobile link. */
export const WAN_RTTS_MS = [0, 20, 80, 200] as const;
/** The RTT of the wan scenario's handshake and loss steps, ms. */
export const WAN_FOCUS_RTT_MS = 80;
/** The packet loss of the wan scenario's loss step, percent. */
export const WAN_LOSS_PCT = 2;
/**
 * The wan scenario's chat: 6 rooms of 5 members (30 clients: werift's CPU per message, as in the
 * lossy scenario), each member sending a message a second, in bursts: a room's five members send
 * one after another 5 ms apart, so five messages reach a room within 20 ms, inside one round trip
 * from RTT 20 ms up. That is where long polling's re-poll gap shows. Bursts of ten members (100
 * deliveries within 45 ms from one generator) left the generator's sends 12 to 21 ms late at p99
 * and the delay line 3 ms late on a quiet machine (wan --quick, 2026-12-07): every trial measured
 * the burst's own queueing, not the transport.
 */
const WAN_SPREAD: Workload = { ...CHAT, rooms: 6, members: 5, durationMs: 6000, warmupMs: 1500 };
const WAN_CHAT: Workload = { ...WAN_SPREAD, burst: { spacingMs: 5 } };

function wanScenario(): Scenario {
  const chat = TRANSPORTS.map(variantOf);
  const at = (rttMs: number) => ({ rttMs, jitterMs: 0 });
  return {
    name: 'wan',
    description: `Every chat transport (Socket.IO on its default engine) across a network with distance: RTT ${WAN_RTTS_MS.join(', ')} ms between every client and the server (clients and server in two network namespaces joined by a delay line; needs root, iproute2, /dev/net/tun and a C compiler), 6 rooms of 5 members sending in bursts (five messages in a room within 20 ms); then, at ${WAN_FOCUS_RTT_MS} ms, short polling every 250 ms with keep-alive against a new connection per request, plain and over TLS (resumed and full handshakes), and the push transports and WebRTC's two channels at ${WAN_LOSS_PCT}% packet loss.`,
    rounds: 2,
    generators: 1,
    roundsAcrossSteps: true,
    quick: { rounds: 1, durationMs: 2500, warmupMs: 1000 },
    steps: [
      ...WAN_RTTS_MS.map((rtt) => ({
        label: `RTT ${rtt} ms`,
        x: { name: 'rttMs', value: rtt, unit: 'ms' },
        distance: at(rtt),
        workload: WAN_CHAT,
        variants: chat,
      })),
      {
        label: `RTT ${WAN_FOCUS_RTT_MS} ms: a handshake for every request?`,
        distance: at(WAN_FOCUS_RTT_MS),
        // Half the rooms: 15 clients polling every 250 ms on a new TLS connection each made the
        // generator the bottleneck with 30 (4 ms of its CPU per message; wan --quick, 2026-12-07).
        workload: { ...WAN_SPREAD, rooms: 3 },
        variants: handshakeVariants(),
      },
      {
        label: `RTT ${WAN_FOCUS_RTT_MS} ms, ${WAN_LOSS_PCT}% packet loss`,
        distance: at(WAN_FOCUS_RTT_MS),
        lossPct: WAN_LOSS_PCT,
        workload: WAN_CHAT,
        variants: [...PUSHED, ...channelVariants('webrtc')],
      },
    ],
  };
}

/** Socket.IO's variants: one per engine.io transport, `socketio` for its default (polling, then upgrade). */
export const SOCKETIO_VARIANTS: readonly Variant[] = SOCKETIO_ENGINES.map((engine) => ({ id: engine === 'upgrade' ? 'socketio' : `socketio/${engine}`, transport: 'socketio', engine }));

/**
 * Socket.IO on its default engine with each of its own Redis adapters, as Socket.IO applications
 * run on several instances: `socketio/redis-adapter`, `socketio/redis-streams-adapter`.
 */
export const SOCKETIO_ADAPTER_VARIANTS: readonly Variant[] = SOCKETIO_REDIS_ADAPTERS.map((adapter) => ({ id: `socketio/${adapter}-adapter`, transport: 'socketio', engine: 'upgrade', adapter }));

/** The transports under Socket.IO's engines (the registry's `over`), then the baselines that are their floor. */
const SOCKETIO_OVER: readonly BenchTransport[] = Object.values(TRANSPORT_FACTS.socketio.over);
const UNDER_SOCKETIO: readonly BenchTransport[] = [...SOCKETIO_OVER, ...BENCH_TRANSPORTS.filter((t) => SOCKETIO_OVER.some((under) => under === (TRANSPORT_FACTS[t] as TransportFacts).baselineOf))];

function socketIoScenario(): Scenario {
  return {
    name: 'socketio',
    description:
      "Socket.IO 4 over engine.io's WebSocket only, its HTTP long polling only, and its default (polling, then an upgrade to WebSocket), beside the transports under it: this project's WebSocket and long-polling servers and the raw ws baseline, on the default chat (10 rooms of 10 members, one message a second each). Socket.IO's costly settings are pinned: no compression (perMessageDeflate and httpCompression off), maxHttpBufferSize the contract's largest payload (max-payload-bytes, 64 KiB), engine.io's ping every heartbeat-ms (30 s). Then on 2 instances sharing Redis, each room's members spread over both: Socket.IO delivering through the backplane's mirrors (as this project's WebSocket server does, beside it) against Socket.IO's own Redis adapters, @socket.io/redis-adapter (pub/sub) and @socket.io/redis-streams-adapter (a stream), each message broadcast to its room by the instance that stored it, as Socket.IO applications do.",
    rounds: 3,
    generators: 1,
    steps: [
      { label: '10 rooms × 10 members, 1 msg/s each', workload: CHAT, variants: [...SOCKETIO_VARIANTS, ...UNDER_SOCKETIO.map(variantOf)] },
      {
        label: "2 instances on Redis: the backplane's mirrors against Socket.IO's own Redis adapters",
        cluster: { instances: 2, backplane: 'redis' },
        workload: CHAT,
        variants: [variantOf('socketio'), ...SOCKETIO_ADAPTER_VARIANTS, variantOf('websocket')],
      },
    ],
  };
}

/** A transport's Node members and its browser members, a room's in one page (`transport/browser`). */
function nodeAndBrowser(transport: Transport, membersPerPage: number): Variant[] {
  return [variantOf(transport), { ...variantOf(transport), id: `${transport}/browser`, clients: 'browser', membersPerPage }];
}

/** The browser scenario's chat: small, since each browser member is a page of Chromium. */
const BROWSER_CHAT: Workload = { rooms: 4, members: 5, ratePerMember: 1, bodyBytes: 256, durationMs: 7000, warmupMs: 2000 };

function browserScenario(): Scenario {
  return {
    name: 'browser',
    description:
      `Node and browser members of every transport that has a browser client, side by side, on a small chat (4 rooms of 5 members, one message a second each): the browser members of a room share a page of the system's Chromium (a browser context of its own, with its six HTTP/1.1 connections to the server), on the platform's own fetch, EventSource and WebSocket, or Socket.IO's browser client; their requests and bytes are counted by a relay in front of the server. Then the same chat's browser members of ${HTTP2_CAPABLE_WORDS} over TLS, five a page on HTTP/1.1 and on HTTP/2, and ten a page on HTTP/2: each member's stream or held poll keeps one of a page's six HTTP/1.1 connections and the posts share the last, so HTTP/1.1 holds five such members a page; HTTP/2 carries them all on one. WebRTC's pair is in the scenario browser-webrtc (its pages need a network namespace of the bench's own, so root).`,
    rounds: 3,
    generators: 1,
    steps: [
      {
        label: '4 rooms × 5 members, 1 msg/s each',
        workload: BROWSER_CHAT,
        variants: BROWSER_TRANSPORTS.flatMap((transport) => nodeAndBrowser(transport, BROWSER_CHAT.members)),
      },
      {
        // Where the six connections bite: each member's stream or held poll keeps one of its page's,
        // and the posts share what is left; HTTP/2 carries them all on one.
        label: `browser members over TLS: ${BROWSER_HTTP1_MEMBERS} a page on HTTP/1.1 and HTTP/2, ${2 * BROWSER_HTTP1_MEMBERS} a page on HTTP/2`,
        workload: BROWSER_CHAT,
        variants: HTTP2_CAPABLE.flatMap((transport) =>
          [
            [false, BROWSER_HTTP1_MEMBERS],
            [true, BROWSER_HTTP1_MEMBERS],
            [true, 2 * BROWSER_HTTP1_MEMBERS],
          ].map(([http2, perPage]) => ({
            ...variantOf(transport),
            id: `${transport}/browser-tls${http2 ? '-http2' : ''}${perPage === BROWSER_HTTP1_MEMBERS ? '' : `-${perPage}`}`,
            tls: true,
            ...(http2 ? { http2: true } : {}),
            clients: 'browser' as const,
            membersPerPage: perPage as number,
          })),
        ),
      },
    ],
  };
}

/**
 * WebRTC's Node and browser members, side by side, on the browser scenario's chat. Apart from that
 * scenario because a page's WebRTC runs only in a network namespace of the bench's own, which
 * needs root: WebSocket's pair runs beside it in the same kind of namespace, the yardstick.
 */
function browserWebrtcScenario(): Scenario {
  return {
    name: 'browser-webrtc',
    description:
      "WebRTC's Node and browser members side by side, and WebSocket's beside them, on the browser scenario's chat (4 rooms of 5 members, one message a second each; a room's browser members in one page of the system's Chromium, on its own RTCPeerConnection): each trial in a network namespace of its own that drops nothing, where a page's WebRTC offers 198.18.0.1 (needs root, iproute2 and nftables).",
    rounds: 3,
    generators: 1,
    steps: [{ label: '4 rooms × 5 members, 1 msg/s each, in a namespace of its own (loss 0%)', lossPct: 0, workload: BROWSER_CHAT, variants: [...nodeAndBrowser('webrtc', BROWSER_CHAT.members), ...nodeAndBrowser('websocket', BROWSER_CHAT.members)] }],
  };
}

/** The named scenarios. */
export const SCENARIOS: Readonly<Record<string, () => Scenario>> = {
  default: defaultScenario,
  scale: scaleScenario,
  interval: intervalScenario,
  fanout: fanoutScenario,
  handshake: handshakeScenario,
  soak: soakScenario,
  capacity: capacityScenario,
  'scale-out': scaleOutScenario,
  failover: failoverScenario,
  lossy: lossyScenario,
  wan: wanScenario,
  socketio: socketIoScenario,
  browser: browserScenario,
  'browser-webrtc': browserWebrtcScenario,
};

// A scenario file's fields take the ranges of the flags that override them (BENCH_OPTIONS).
const variantSchema = {
  type: 'object',
  required: ['id', 'transport'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 80 },
    transport: { enum: BENCH_TRANSPORTS },
    pollIntervalMs: jsonSchemaOf(BENCH_OPTIONS.pollIntervalMs),
    waitMs: jsonSchemaOf(BENCH_OPTIONS.waitMs),
    keepAlive: { type: 'boolean' },
    channel: { enum: ['reliable', 'lossy'] },
    engine: { enum: SOCKETIO_ENGINES },
    adapter: { enum: SOCKETIO_REDIS_ADAPTERS },
    tls: { type: 'boolean' },
    resumeTls: { type: 'boolean' },
    http2: { type: 'boolean' },
    clients: { enum: ['node', 'browser'] },
    membersPerPage: jsonSchemaOf(BENCH_OPTIONS.membersPerPage),
  },
} as const;
const workloadSchema = {
  type: 'object',
  required: ['rooms', 'members', 'ratePerMember', 'bodyBytes', 'durationMs', 'warmupMs'],
  additionalProperties: false,
  properties: {
    rooms: jsonSchemaOf(BENCH_OPTIONS.rooms),
    members: jsonSchemaOf(BENCH_OPTIONS.members),
    ratePerMember: jsonSchemaOf(BENCH_OPTIONS.rate),
    bodyBytes: jsonSchemaOf(BENCH_OPTIONS.bodyBytes),
    durationMs: jsonSchemaOf(BENCH_OPTIONS.durationMs),
    warmupMs: jsonSchemaOf(BENCH_OPTIONS.warmupMs),
    burst: {
      type: 'object',
      required: ['spacingMs'],
      additionalProperties: false,
      properties: { spacingMs: { type: 'number', minimum: 0, maximum: 60_000 } },
    },
    bystanders: {
      type: 'object',
      required: ['nonReaders', 'leavers', 'stayMs', 'stallMs'],
      additionalProperties: false,
      properties: {
        nonReaders: { type: 'integer', minimum: 0, maximum: 1000 },
        leavers: { type: 'integer', minimum: 0, maximum: 1000 },
        stayMs: { type: 'number', minimum: 10, maximum: 3_600_000 },
        stallMs: { type: 'number', minimum: 10, maximum: 3_600_000 },
      },
    },
  },
} as const;

/** JSON Schema of a scenario file. */
export const SCENARIO_SCHEMA = {
  type: 'object',
  required: ['name', 'steps'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 80 },
    description: { type: 'string' },
    rounds: jsonSchemaOf(BENCH_OPTIONS.rounds),
    generators: jsonSchemaOf(BENCH_OPTIONS.generators),
    ceilings: { type: 'boolean' },
    micro: { type: 'boolean' },
    roundsAcrossSteps: { type: 'boolean' },
    steps: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['label', 'workload', 'variants'],
        additionalProperties: false,
        properties: {
          label: { type: 'string', minLength: 1 },
          x: {
            type: 'object',
            required: ['name', 'value', 'unit'],
            additionalProperties: false,
            properties: { name: { type: 'string' }, value: { type: 'number' }, unit: { type: 'string' } },
          },
          workload: workloadSchema,
          cluster: {
            type: 'object',
            required: ['instances', 'backplane'],
            additionalProperties: false,
            properties: {
              instances: jsonSchemaOf(BENCH_OPTIONS.instances),
              backplane: { enum: BACKPLANES },
              fault: { enum: ['failover'] },
            },
          },
          variants: { type: 'array', minItems: 1, items: variantSchema },
          lossPct: jsonSchemaOf(BENCH_OPTIONS.loss),
          distance: {
            type: 'object',
            required: ['rttMs', 'jitterMs'],
            additionalProperties: false,
            properties: { rttMs: jsonSchemaOf(BENCH_OPTIONS.rtt), jitterMs: jsonSchemaOf(BENCH_OPTIONS.jitter), bandwidthMbit: jsonSchemaOf(BENCH_OPTIONS.bandwidth) },
          },
          // The servers' numeric options, by their names (`historySize`), each in its own range.
          serverOptions: {
            type: 'object',
            additionalProperties: false,
            properties: Object.fromEntries(Object.entries(SERVER_OPTIONS).flatMap(([name, spec]) => (spec.kind === 'int' ? [[name, jsonSchemaOf(spec)]] : []))),
          },
        },
      },
    },
  },
} as const;

const validateScenario = new Ajv({ allErrors: false, strict: true }).compile<Omit<Scenario, 'rounds' | 'generators' | 'description'> & Partial<Scenario>>(
  SCENARIO_SCHEMA,
);

/**
 * The variant as it runs: a short-polling variant's interval and a long-polling variant's wait
 * filled in when left out, so that the results file, the progress and the report all show them.
 */
export function withKnobs(variant: Variant): Variant {
  const { knob } = knownFacts(variant.transport);
  return knob !== undefined && variant[knob] === undefined ? { ...variant, [knob]: VARIANT_DEFAULTS[knob] } : variant;
}

/** A variant with the knobs it runs with, for people: `short-polling (every 1000 ms)`. */
export function describeVariant(variant: Variant): string {
  const knobs = [
    variant.pollIntervalMs !== undefined ? `every ${variant.pollIntervalMs} ms` : '',
    variant.waitMs !== undefined ? `wait ${variant.waitMs} ms` : '',
    variant.keepAlive === false ? 'a new connection per request' : '',
    variant.channel === 'lossy' ? 'chat-lossy channel' : '',
    variant.engine !== undefined ? `engine.io ${variant.engine === 'upgrade' ? 'polling, then upgrade' : `${variant.engine} only`}` : '',
    variant.adapter !== undefined ? adapterWords(variant.adapter) : '',
    variant.tls === true ? 'over TLS' : '',
    variant.resumeTls === false ? 'full TLS handshakes' : '',
    variant.http2 === true ? 'HTTP/2' : '',
    browserMembersWords(variant) ?? '',
  ].filter(Boolean);
  return knobs.length > 0 ? `${variant.id} (${knobs.join(', ')})` : variant.id;
}

/**
 * A scenario as it runs: every variant's knobs filled in (`withKnobs`), and `ceilings` and `micro`
 * said explicitly (off unless the scenario asks for them).
 */
export function resolveDefaults(scenario: Scenario): Scenario {
  return {
    ...scenario,
    ceilings: scenario.ceilings ?? false,
    micro: scenario.micro ?? false,
    steps: scenario.steps.map((step) => ({ ...step, variants: step.variants.map(withKnobs) })),
  };
}

/** The variant's members are browser pages. */
export function hasBrowserMembers(variant: Variant): boolean {
  return variant.clients === 'browser';
}

function withoutBrowser(variant: Variant): Variant {
  const { clients: _clients, membersPerPage: _perPage, ...rest } = variant;
  return rest;
}

/** The step runs in a network namespace of the bench's own, its loopback lossy or not (not across a distance: WebRTC browser members run there). */
function inOwnNetwork(step: { readonly lossPct?: number | undefined; readonly distance?: Distance | undefined }): boolean {
  return step.lossPct !== undefined && step.distance === undefined;
}

/** Why `variant` has no browser client in a step run in a network namespace of its own (`ownNetwork`) or not; undefined when it has one. */
function noBrowserClient(variant: Variant, ownNetwork: boolean): string | undefined {
  if (!(BROWSER_CLIENT_TRANSPORTS as readonly string[]).includes(variant.transport)) return `${variant.transport} is a baseline, whose client is Node by design; browser members run ${inWords([...BROWSER_CLIENT_TRANSPORTS])}`;
  if (variant.transport === 'webrtc' && !ownNetwork) return `WebRTC has no browser members on this machine's own network: ${NO_BROWSER_WEBRTC}`;
  if (variant.channel === 'lossy') return "WebRTC's unreliable channel (chat-lossy) has no browser client: its members fetch what they missed over HTTP; browser members speak the reliable chat channel";
  return undefined;
}

/** Why `variant` of `step` cannot have browser members, or undefined when it can. */
function browserRefusal(variant: Variant, step: Step): string | undefined {
  const none = noBrowserClient(variant, inOwnNetwork(step));
  if (none) return none;
  const held = HTTP2_CAPABLE.includes(variant.transport as Transport) || variant.engine === 'polling';
  if (held && variant.http2 !== true && (variant.membersPerPage ?? 1) > BROWSER_HTTP1_MEMBERS) {
    return `${variant.membersPerPage} members of ${variant.transport}${variant.engine === undefined ? '' : ` over ${variant.engine}`} in one page would starve it: Chromium holds ${BROWSER_HTTP1_MEMBERS + 1} HTTP/1.1 connections per server, each member's stream or held poll keeps one, and the posts need one more (npm run bench:browser-connections measures it); put at most ${BROWSER_HTTP1_MEMBERS} a page, or speak HTTP/2 ("tls" and "http2": one connection carries them all)`;
  }
  if ((step.cluster?.instances ?? 1) > 1) return 'browser members talk to one instance so far';
  return undefined;
}

/** Checks rules across a scenario that a schema does not say; throws an Error naming the place. */
export function checkScenario(scenario: Scenario): Scenario {
  for (const [i, step] of scenario.steps.entries()) {
    if (step.cluster) checkCluster(step.cluster, `scenario ${scenario.name}, step ${i + 1}`, step);
    if (step.distance) checkDistance(step, `scenario ${scenario.name}, step ${i + 1}`);
    if (step.workload.bystanders) {
      const unspoken = step.variants.filter((v) => (BENCH_REGISTRY[v.transport] as { bystanders?: string }).bystanders === undefined).map((v) => v.id);
      if (unspoken.length > 0) throw new Error(`scenario ${scenario.name}: step ${i + 1} has bystanders (non-readers and leavers), which do not speak ${unspoken.join(', ')}; they speak ${BENCH_TRANSPORTS.filter((t) => (BENCH_REGISTRY[t] as { bystanders?: string }).bystanders !== undefined).join(', ')}`);
    }
    const ids = new Set<string>();
    for (const variant of step.variants) {
      if (ids.has(variant.id)) throw new Error(`scenario ${scenario.name}: step ${i + 1} has two variants with id "${variant.id}"`);
      ids.add(variant.id);
      const where = `scenario ${scenario.name}: step ${i + 1}, variant "${variant.id}"`;
      if ((variant.http2 === true || variant.resumeTls !== undefined) && variant.tls !== true) {
        throw new Error(`${where}: ${variant.http2 === true ? '"http2"' : '"resumeTls"'} needs "tls": true`);
      }
      if (variant.http2 === true && !(HTTP2_TRANSPORTS as readonly string[]).includes(variant.transport)) {
        throw new Error(`${where}: "http2" applies to ${inWords(HTTP2_TRANSPORTS)}, not ${variant.transport}`);
      }
      if (variant.engine !== undefined && !(isChatTransport(variant.transport) && TRANSPORT_INFO[variant.transport as Transport].receives === 'events')) {
        throw new Error(`${where}: "engine" is a Socket.IO client's engine.io transport; ${variant.transport} has none`);
      }
      if (variant.adapter !== undefined && (variant.transport !== 'socketio' || step.cluster?.backplane !== 'redis')) {
        throw new Error(`${where}: "adapter" is Socket.IO's way between instances on Redis: it needs transport socketio in a step on Redis ("cluster": { "backplane": "redis" }, or --backplane redis)`);
      }
      if (variant.tls === true && !isChatTransport(variant.transport)) throw new Error(`${where}: "tls" applies to the chat transports; the baseline ${variant.transport} is plain by design`);
      if (hasBrowserMembers(variant)) {
        const refusal = browserRefusal(variant, step) ?? browserCapacityRefusal(browserPages(step.workload, variant));
        if (refusal) throw new Error(`${where}: ${refusal}`);
      } else if (variant.membersPerPage !== undefined) throw new Error(`${where}: "membersPerPage" is for browser members ("clients": "browser")`);
      const { maxMembers } = BENCH_REGISTRY[variant.transport];
      if (maxMembers !== undefined && step.workload.members > maxMembers) {
        throw new Error(`scenario ${scenario.name}: step ${i + 1} runs ${variant.transport} with ${step.workload.members} members per room; at most ${maxMembers}`);
      }
    }
  }
  return scenario;
}

/** A network with distance runs one server in a namespace of its own: the rules that follow. */
function checkDistance(step: Step, where: string): void {
  const d = step.distance;
  if (!d) return;
  if (d.jitterMs > d.rttMs) throw new Error(`${where}: jitter ${d.jitterMs} ms is more than the RTT ${d.rttMs} ms (--jitter must be at most --rtt: a packet cannot arrive before it was sent)`);
  // The namespaces cannot reach the Redis the bench starts outside them.
  if (step.cluster && (step.cluster.instances > 1 || step.cluster.backplane !== 'memory')) {
    throw new Error(`${where}: a network with distance (--rtt) runs one server in its namespace, so it cannot be used with --instances or --backplane redis`);
  }
}

/** A scenario from a JSON file; errors say which file and which field. */
export function loadScenarioFile(path: string): Scenario {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read scenario file ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (!validateScenario(value)) {
    const e = validateScenario.errors?.[0];
    const where = e?.instancePath ? e.instancePath.slice(1).replaceAll('/', '.') : 'the scenario';
    const extra = e?.keyword === 'additionalProperties' ? ` (unknown field "${String((e.params as { additionalProperty?: unknown }).additionalProperty)}")` : '';
    const allowed = e?.keyword === 'enum' ? ` (one of ${BENCH_TRANSPORTS.join(', ')})` : '';
    throw new Error(`scenario file ${path}: ${where} ${e?.message ?? 'is not valid'}${extra}${allowed}`);
  }
  return checkScenario(resolveDefaults({ description: `from ${displayPath(path)}`, rounds: 3, generators: 1, ...value }));
}

/** A named scenario, or a JSON file when the name ends in `.json` or names a file. */
export function resolveScenario(nameOrFile: string): Scenario {
  const named = SCENARIOS[nameOrFile];
  if (named && Object.hasOwn(SCENARIOS, nameOrFile)) return resolveDefaults(named());
  if (nameOrFile.endsWith('.json') || nameOrFile.includes('/')) return loadScenarioFile(nameOrFile);
  throw new Error(`unknown scenario "${nameOrFile}"; the named ones are ${Object.keys(SCENARIOS).join(', ')}, or give a .json file`);
}

/** What the command line may change in every step of a scenario: the bench options of those names, absent unless given. */
export type ScenarioOverrides = Partial<
  Pick<BenchOptions, 'rounds' | 'generators' | 'durationMs' | 'warmupMs' | 'rooms' | 'members' | 'bodyBytes' | 'pollIntervalMs' | 'waitMs' | 'instances' | 'loss' | 'tls' | 'rtt' | 'jitter' | 'bandwidth' | 'membersPerPage'>
> & {
  /** `--clients`; absent (or empty) unless given. */
  readonly clients?: string;
  /** `--backplane`; absent (or empty) unless given. */
  readonly backplane?: string;
  /** `--socketio-adapter`; absent (or empty) unless given. */
  readonly socketioAdapter?: string;
  /** `--rate`. */
  readonly ratePerMember?: number;
  /** Keep only variants of these transports. */
  readonly transports?: readonly string[];
};

/** The scenario's steps with the variants they run on request (`Step.onRequest`) taken in when `transports` names them, and the field gone. */
function withRequested(scenario: Scenario, transports: readonly string[] | undefined): Scenario {
  if (!scenario.steps.some((step) => step.onRequest)) return scenario;
  const steps = scenario.steps.map(({ onRequest, ...step }): Step => {
    const asked = (onRequest ?? []).filter((v) => transports?.includes(v.transport));
    return asked.length > 0 ? { ...step, variants: [...step.variants, ...asked] } : step;
  });
  return { ...scenario, steps };
}

/** Applies command-line overrides to every step; drops steps left with no variant. */
export function applyOverrides(given: Scenario, o: ScenarioOverrides): Scenario {
  const scenario = withRequested(given, o.transports);
  if (o.transports) {
    for (const t of o.transports) {
      if (!(BENCH_TRANSPORTS as readonly string[]).includes(t)) {
        throw new Error(`--transports: unknown transport "${t}"; choose from ${BENCH_TRANSPORTS.join(', ')}`);
      }
    }
    // A transport asked for that this scenario does not run would be left out without a word.
    const runs = new Set(scenario.steps.flatMap((step) => step.variants.map((v) => v.transport)));
    const absent = o.transports.filter((t) => !runs.has(t as BenchTransport));
    if (absent.length > 0) {
      const elsewhere = (t: string): string[] =>
        Object.keys(SCENARIOS).filter((name) => name !== scenario.name && SCENARIOS[name]?.().steps.some((step) => [...step.variants, ...(step.onRequest ?? [])].some((v) => v.transport === t)));
      const hints = absent.map((t) => `${t} runs in ${inWords(elsewhere(t).map((name) => `--scenario ${name}`)) || 'a scenario file that names it'}`);
      throw new Error(`--transports: scenario ${scenario.name} does not run ${inWords(absent)}; ${hints.join('; ')}`);
    }
  }
  if (scenario.capacity && o.rooms !== undefined) {
    throw new Error(`--rooms cannot be used with scenario ${scenario.name}: the search sets the rooms (clients = rooms × --members); give --capacity-start and --capacity-max`);
  }
  const sweeps = (name: string): boolean => !scenario.capacity && scenario.steps.some((step) => step.x?.name === name);
  if (sweeps('clients') && o.members !== undefined) {
    throw new Error(`--members cannot be used with scenario ${scenario.name}: it varies the members per room from step to step`);
  }
  if (sweeps('pollIntervalMs') && o.pollIntervalMs !== undefined) {
    throw new Error(`--poll-interval-ms cannot be used with scenario ${scenario.name}: it varies the poll interval from step to step`);
  }
  if (sweeps('lossPct') && o.loss !== undefined) {
    throw new Error(`--loss cannot be used with scenario ${scenario.name}: it varies the packet loss from step to step (${scenario.steps.map((s) => `${s.lossPct ?? 0}%`).join(', ')})`);
  }
  if (sweeps('rttMs') && o.rtt !== undefined) {
    throw new Error(`--rtt cannot be used with scenario ${scenario.name}: it varies the round-trip time from step to step (${scenario.steps.map((s) => `${s.distance?.rttMs ?? 0} ms`).join(', ')})`);
  }
  if (o.rtt === undefined && !scenario.steps.some((s) => s.distance)) {
    if (o.jitter !== undefined) throw new Error('--jitter needs --rtt: it spreads the round trip of a network with distance');
    if (o.bandwidth !== undefined) throw new Error('--bandwidth needs --rtt: it limits the rate of a network with distance (give --rtt 0 for bandwidth alone)');
  }
  // --socketio-adapter (checked against its choices when parsed).
  const adapter = o.socketioAdapter ? (o.socketioAdapter as SocketIoRedisAdapter) : undefined;
  const changed = [
    o.rooms !== undefined ? `${o.rooms} rooms` : '',
    o.members !== undefined ? `${o.members} members` : '',
    o.ratePerMember !== undefined ? `${o.ratePerMember} msg/s each` : '',
    o.bodyBytes !== undefined ? `${o.bodyBytes}-byte bodies` : '',
    o.loss !== undefined ? `${o.loss}% packet loss` : '',
    o.rtt !== undefined ? `RTT ${o.rtt} ms` : '',
    o.jitter !== undefined ? `jitter ${o.jitter} ms` : '',
    o.bandwidth !== undefined ? `${o.bandwidth} Mbit/s` : '',
    o.tls === true ? 'over TLS' : '',
    adapter ? adapterWords(adapter) : '',
    o.clients === 'browser' ? `browser members${o.membersPerPage !== undefined ? `, ${o.membersPerPage} a page` : ''}` : '',
  ].filter(Boolean);
  if (o.membersPerPage !== undefined && o.clients !== 'browser' && !scenario.steps.some((step) => step.variants.some(hasBrowserMembers))) {
    throw new Error('--members-per-page is for browser members: give --clients browser');
  }
  const steps = scenario.steps
    .map((step): Step => {
      const w = step.workload;
      const workload: Workload = {
        rooms: o.rooms ?? w.rooms,
        members: o.members ?? w.members,
        ratePerMember: o.ratePerMember ?? w.ratePerMember,
        bodyBytes: o.bodyBytes ?? w.bodyBytes,
        durationMs: o.durationMs ?? w.durationMs,
        warmupMs: o.warmupMs ?? w.warmupMs,
        ...(w.burst ? { burst: w.burst } : {}),
        ...(w.bystanders ? { bystanders: w.bystanders } : {}),
      };
      const lossPct = o.loss ?? step.lossPct;
      const distance = distanceOf(step.distance, o);
      const ownNetwork = inOwnNetwork({ lossPct, distance });
      const variants = step.variants
        .filter((v) => !o.transports || o.transports.includes(v.transport))
        // --tls: every chat transport over TLS; a baseline is plain by design, so it is left out.
        .filter((v) => o.tls !== true || isChatTransport(v.transport))
        .map((v): Variant => (o.tls === true ? { ...v, tls: true } : v))
        // --socketio-adapter: Socket.IO's variants on that adapter; the scenario's own adapter variants would repeat them, so they are left out.
        .filter((v) => !adapter || v.adapter === undefined)
        .map((v): Variant => (adapter && v.transport === 'socketio' ? { ...v, id: `${v.id}/${adapter}-adapter`, adapter } : v))
        // --clients browser: what has a browser client here; the others (the baselines, and WebRTC outside a network of its own) are left out.
        .filter((v) => o.clients !== 'browser' || noBrowserClient(v, ownNetwork) === undefined)
        .map((v): Variant => {
          if (o.clients === 'node') return withoutBrowser(v);
          const browser = o.clients === 'browser' || hasBrowserMembers(v);
          return browser ? { ...v, clients: 'browser', ...(o.membersPerPage !== undefined ? { membersPerPage: o.membersPerPage } : {}) } : v;
        })
        .map((v): Variant => {
          const { knob } = knownFacts(v.transport);
          const given = knob === undefined ? undefined : o[knob];
          return knob !== undefined && given !== undefined ? { ...v, [knob]: given } : v;
        });
      const x = step.x?.name === 'clients' ? { ...step.x, value: workload.rooms * workload.members } : step.x;
      // --clients browser leaves out what has no browser client: said in the label, not silently.
      const noBrowser = o.clients === 'browser' ? step.variants.filter((v) => noBrowserClient(v, ownNetwork) !== undefined && (!o.transports || o.transports.includes(v.transport))).map((v) => v.id) : [];
      const stepChanged = noBrowser.length > 0 ? [...changed, `left out, no browser client: ${noBrowser.join(', ')}`] : changed;
      // A label that no longer says what runs would mislead every chart and table.
      const label = stepChanged.length > 0 ? `${step.label} [set: ${stepChanged.join(', ')}]` : step.label;
      const cluster = { ...(o.instances !== undefined ? { instances: o.instances } : {}), ...(o.backplane ? { backplane: o.backplane } : {}) };
      return applyClusterOverrides(
        { ...step, label, ...(x ? { x } : {}), workload, variants, ...(lossPct !== undefined ? { lossPct } : {}), ...(distance ? { distance } : {}) },
        cluster,
        scenario.name,
      );
    })
    .filter((step) => step.variants.length > 0);
  if (steps.length === 0) {
    throw new Error(
      `${o.transports ? `--transports ${o.transports.join(',')}` : o.tls === true ? '--tls' : '--clients browser'} leaves nothing to run in scenario ${scenario.name}${o.tls === true ? ' (--tls runs the chat transports only)' : ''}${o.clients === 'browser' ? ` (--clients browser runs ${inWords([...BROWSER_TRANSPORTS])}, and WebRTC in a step with --loss)` : ''}`,
    );
  }
  return checkScenario({
    ...scenario,
    rounds: o.rounds ?? scenario.rounds,
    generators: o.generators ?? scenario.generators,
    steps,
  });
}

/** A step's path with `--rtt`, `--jitter` and `--bandwidth` applied; absent when neither the step nor the flags ask for one. */
function distanceOf(step: Distance | undefined, o: ScenarioOverrides): Distance | undefined {
  const rttMs = o.rtt ?? step?.rttMs;
  if (rttMs === undefined) return undefined;
  const bandwidthMbit = o.bandwidth ?? step?.bandwidthMbit;
  return { rttMs, jitterMs: o.jitter ?? step?.jitterMs ?? 0, ...(bandwidthMbit !== undefined ? { bandwidthMbit } : {}) };
}

/** What the command line sets of a capacity search (the `CAPACITY_OPTIONS` of bench/run/options.ts). */
export interface CapacityOverrides {
  readonly sloMs: number;
  readonly capacityStart: number;
  readonly capacityMax: number;
  /** The growth factor of the steps. */
  readonly capacityFactor: number;
  /** Percent. */
  readonly capacityResolution: number;
  /** `--poll-interval-ms` was given: short polling keeps it instead of polling every SLO ÷ 2. */
  readonly pollIntervalGiven: boolean;
}

/**
 * A capacity scenario with its search set from the command line; throws an Error naming the
 * option when they do not fit together. Short polling polls every SLO ÷ 2 unless told otherwise:
 * at its default of 1 s its p99 is about 1 s whatever the load, so it could never meet a 250 ms SLO.
 */
export function withCapacity(scenario: Scenario, o: CapacityOverrides): Scenario {
  const template = scenario.steps[0];
  if (!scenario.capacity || !template) throw new Error(`scenario ${scenario.name} is not a capacity search`);
  const { members } = template.workload;
  if (o.capacityStart < members) {
    throw new Error(`--capacity-start ${o.capacityStart} is less than one room of ${members} members (--members); give at least ${members}`);
  }
  if (o.capacityMax < o.capacityStart) throw new Error(`--capacity-max ${o.capacityMax} is below --capacity-start ${o.capacityStart}; give a maximum at least the start`);
  const interval = Math.max(BENCH_OPTIONS.pollIntervalMs.min, Math.floor(o.sloMs / 2));
  const variants = template.variants.map((v) => (knownFacts(v.transport).knob === 'pollIntervalMs' && !o.pollIntervalGiven ? { ...v, pollIntervalMs: interval } : v));
  const rooms = Math.ceil(o.capacityStart / members);
  return {
    ...scenario,
    capacity: { ...scenario.capacity, sloMs: o.sloMs, startClients: o.capacityStart, maxClients: o.capacityMax, factor: o.capacityFactor, resolution: o.capacityResolution / 100 },
    steps: [{ ...template, x: { name: 'clients', value: rooms * members, unit: 'clients' }, workload: { ...template.workload, rooms }, variants }],
  };
}
