import { createSocket } from 'node:dgram';
import { Agent, fetch } from 'undici';
import { RTCSessionDescription, type RTCDataChannel, type RTCPeerConnection } from 'werift';
import {
  RTC_CHANNELS,
  RTC_OFFER_PATH,
  messagesPath,
  type ChatMessage,
  type ClientFrame,
  type ErrorAnswer,
  type PollAnswer,
  type RtcAnswer,
  type RtcOffer,
  type ServerFrame,
} from '../contract/index.ts';
import { createLoopbackPeer, describeLocally, loopbackOnly, udpPayloadBytes } from './loopback.ts';
import { sendUnreliably } from './unreliable.ts';
import { FrameChatClient } from '../clients/frame-chat-client.ts';
import { SeqTracker, emptyGapCounts, type GapCounts } from '../clients/seq-tracker.ts';
import { ClientError, type ChatClient, type ClientCounters, type ClientOptions } from '../clients/types.ts';

/**
 * How long one attempt has to connect (signalling, ICE, DTLS, SCTP, the channels open), ms. On
 * loopback an attempt takes 0.2 to 1.2 s; a failed one usually says so at once (the peer fails),
 * and this bounds one that hangs, which is then tried again.
 */
export const CONNECT_TIMEOUT_MS = 8000;
/**
 * Peers of one process connecting at once; the others wait their turn. A connection costs each end
 * about 20 ms of CPU (ECDSA, ECDH, DTLS in JavaScript) and waits on timers: a generator connecting
 * its 100 clients at once (its usual 100 at a time) starved every handshake past the timeout.
 */
export const MAX_CONCURRENT_CONNECTS = 8;
let connecting = 0;
const waitingToConnect: (() => void)[] = [];

/** Waits for a connection slot of this process; resolves with its release. */
async function connectSlot(): Promise<() => void> {
  if (connecting >= MAX_CONCURRENT_CONNECTS) await new Promise<void>((resolve) => waitingToConnect.push(resolve));
  connecting++;
  return () => {
    connecting--;
    waitingToConnect.shift()?.();
  };
}
/**
 * Tries of one `connect` whose peer failed to connect. werift's DTLS client (this side: the server
 * answers a=setup:passive) fails the handshake when a HelloVerifyRequest comes twice (its Flight3
 * throws on a second one): that happens when it handles the first one over 500 ms late, resends its
 * ClientHello and is answered again, as in a cold or busy process, or when a datagram is lost. A new
 * peer connects then. Refusals by the server (BUSY, UNAUTHORIZED) are not tried again.
 */
export const CONNECT_ATTEMPTS = 3;
/** The largest message the client takes on a channel: a replay piece is at most 64 KiB, a single message at most maxBodyBytes (≤ 1 MiB). */
const CLIENT_MAX_MESSAGE_BYTES = 2 * 1024 * 1024;
/** On `chat-lossy`, a subscribe (or its answer) may be lost: it is sent again this often until answered, ms. */
export const SUBSCRIBE_RETRY_MS = 250;
/** … at most this many times; then the subscription fails. */
export const SUBSCRIBE_TRIES = 20;
/** A gap on `chat-lossy` waits this long for a late arrival before it is fetched over HTTP (when asked), ms. */
export const GAP_GRACE_MS = 50;
/** The most seqs one gap fetch asks for (the contract's largest `limit`). */
const GAP_FETCH_LIMIT = 1000;

/**
 * A WebRTC client on werift: one peer connection to the server, signalled by `POST /rtc/offer`,
 * with the data channel `chat` (and `chat-lossy` when `channel: 'lossy'`). Rooms are received on
 * the chosen channel; sends always go on `chat`, so an acknowledgement is never lost. After an
 * unexpected end (the peer failed, the channel was closed) it connects again and subscribes with
 * the last cursor of each room.
 *
 * On `chat-lossy` frames may be lost or reordered: each room's messages pass a `SeqTracker`, so
 * each seq is delivered once (not always in seq order), and gaps are counted in `gapCounts`; with
 * `fetchGaps` the missing seqs are fetched over HTTP, otherwise the client measures what arrives.
 *
 * Bytes: `bytesWritten`/`bytesRead` are the UDP payload bytes (DTLS records, SCTP inside) of the
 * selected candidate pair, as werift counts them, plus the bodies of the HTTP requests and answers
 * (signalling, gap fetches) without their headers; ICE connectivity checks are not counted.
 */
