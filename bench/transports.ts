/**
 * The bench's side of every transport, declared once: what the bench holds it to, and the client of
 * a baseline. What a transport is (its name, label, knob, colour) is pure data in
 * servers/contract/transports.ts and bench/model/results.ts (TRANSPORT_FACTS); its server and client
 * are in its room, servers/<name>/, registered in servers/transports.ts; the baseline servers are in
 * bench/baselines/index.ts.
 */
import type { Transport } from '../servers/contract/index.ts';
import { createClient, loadClient } from '../servers/transports.ts';
import type { ChatClient, ClientOptions } from '../servers/clients/types.ts';
import { isBaseline } from './baselines/index.ts';
import type { BenchTransport, FigureKey, Variant } from './model/results.ts';

/** A client of a chat transport or of the raw `ws` baseline, as the harness drives them. */
export type BenchClient = Omit<ChatClient, 'transport'> & { readonly transport: BenchTransport };

/** A baseline's client, loaded when asked for (a chat transport's is in its room, servers/transports.ts). */
type BaselineClient<T extends BenchTransport> = T extends Transport ? { readonly client?: never } : { readonly client: () => Promise<(options: ClientOptions) => BenchClient> };

export type BenchEntry<T extends BenchTransport> = BaselineClient<T> & {
  /** Most members per room the generator can drive, when it has such a bound. */
  readonly maxMembers?: number;
  /**
   * What the scale target's clients are for it ("held long polls"), when it is held to that target;
   * `generatorFree`: the target also asks that the generator was not the bottleneck (issue 10).
   */
  readonly scaleTarget?: { readonly what: string; readonly generatorFree?: true };
  /**
   * `false`: the named scenarios that compare every transport leave it out, and it runs in those
   * that name it. Absent: compared everywhere.
   */
  readonly compared?: false;
  /**
   * The named scenarios it joins although `compared` is `false`: their steps that run every
   * compared transport run it too.
   */
  readonly joins?: readonly JoinableScenario[];
  /**
   * The channels of a transport that has several (WebRTC's data channels: `reliable`, `chat`, and
   * `lossy`, `chat-lossy`, which drops by design): the lossy scenario runs it once per channel, as
   * variants `<transport>/<channel>` with `Variant.channel` set. Absent: one variant, the transport
   * itself.
   */
  readonly channels?: readonly NonNullable<Variant['channel']>[];
  /**
   * How the soak's bystanders (generator/bystanders.ts) join a room of it: on an event `stream`
   * (`GET /rooms/:room/events`), by `held-poll`s or `poll`s of `GET /rooms/:room/messages`, or
   * on a WebSocket (`socket`). Absent: the soak does not run it.
   */
  readonly bystanders?: 'stream' | 'held-poll' | 'poll' | 'socket';
  /** What a run's targets (bench/run/targets.ts) hold it to against another transport in the same step. */
  readonly ratioTargets?: readonly RatioTarget[];
};

/** A figure of a transport held to at most `limit` times another's, in the same step. */
export interface RatioTarget {
  readonly against: BenchTransport;
  readonly figure: FigureKey;
  readonly limit: number;
  /** The target's name in the run's summary and report. */
  readonly name: string;
  /** What the limit multiplies, in words: "WebSocket's p50". */
  readonly what: string;
}

/** SSE against WebSocket in the same step, p50 and server CPU per delivered message: a push over a stream costs about a frame (issue 21). */
export const SSE_TO_WS_LIMIT = 1.2;

/** The named scenarios a transport left out of the comparisons may join (`BenchEntry.joins`). */
export type JoinableScenario = 'scale' | 'capacity';

/** The raw baseline keeps a ledger per (receiver, sender): above this many members per room it costs the generator too much. */
export const RAW_WS_MAX_MEMBERS = 200;

/**
 * A werift peer is a UDP socket with ICE, DTLS and SCTP in JavaScript, in the generator as in the
 * server (servers/webrtc/README.md, "What werift costs": 5 to 7 times ws's CPU per frame, about 1 ms a second
 * idle). One generator process driving 100 peers at 1 message a second each was already the
 * bottleneck (sends 0.1 to 1.1 s late at p99), so a room of more than this many members is beyond
 * what one process carries at any rate worth measuring.
 */
export const WEBRTC_MAX_MEMBERS = 100;

/** Every transport the bench runs, the raw `ws` baseline included. */
export const BENCH_REGISTRY: { readonly [T in BenchTransport]: BenchEntry<T> } = {
  'short-polling': { bystanders: 'poll' },
  'long-polling': { scaleTarget: { what: 'held long polls', generatorFree: true }, bystanders: 'held-poll' },
  websocket: { scaleTarget: { what: 'WebSocket clients' }, bystanders: 'socket' },
  sse: {
    scaleTarget: { what: 'SSE streams' },
    bystanders: 'stream',
    ratioTargets: [
      { against: 'websocket', figure: 'latency.p50', limit: SSE_TO_WS_LIMIT, name: 'SSE p50 against WebSocket', what: "WebSocket's p50" },
      { against: 'long-polling', figure: 'latency.p50', limit: 1, name: 'SSE p50 against long polling', what: "long polling's p50: never slower" },
      { against: 'websocket', figure: 'perDelivered.serverCpuUs', limit: SSE_TO_WS_LIMIT, name: 'SSE server CPU per message against WebSocket', what: "WebSocket's server CPU per delivered message" },
    ],
  },
  // A werift peer costs its generator and server several times a WebSocket (servers/webrtc/README.md):
  // the sweeps to 5,000 clients cannot carry it, and the default run would take a third longer.
  webrtc: { maxMembers: WEBRTC_MAX_MEMBERS, channels: ['reliable', 'lossy'], compared: false },
  // The framework beside the transports under it in its own scenario (socketio), on its default
  // engine in the sweeps and over lossy and distant networks. Not in the default comparison, whose
  // time goal (issue 21) it would move further off: 3 trials more of 15, about a fifth of the run by
  // that arithmetic (not measured).
  socketio: { compared: false, joins: ['scale', 'capacity'] },
  'raw-ws': {
    client: async () => {
      const { RawWsClient } = await import('./baselines/raw-ws-client.ts');
      return (options) => new RawWsClient(options);
    },
    maxMembers: RAW_WS_MAX_MEMBERS,
  },
};

/**
 * Loads the client code of any transport the harness runs without making a client: a generator
 * does this as soon as it starts, before its plan comes (bench/run/trial.ts, started ahead).
 */
export async function loadBenchClient(transport: BenchTransport): Promise<void> {
  if (isBaseline(transport)) await BENCH_REGISTRY[transport].client();
  else await loadClient(transport);
}

/** The client of any transport the harness runs, the raw baseline included. */
export async function createBenchClient(transport: BenchTransport, options: ClientOptions): Promise<BenchClient> {
  if (isBaseline(transport)) return (await BENCH_REGISTRY[transport].client())(options);
  return createClient(transport, options);
}
