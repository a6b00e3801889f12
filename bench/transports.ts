/**
 * The bench's side of every transport, declared once: the client the generator drives, the process
 * that serves it, and what the bench holds it to. What a transport is (its name, label, knob,
 * colour) is pure data in servers/contract/transports.ts and bench/model/results.ts (TRANSPORT_FACTS);
 * its server is in servers/transports.ts, and the baseline servers in bench/baselines/index.ts. A new transport is a folder in servers/, a client in
 * bench/clients/ and an entry in each of those registries.
 */
import type { Transport } from '../servers/contract/index.ts';
import type { ChatClient, ClientOptions } from './clients/types.ts';
import type { BenchTransport, Variant } from './model/results.ts';

/** A client of a chat transport or of the raw `ws` baseline, as the harness drives them. */
export type BenchClient = Omit<ChatClient, 'transport'> & { readonly transport: BenchTransport };

export interface BenchEntry<T extends BenchTransport> {
  /**
   * Its client's module, loaded when asked for (a generator loads its own transport's libraries
   * only: werift alone takes about 0.34 s); the function makes a client, `transport` the name it goes by.
   */
  readonly client: () => Promise<(transport: T, options: ClientOptions) => T extends Transport ? ChatClient : BenchClient>;
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
}

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
  'short-polling': { client: async () => (await import('./clients/short-polling.ts')).createShortPollingClient, bystanders: 'poll' },
  'long-polling': { client: async () => (await import('./clients/long-polling.ts')).createLongPollingClient, scaleTarget: { what: 'held long polls', generatorFree: true }, bystanders: 'held-poll' },
  websocket: { client: async () => withoutName((await import('./clients/websocket.ts')).createWebSocketClient), scaleTarget: { what: 'WebSocket clients' }, bystanders: 'socket' },
  sse: { client: async () => withoutName((await import('./clients/sse.ts')).createSseClient), scaleTarget: { what: 'SSE streams' }, bystanders: 'stream' },
  // A werift peer costs its generator and server several times a WebSocket (servers/webrtc/README.md):
  // the sweeps to 5,000 clients cannot carry it, and the default run would take a third longer.
  webrtc: { client: async () => withoutName((await import('./clients/webrtc.ts')).createWebRtcClient), maxMembers: WEBRTC_MAX_MEMBERS, channels: ['reliable', 'lossy'], compared: false },
  'raw-ws': {
    client: async () => {
      const { RawWsClient } = await import('./clients/raw-ws.ts');
      return (_transport, options) => new RawWsClient(options);
    },
    maxMembers: RAW_WS_MAX_MEMBERS,
  },
};

/** A client factory that needs no transport name, as one that takes it. */
function withoutName<C>(make: (options: ClientOptions) => C): (transport: unknown, options: ClientOptions) => C {
  return (_transport, options) => make(options);
}

/** A chat client of one transport; every transport behind the same interface. */
export async function createClient(transport: Transport, options: ClientOptions): Promise<ChatClient> {
  return (await (BENCH_REGISTRY[transport].client as BenchEntry<Transport>['client'])())(transport, options);
}

/** The client of any transport the harness runs, the raw baseline included. */
export async function createBenchClient(transport: BenchTransport, options: ClientOptions): Promise<BenchClient> {
  return (await (BENCH_REGISTRY[transport].client as BenchEntry<BenchTransport>['client'])())(transport, options);
}