export class WebRtcChatClient extends FrameChatClient implements ChatClient {
  readonly transport = 'webrtc' as const;
  /** On `chat-lossy`: gaps, late arrivals, fetched seqs and dropped duplicates, over all rooms. */
  readonly gapCounts: GapCounts = emptyGapCounts();
  private readonly lossy: boolean;
  private readonly trackers = new Map<string, SeqTracker>();
  private readonly gapTimers = new Map<string, NodeJS.Timeout>();
  private readonly retries = new Set<NodeJS.Timeout>();
  private pc: RTCPeerConnection | undefined;
  /** Signalling and fetches over https trusting `ca`. */
  private tlsAgent: Agent | undefined;
  private chat: RTCDataChannel | undefined;
  private receiving: RTCDataChannel | undefined;
  /** UDP payload bytes of peers already closed, and HTTP body bytes. */
  private readonly bytes = { written: 0, read: 0 };

  constructor(options: ClientOptions) {
    super(options);
    this.lossy = options.channel === 'lossy';
  }

  get counters(): Readonly<ClientCounters> {
    const live = this.pc ? udpPayloadBytes(this.pc) : { sent: 0, received: 0 };
    this.counters_.bytesWritten = this.bytes.written + live.sent;
    this.counters_.bytesRead = this.bytes.read + live.received;
    return this.counters_;
  }

