import type { RTCDataChannel } from 'werift';
import { FIRST_FRAGMENT, LAST_FRAGMENT, serialGt } from './sctp-chunk.ts';

/**
 * The `maxRetransmits` werift must be given for "no retransmission". Its SCTP abandons a chunk when
 * `!!chunk.maxRetransmits && chunk.maxRetransmits < chunk.sentCount` (werift 0.25,
 * packages/sctp/src/sctp.ts, `maybeAbandon`): 0 is falsy, so `maxRetransmits: 0` retransmits
 * forever, a reliable channel. (Its `maxPacketLifeTime` never abandons either: the expiry is set in
 * ms and compared with seconds.) 0.5 is truthy and below the first send's count of 1: a chunk is
 * abandoned the first time it would be sent again.
 */
export const WERIFT_NO_RETRANSMITS = 0.5;

/** The parameters werift keeps for a channel (private in its types). */
interface ChannelParameters {
  ordered: boolean;
  maxRetransmits?: number;
}

/**
 * Makes what werift sends on `channel` unordered and never retransmitted, as `chat-lossy` promises.
 * Call it once the channel exists; its DATA_CHANNEL_OPEN, if this side sent one, is already built.
 */
export function sendUnreliably(channel: RTCDataChannel): void {
  const parameters = (channel as unknown as { parameters: ChannelParameters }).parameters;
  parameters.ordered = false;
  parameters.maxRetransmits = WERIFT_NO_RETRANSMITS;
}

/** A DATA chunk in werift's SCTP send queue, as much of it as abandoning reads and marks. */
export interface SentChunk {
  flags: number;
  sentCount: number;
  maxRetransmits?: number;
  /** Seconds since the epoch, as werift compares it (it sets it in ms: never reached). */
  expiry?: number;
  abandoned?: boolean;
  retransmit?: boolean;
}

/** werift's SCTP association (private in its types): its chunks sent and not yet acknowledged. */
interface Association {
  sentQueue: SentChunk[];
}

/**
 * werift's `maybeAbandon`, mended: abandons the fragments of `chunk`'s own message, and nothing else.
 *
 * werift (0.25.2, packages/sctp/src/sctp.ts, `maybeAbandon`; lib/index.mjs line 16654) finds the
 * message to abandon with `sentQueue.findIndex((v) => v.type === chunk.type)`: every queued chunk is
 * a DATA chunk, so that is always the head of the queue, whatever channel it belongs to. Walking
 * back it also stops at a last fragment instead of a first. So when a `chat-lossy` message is given
 * up, the oldest unacknowledged message of the association is abandoned in its place, often one of
 * the reliable `chat` channel (an ack), and a FORWARD TSN then tells the peer to skip it for good:
 * a send "never acknowledged" although the server stored it (seen at 5% loss, 1 in 75 sends of a
 * chat-lossy trial). This is aiortc's `_maybe_abandon` (rtcsctptransport.py), which werift's is
 * ported from, with werift's own test for when a chunk is due (kept, for {@link WERIFT_NO_RETRANSMITS}).
 */
export function maybeAbandon(this: Association, chunk: SentChunk): boolean {
  if (chunk.abandoned) return true;
  const due = (!!chunk.maxRetransmits && chunk.maxRetransmits < chunk.sentCount) || (!!chunk.expiry && chunk.expiry < Date.now() / 1000);
  if (!due) return false;
  const mark = (c: SentChunk): void => {
    c.abandoned = true;
    c.retransmit = false;
  };
  const at = this.sentQueue.indexOf(chunk);
  if (at < 0) {
    mark(chunk);
    return true;
  }
  for (let pos = at; pos >= 0; pos--) {
    const c = this.sentQueue[pos] as SentChunk;
    mark(c);
    if (c.flags & FIRST_FRAGMENT) break;
  }
  for (let pos = at; pos < this.sentQueue.length; pos++) {
    const c = this.sentQueue[pos] as SentChunk;
    mark(c);
    if (c.flags & LAST_FRAGMENT) break;
  }
  return true;
}

