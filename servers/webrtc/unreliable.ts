import type { RTCDataChannel } from 'werift';

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

/** RFC 9260 3.3.1, the DATA chunk's B and E bits: the first and last fragment of a message. */
const FIRST_FRAGMENT = 0x02;
const LAST_FRAGMENT = 0x01;

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
  const at = this.sentQueue.indexOf(chunk);
  if (at < 0) return true;
  const mark = (c: SentChunk): void => {
    c.abandoned = true;
    c.retransmit = false;
  };
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

/** Gives werift's SCTP associations (the class of `association`) the mended {@link maybeAbandon}. */
export function abandonOwnMessageOnly(association: object): void {
  const proto = Object.getPrototypeOf(association) as { maybeAbandon?: unknown };
  if (typeof proto.maybeAbandon !== 'function') throw new Error("werift's SCTP association has no maybeAbandon: the fix in servers/webrtc/unreliable.ts no longer fits this werift");
  proto.maybeAbandon = maybeAbandon;
}