  async connect(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const release = await connectSlot();
      try {
        await this.open();
        return;
      } catch (error) {
        if ((error as ClientError).code !== 'NETWORK' || attempt >= CONNECT_ATTEMPTS || this.closed) throw error;
        this.counters_.errors++;
      } finally {
        release();
      }
    }
  }

  /**
   * The address this client's peer binds and offers: the one the kernel would send from toward the
   * server (a UDP socket connected there sends nothing): 127.0.0.1 on loopback, 198.18.0.1 across
   * the bench's network with distance.
   */
  private async localHost(): Promise<string> {
    const { hostname } = new URL(this.options.url);
    const socket = createSocket('udp4');
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.connect(9, hostname.replace(/^\[|\]$/g, ''), () => resolve());
      });
      return socket.address().address;
    } finally {
      socket.close();
    }
  }

  /** One peer connection: signalled, connected, its channels open. */
  private async open(): Promise<void> {
    const pc = createLoopbackPeer(CLIENT_MAX_MESSAGE_BYTES, await this.localHost());
    const chat = pc.createDataChannel(RTC_CHANNELS.reliable);
    const receiving = this.lossy ? pc.createDataChannel(RTC_CHANNELS.lossy, { ordered: false, maxRetransmits: 0 }) : chat;
    if (receiving !== chat) sendUnreliably(receiving);
    this.pc = pc;
    this.chat = chat;
    this.receiving = receiving;
    this.counters_.connections++;
    for (const channel of new Set([chat, receiving])) channel.onMessage.subscribe((data) => this.onData(pc, data));
    let timer: NodeJS.Timeout | undefined;
    try {
      const answer = await this.signal(await describeLocally(pc, await pc.createOffer()));
      await pc.setRemoteDescription(new RTCSessionDescription(loopbackOnly(answer.sdp).sdp, 'answer'));
      await new Promise<void>((resolve, reject) => {
        timer = setTimeout(() => reject(new ClientError(`the peer did not connect within ${CONNECT_TIMEOUT_MS} ms`, 'NETWORK')), CONNECT_TIMEOUT_MS);
        const check = (state = pc.connectionState): void => {
          if (state === 'failed' || state === 'closed') reject(new ClientError(`the peer connection ${state} before its channels opened`, 'NETWORK'));
          else if (chat.readyState === 'open' && receiving.readyState === 'open') resolve();
        };
        pc.connectionStateChange.subscribe((state) => check(state));
        chat.stateChanged.subscribe(() => check());
        receiving.stateChanged.subscribe(() => check());
        check();
      });
    } catch (error) {
      void this.retire(pc).catch(() => undefined);
      throw error;
    } finally {
      clearTimeout(timer);
    }
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'failed' || state === 'closed') this.onLost(pc, `peer connection ${state}`);
    });
    for (const channel of new Set([chat, receiving])) {
      channel.stateChanged.subscribe((state) => {
        if (state === 'closed') this.onLost(pc, `data channel ${channel.label} closed`);
      });
    }
    this.failures = 0;
  }

  override subscribe(room: string, cursor?: string): Promise<string> {
    const subscribed = super.subscribe(room, cursor);
    if (this.lossy) this.resendWhileUnanswered(room, cursor);
    return subscribed;
  }

  override unsubscribe(room: string): void {
    this.trackers.delete(room);
    clearTimeout(this.gapTimers.get(room));
    this.gapTimers.delete(room);
    super.unsubscribe(room);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    for (const timer of [...this.gapTimers.values(), ...this.retries]) clearTimeout(timer);
    this.gapTimers.clear();
    this.retries.clear();
    void this.tlsAgent?.close().catch(() => undefined);
    const pc = this.pc;
    if (!pc) return;
    this.frames.failAll(new ClientError('the client closed', 'NETWORK'));
    await this.retire(pc);
  }

  /** POSTs the offer; the answer, or a `ClientError` with the server's code. */
  private async signal(sdp: string): Promise<RtcAnswer> {
    const offer: RtcOffer = { type: 'offer', sdp };
    const body = JSON.stringify(offer);
    this.counters_.requests++;
    this.bytes.written += Buffer.byteLength(body);
    const headers: Record<string, string> = { 'content-type': 'application/json', ...this.authorization() };
    let response: Response;
    try {
      response = await fetch(new URL(RTC_OFFER_PATH, this.options.url), { method: 'POST', headers, body, signal: AbortSignal.timeout(CONNECT_TIMEOUT_MS), ...this.dispatcher() });
    } catch (error) {
      throw new ClientError(`could not reach ${this.options.url}: ${(error as Error).message}`, 'NETWORK');
    }
    const text = await response.text();
    this.bytes.read += Buffer.byteLength(text);
    if (response.status !== 201) {
      const { error } = JSON.parse(text) as ErrorAnswer;
      throw new ClientError(error.message, error.code, response.status);
    }
    return JSON.parse(text) as RtcAnswer;
  }

  /** Over https with a certificate to trust (`ca`): an undici agent that trusts it, made once. */
  private dispatcher(): { dispatcher?: Agent } {
    const { ca } = this.options;
    if (ca === undefined || !this.options.url.startsWith('https:')) return {};
    this.tlsAgent ??= new Agent({ connect: { ca } });
    return { dispatcher: this.tlsAgent };
  }

  private authorization(): Record<string, string> {
    return this.options.token ? { authorization: `Bearer ${this.options.token}` } : {};
  }

  /** Writes a frame: sends on `chat`, the rest on the receiving channel. False when it is not open. */
  protected override write(frame: ClientFrame): boolean {
    const channel = frame.type === 'send' ? this.chat : this.receiving;
    if (channel?.readyState !== 'open') return false;
    try {
      channel.send(JSON.stringify(frame));
    } catch {
      return false; // over the server's max-message-size
    }
    return true;
  }

  private onData(pc: RTCPeerConnection, data: string | Buffer): void {
    if (pc !== this.pc || typeof data !== 'string') return;
    this.frames.receive(JSON.parse(data) as ServerFrame);
  }

  /** Messages of a room: straight through on `chat`; once each, gaps counted, on `chat-lossy`. */
  protected override deliver(room: string, messages: readonly ChatMessage[], cursor: string): void {
    if (!this.lossy) {
      this.options.onMessages?.(room, messages);
      return;
    }
    let tracker = this.trackers.get(room);
    if (!tracker) this.trackers.set(room, (tracker = new SeqTracker(this.gapCounts)));
    const fresh = tracker.accept(messages, cursor);
    if (fresh.length > 0) this.options.onMessages?.(room, fresh);
    if (this.options.fetchGaps && tracker.missingCount > 0 && !this.gapTimers.has(room)) {
      this.gapTimers.set(room, setTimeout(() => void this.fetchGap(room), GAP_GRACE_MS));
    }
  }

  /** Fetches what a room's gaps left out over HTTP, again while some is missing. */
  private async fetchGap(room: string): Promise<void> {
    this.gapTimers.delete(room);
    const tracker = this.trackers.get(room);
    const gap = tracker?.gap();
    if (!tracker || !gap || this.closed) return;
    const query = new URLSearchParams({ cursor: gap.cursor, limit: String(Math.min(gap.count, GAP_FETCH_LIMIT)) });
    this.counters_.requests++;
    try {
      const response = await fetch(new URL(`${messagesPath(room)}?${query.toString()}`, this.options.url), { headers: this.authorization(), signal: AbortSignal.timeout(CONNECT_TIMEOUT_MS), ...this.dispatcher() });
      const text = await response.text();
      this.bytes.read += Buffer.byteLength(text);
      if (response.status !== 200) {
        const { error } = JSON.parse(text) as ErrorAnswer;
        throw new ClientError(error.message, error.code, response.status);
      }
      const page = JSON.parse(text) as PollAnswer;
      if (this.trackers.get(room) !== tracker) return;
      const fresh = tracker.accept(page.messages, page.cursor, true);
      if (fresh.length > 0) this.options.onMessages?.(room, fresh);
    } catch (error) {
      this.counters_.errors++;
      this.options.onEvent?.({ type: 'poll-failed', room, error: error as Error });
      if ((error as ClientError).code === 'CURSOR_EXPIRED') return;
    }
    if (tracker.missingCount > 0 && !this.closed && !this.gapTimers.has(room)) this.gapTimers.set(room, setTimeout(() => void this.fetchGap(room), GAP_GRACE_MS));
  }

  /** On `chat-lossy`: sends the subscribe again until the server answered it, at most `SUBSCRIBE_TRIES` times. */
  private resendWhileUnanswered(room: string, cursor: string | undefined, tries = 1): void {
    const timer = setTimeout(() => {
      this.retries.delete(timer);
      if (this.closed || !this.frames.isSubscribing(room)) return;
      if (tries >= SUBSCRIBE_TRIES) {
        this.frames.failSubscribe(room, new ClientError(`no answer to subscribe ${room} on ${RTC_CHANNELS.lossy} after ${tries} tries`, 'NETWORK'));
        return;
      }
      this.write(cursor === undefined ? { type: 'subscribe', room } : { type: 'subscribe', room, cursor });
      this.resendWhileUnanswered(room, cursor, tries + 1);
    }, SUBSCRIBE_RETRY_MS);
    this.retries.add(timer);
  }

  private onLost(pc: RTCPeerConnection, why: string): void {
    if (pc !== this.pc || this.closed) return;
    this.frames.failAll(new ClientError(`connection lost (${why})`, 'NETWORK'));
    void this.retire(pc).catch(() => undefined);
    this.lost(0, why);
  }

  /** Closes a peer, keeping its byte counts. */
  private async retire(pc: RTCPeerConnection): Promise<void> {
    if (pc === this.pc) {
      const { sent, received } = udpPayloadBytes(pc);
      this.bytes.written += sent;
      this.bytes.read += received;
      this.pc = undefined;
      this.chat = undefined;
      this.receiving = undefined;
    }
    await pc.close();
  }

  protected override async reconnect(): Promise<void> {
    if (this.closed) return;
    try {
      await this.connect();
    } catch {
      if (!this.closed) this.retryLater();
      return;
    }
    this.reconnected();
  }
}

export function createWebRtcClient(options: ClientOptions): WebRtcChatClient {
  return new WebRtcChatClient(options);
}