/** werift's SCTP association, as much of it as resending a FORWARD TSN reads and sets. */
interface ForwardingAssociation {
  /** The peer's cumulative TSN, from its last SACK. */
  lastSackedTsn: number;
  /** What the last FORWARD TSN moved the peer's cumulative TSN to (RFC 3758's Advanced.Peer.Ack.Point). */
  advancedPeerAckTsn: number;
  /** A FORWARD TSN to send with the next transmission, when set. */
  forwardTsnChunk?: object | undefined;
  /** The retransmission timeout, seconds. */
  rto: number;
  updateAdvancedPeerAckPoint(): void;
}

/** What the mend keeps per association: the last FORWARD TSN made, and when it was sent again. */
const forwarded = new WeakMap<object, { chunk: object; resentAt: number }>();

/**
 * werift's `updateAdvancedPeerAckPoint`, mended to send a lost FORWARD TSN again.
 *
 * werift (0.25.2, `updateAdvancedPeerAckPoint`; lib/index.mjs line 16628) makes a FORWARD TSN only
 * when messages at the head of its send queue were just given up, and sends it once. If that
 * datagram is lost, the peer's cumulative TSN stays below the messages given up for good: every
 * later chunk stays in the send queue, gap-acknowledged, every retransmission timeout marks them all
 * for sending again at a window of one packet, and new messages (the acks of `chat`) wait behind
 * them in the outbound queue, each timeout twice as long as the one before. RFC 3758 3.5 (C4, F2)
 * sends the FORWARD TSN again while the peer's cumulative TSN is below the advanced point; this
 * does so at most once per retransmission timeout. Measured in a netns at 5% loss, 30 clients on
 * `chat-lossy` posting for 20 s, after the reassembly mend (sctp-reassembly.ts): 12 and 9 posts
 * never acknowledged in two runs; the second listed 3 server associations stuck this way (outbound
 * queues of 10 to 70 messages, a window of one packet). With this mend: 0 of 1,695 in three runs.
 */
export function mendedAdvancedPeerAckPoint(update: () => void): (this: ForwardingAssociation) => void {
  return function (this: ForwardingAssociation): void {
    const before = this.forwardTsnChunk;
    update.call(this);
    const now = performance.now();
    if (this.forwardTsnChunk && this.forwardTsnChunk !== before) {
      forwarded.set(this, { chunk: this.forwardTsnChunk, resentAt: now });
      return;
    }
    const last = forwarded.get(this);
    if (!last || this.forwardTsnChunk || !serialGt(this.advancedPeerAckTsn, this.lastSackedTsn, 32)) return;
    if (now - last.resentAt < this.rto * 1000) return;
    last.resentAt = now;
    this.forwardTsnChunk = last.chunk;
  };
}

/**
 * Gives werift's SCTP associations (the class of `association`) the mended
 * {@link maybeAbandon} and {@link mendedAdvancedPeerAckPoint}; once per process.
 */
export function mendPartialReliability(association: object): void {
  const proto = Object.getPrototypeOf(association) as { maybeAbandon?: unknown; updateAdvancedPeerAckPoint?: unknown; mendedPartialReliability?: true };
  if (proto.mendedPartialReliability) return;
  if (typeof proto.maybeAbandon !== 'function' || typeof proto.updateAdvancedPeerAckPoint !== 'function') {
    throw new Error("werift's SCTP association has no maybeAbandon or updateAdvancedPeerAckPoint: the fixes in servers/webrtc/unreliable.ts no longer fit this werift");
  }
  proto.mendedPartialReliability = true;
  proto.maybeAbandon = maybeAbandon;
  proto.updateAdvancedPeerAckPoint = mendedAdvancedPeerAckPoint(proto.updateAdvancedPeerAckPoint as () => void);
}
