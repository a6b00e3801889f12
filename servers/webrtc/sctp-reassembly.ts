/**
 * A workaround of a werift bug (0.25.2) that loses reliable messages when a data channel that
 * drops (`chat-lossy`) shares the association with a reliable one (`chat`) on a lossy network.
 *
 * werift's `InboundStream.popMessages` (packages/sctp/src/sctp.ts; lib/index.mjs line 16815),
 * ported from aiortc's `pop_messages`, delivers the messages of one stream's reassembly queue (its
 * chunks received, in TSN order). After it delivers a message it goes on from the same place
 * without starting afresh: it expects the next chunk to carry the TSN right after the message it
 * delivered. That holds while one stream has the association to itself, but here the two channels'
 * messages take turns in one TSN sequence, so the next `chat` message never has the next TSN: when
 * a retransmission made two `chat` messages ready at once, the second one stayed in the queue,
 * waiting for the next chunk of its stream to arrive. A FORWARD TSN (sent for every `chat-lossy`
 * message given up) then pruned it as obsolete, its TSN being below the new cumulative TSN: the
 * message was acknowledged at the SCTP level and never delivered, and every later message of that
 * ordered stream waited behind its sequence number for good. Measured in a netns at 5% loss, 30
 * clients on `chat-lossy` each posting about once a second for 20 to 30 s: 33 to 180 of 550 to 910
 * posts in each run were never acknowledged within 30 s, although the server stored every one; a client's trace showed its
 * `chat` stream expecting a sequence number whose chunk it had received, after a retransmission,
 * next to the one before it.
 *
 * The mended `popMessages` starts each message afresh after delivering one (the TSNs must follow
 * one another within a message only), as werift does for the first message of a call; and past an
 * unordered message left incomplete, it looks at the chunk that broke the run as the start of the
 * next one, where werift skipped it.
 */

import { FIRST_FRAGMENT, LAST_FRAGMENT, UNORDERED, serialGt } from './sctp-chunk.ts';

/** A DATA chunk waiting in a stream's reassembly queue, as much of it as delivery reads. */
export interface ReassemblyChunk {
  tsn: number;
  flags: number;
  streamId: number;
  streamSeqNum: number;
  protocol: number;
  userData: Buffer;
}

/** werift's InboundStream (private in its types). */
interface InboundStream {
  reassembly: ReassemblyChunk[];
  /** The next stream sequence number an ordered message must have. */
  streamSequenceNumber: number;
}

const tsnPlusOne = (tsn: number): number => (tsn + 1) % 2 ** 32;

/** werift's `popMessages`, mended: each message is looked for afresh after one is delivered. */
export function* popMessages(this: InboundStream): Generator<[number, number, Buffer]> {
  let pos = 0;
  let startPos: number | undefined;
  let expectedTsn = 0;
  let ordered = true;
  while (pos < this.reassembly.length) {
    const chunk = this.reassembly[pos] as ReassemblyChunk;
    if (startPos === undefined) {
      ordered = (chunk.flags & UNORDERED) === 0;
      if ((chunk.flags & FIRST_FRAGMENT) === 0) {
        if (ordered) break;
        pos++;
        continue;
      }
      if (ordered && serialGt(chunk.streamSeqNum, this.streamSequenceNumber, 16)) break;
      expectedTsn = chunk.tsn;
      startPos = pos;
    } else if (chunk.tsn !== expectedTsn) {
      if (ordered) break;
      // An unordered message left incomplete: this chunk may begin the next one (werift skipped it).
      startPos = undefined;
      continue;
    }
    if ((chunk.flags & LAST_FRAGMENT) !== 0) {
      const message = this.reassembly.slice(startPos, pos + 1);
      this.reassembly = [...this.reassembly.slice(0, startPos), ...this.reassembly.slice(pos + 1)];
      if (ordered && chunk.streamSeqNum === this.streamSequenceNumber) this.streamSequenceNumber = (this.streamSequenceNumber + 1) % 65536;
      pos = startPos;
      // The mend: the next message is looked for from its own first chunk.
      startPos = undefined;
      yield [chunk.streamId, chunk.protocol, Buffer.concat(message.map((c) => c.userData))];
      continue;
    }
    pos++;
    expectedTsn = tsnPlusOne(expectedTsn);
  }
}

/** The SCTP association (private in werift's types): it makes its inbound streams on demand. */
interface Association {
  getInboundStream(streamId: number): object;
}

/**
 * Gives werift's inbound streams the mended {@link popMessages}: werift's InboundStream class is
 * not exported, so the association's prototype (the class of `association`) patches the class of
 * the first stream it makes. Once per process.
 */
export function deliverEveryReadyMessage(association: object): void {
  const proto = Object.getPrototypeOf(association) as Association & { mendedReassembly?: true };
  if (proto.mendedReassembly) return;
  if (typeof proto.getInboundStream !== 'function') throw new Error("werift's SCTP association has no getInboundStream: the fix in servers/webrtc/sctp-reassembly.ts no longer fits this werift");
  proto.mendedReassembly = true;
  const getInboundStream = proto.getInboundStream;
  proto.getInboundStream = function (this: Association, streamId: number): object {
    const stream = getInboundStream.call(this, streamId);
    const streamProto = Object.getPrototypeOf(stream) as { popMessages?: unknown };
    if (typeof streamProto.popMessages !== 'function') throw new Error("werift's InboundStream has no popMessages: the fix in servers/webrtc/sctp-reassembly.ts no longer fits this werift");
    streamProto.popMessages = popMessages;
    return stream;
  };
}
