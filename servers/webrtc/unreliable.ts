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
