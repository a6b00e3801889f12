import { randomUUID } from 'node:crypto';
import { RTCSessionDescription, type RTCDataChannel, type RTCPeerConnection } from 'werift';
import { ChatError, RTC_CHANNELS, type RtcAnswer, type RtcOffer, type ServerOptions } from '../contract/index.ts';
import type { Backplane } from '../backplane/index.ts';
import { CLOSE, Connection, type ConnectionCounters } from '../websocket/connection.ts';
import type { Fanout } from '../websocket/fanout.ts';
import { DataChannelFrames } from './data-channel.ts';
import { createLoopbackPeer, describeLocally, iceHostFor } from './loopback.ts';
import { sendUnreliably } from './unreliable.ts';

/**
 * How long an answered peer has to connect (ICE, DTLS, SCTP) before it is dropped, ms. On loopback a
 * werift pair connects in 0.2 to 0.8 s; a client that sends an offer and never connects holds a
 * UDP socket and a slot of `maxPeers` until then.
 */
export const PEER_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Most data channels one peer may have open at once. A client needs two (`chat`, `chat-lossy`);
 * each channel is a session with its own buffers (one peer opened 1,000 `chat` channels and grew
 * the server 22 MiB). One more is closed at once, and counted in `refusedChannels`.
 */
export const MAX_CHANNELS_PER_PEER = 8;

/** Server-wide counters the peers add to. */
export interface PeerCounters extends ConnectionCounters {
  /** Peers dropped because they failed (ICE consent expired, DTLS or SCTP ended) or never connected. */
  droppedPeers: number;
  /** Data channels closed at once: a label neither `chat` nor `chat-lossy`, or one over `MAX_CHANNELS_PER_PEER`. */
  refusedChannels: number;
}

interface Peer {
  readonly id: string;
  readonly pc: RTCPeerConnection;
  readonly sessions: Set<Connection<DataChannelFrames>>;
  connectTimer: NodeJS.Timeout | undefined;
}

/**
 * The peer connections of one server: answers offers, runs one session per data channel, drops
 * peers that fail, closes them all on shutdown.
 */
export class Peers {
  private readonly peers = new Map<string, Peer>();
  /** Offers being answered: they hold a slot of `maxPeers` already. */
  private answering = 0;
  private closing = false;

  constructor(
    private readonly options: ServerOptions,
    private readonly backplane: Backplane,
    private readonly fanout: Fanout,
    readonly counters: PeerCounters,
  ) {}

  /** Peers connected or being answered. */
  get size(): number {
    return this.peers.size + this.answering;
  }

  /** Every open session (data channel) over all peers. */
  *sessions(): Iterable<Connection<DataChannelFrames>> {
    for (const peer of this.peers.values()) yield* peer.sessions;
  }

  /**
   * Answers a checked offer (offer.ts) with a complete answer, loopback candidates only.
   * `BUSY` beyond `maxPeers`, `BAD_REQUEST` for an offer werift cannot take, `SHUTTING_DOWN` once
   * the server is closing.
   */
  async answer(offer: RtcOffer): Promise<RtcAnswer> {
    if (this.closing) throw new ChatError('SHUTTING_DOWN', 'the server is shutting down');
    if (this.size >= this.options.maxPeers) {
      throw new ChatError('BUSY', `the server has ${this.options.maxPeers} peer connections (option maxPeers); close one or retry later`);
    }
    this.answering++;
    const peer: Peer = { id: randomUUID(), pc: createLoopbackPeer(this.options.maxPayloadBytes, iceHostFor(this.options.host)), sessions: new Set(), connectTimer: undefined };
    let sdp: string;
    try {
      peer.pc.onDataChannel.subscribe((channel) => this.openSession(peer, channel));
      try {
        await peer.pc.setRemoteDescription(new RTCSessionDescription(offer.sdp, 'offer'));
      } catch (error) {
        throw new ChatError('BAD_REQUEST', `the offer could not be applied: ${(error as Error).message}`);
      }
      // The server is the DTLS server (a=setup:passive), the client the DTLS client. werift's answerer
      // would be the client, and its DTLS client fails a handshake that gets a second
      // HelloVerifyRequest (a slow or lossy handshake): the peer failed on the server's side while
      // the client, seeing nothing, waited for its timeout. Failing on the client's side, it is
      // seen at once and the client tries again.
      for (const dtls of peer.pc.dtlsTransports) dtls.role = 'server';
      sdp = await describeLocally(peer.pc, await peer.pc.createAnswer());
    } catch (error) {
      void peer.pc.close().catch(() => undefined);
      throw error;
    } finally {
      this.answering--;
    }
    if (this.closing) {
      void peer.pc.close().catch(() => undefined);
      throw new ChatError('SHUTTING_DOWN', 'the server is shutting down');
    }
    this.peers.set(peer.id, peer);
    peer.connectTimer = setTimeout(() => this.end(peer, true), PEER_CONNECT_TIMEOUT_MS);
    peer.pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') clearTimeout(peer.connectTimer);
      if (state === 'failed' || state === 'closed') this.end(peer, true);
    });
    // A client that closes its peer ends the SCTP association (werift's connection state stays
    // "connected" until ICE consent expires, 30 s later): the peer ends with it.
    peer.pc.sctpTransport?.sctp.stateChanged.closed.subscribe(() => this.end(peer, false));
    return { type: 'answer', sdp, peer: peer.id };
  }

  /** Closes the answered peer `id` whose client left before it got the answer (it would never connect). */
  drop(id: string): void {
    const peer = this.peers.get(id);
    if (peer) this.end(peer, false);
  }

  /** Closes every peer; resolves when werift closed them, or after `shutdownGraceMs`. */
  async closeAll(): Promise<void> {
    this.closing = true;
    const closing = [...this.peers.values()].map((peer) => this.close(peer));
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(closing), new Promise<void>((resolve) => (grace = setTimeout(resolve, this.options.shutdownGraceMs)))]);
    clearTimeout(grace);
  }

  /**
   * A channel the client opened: `chat` and `chat-lossy` become sessions, up to
   * `MAX_CHANNELS_PER_PEER` at once; any other label, or a channel beyond that, is closed.
   */
  private openSession(peer: Peer, channel: RTCDataChannel): void {
    if ((channel.label !== RTC_CHANNELS.reliable && channel.label !== RTC_CHANNELS.lossy) || peer.sessions.size >= MAX_CHANNELS_PER_PEER) {
      this.counters.refusedChannels++;
      // werift marks the channel open right after announcing it: close it once that is done.
      queueMicrotask(() => channel.close());
      return;
    }
    // The label is the contract: unordered, no retransmits, whatever the open message said. (A
    // werift client's DATA_CHANNEL_OPEN loses `ordered: false` when maxRetransmits is set: its
    // dataChannelOpen assigns the channel type 0x01 over 0x80.)
    if (channel.label === RTC_CHANNELS.lossy) sendUnreliably(channel);
    const frames = new DataChannelFrames(channel, this.options.maxPayloadBytes);
    const session = new Connection(frames, this.backplane, this.fanout, this.options, this.counters);
    frames.deliverTo(session);
    peer.sessions.add(session);
    session.onClosed(() => peer.sessions.delete(session));
  }

  /** A peer that ended: `failed` (counted) or never connected, or closed by its client. */
  private end(peer: Peer, failed: boolean): void {
    if (!this.peers.has(peer.id)) return;
    if (failed) this.counters.droppedPeers++;
    void this.close(peer).catch(() => undefined);
  }

  private async close(peer: Peer): Promise<void> {
    clearTimeout(peer.connectTimer);
    this.peers.delete(peer.id);
    for (const session of peer.sessions) session.close(CLOSE.GOING_AWAY, 'SHUTTING_DOWN');
    await peer.pc.close();
  }
}
