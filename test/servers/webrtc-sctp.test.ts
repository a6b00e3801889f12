/**
 * werift's SCTP waits 3 s before resending a lost INIT, COOKIE ECHO or first DATA chunk; every peer
 * of this project starts at 1 s instead (servers/webrtc/sctp-mends.ts), which at 5% loss is the
 * difference between a client that connects within its 8 s attempt and one that does not. And three
 * faults of werift's partial reliability, each of which lost `chat` messages beside `chat-lossy` on
 * a lossy network: it gave up the head of its send queue instead of the chat-lossy message
 * (unreliable.ts, `maybeAbandon`), never sent a lost FORWARD TSN again (`mendedAdvancedPeerAckPoint`),
 * and left a second ready message in a stream's queue for a FORWARD TSN to prune
 * (sctp-reassembly.ts, `popMessages`).
 */
import { describe, expect, it } from 'vitest';
import { RTC_CHANNELS } from '../../servers/contract/index.ts';
import { createLoopbackPeer } from '../../servers/webrtc/loopback.ts';
import { SCTP_INITIAL_RTO_S } from '../../servers/webrtc/sctp-mends.ts';
import { popMessages, type ReassemblyChunk } from '../../servers/webrtc/sctp-reassembly.ts';
import { WERIFT_NO_RETRANSMITS, maybeAbandon, mendedAdvancedPeerAckPoint, type SentChunk } from '../../servers/webrtc/unreliable.ts';
import { onCleanup } from '../../servers/contract/conformance/servers.ts';

describe('webrtc SCTP retransmission timeout', () => {
  it('starts every association of a loopback peer at 1 s, before any round trip is measured', () => {
    const pc = createLoopbackPeer(64 * 1024);
    onCleanup(() => pc.close());
    pc.createDataChannel(RTC_CHANNELS.reliable);
    const sctp = (pc.sctpTransport as unknown as { sctp: { rto: number; started: boolean } } | undefined)?.sctp;
    expect(sctp?.started, 'not yet started: no round trip measured').toBe(false);
    expect(sctp?.rto).toBe(SCTP_INITIAL_RTO_S);
    expect(SCTP_INITIAL_RTO_S).toBe(1);
  });
});

const FIRST = 0x02;
const LAST = 0x01;

describe('webrtc SCTP abandoning a message', () => {
  /** A reliable message, a three-fragment chat-lossy message sent twice, and another reliable one. */
  function queue(): { sentQueue: SentChunk[]; reliable: SentChunk[]; lossy: SentChunk[] } {
    const reliable = (): SentChunk => ({ flags: FIRST | LAST, sentCount: 2 });
    const lossy = (flags: number): SentChunk => ({ flags, sentCount: 2, maxRetransmits: WERIFT_NO_RETRANSMITS });
    const head = reliable();
    const fragments = [lossy(FIRST), lossy(0), lossy(LAST)];
    const tail = reliable();
    return { sentQueue: [head, ...fragments, tail], reliable: [head, tail], lossy: fragments };
  }

  it('abandons every fragment of the lossy message given up, and no other message', () => {
    const q = queue();
    expect(maybeAbandon.call(q, q.lossy[1] as SentChunk)).toBe(true);
    expect(q.lossy.map((c) => c.abandoned)).toEqual([true, true, true]);
    expect(q.lossy.map((c) => c.retransmit)).toEqual([false, false, false]);
    expect(q.reliable.map((c) => c.abandoned ?? false)).toEqual([false, false]);
  });

  it('never abandons a reliable message, however often it was sent', () => {
    const q = queue();
    const head = q.reliable[0] as SentChunk;
    head.sentCount = 9;
    expect(maybeAbandon.call(q, head)).toBe(false);
    expect(q.sentQueue.some((c) => c.abandoned)).toBe(false);
  });

  it('is what every association of a loopback peer uses', () => {
    const pc = createLoopbackPeer(64 * 1024);
    onCleanup(() => pc.close());
    pc.createDataChannel(RTC_CHANNELS.reliable);
    const sctp = (pc.sctpTransport as unknown as { sctp: object } | undefined)?.sctp;
    expect(sctp && (Object.getPrototypeOf(sctp) as { maybeAbandon: unknown }).maybeAbandon).toBe(maybeAbandon);
  });
});

describe('webrtc SCTP delivering what a stream reassembled', () => {
  const UNORDERED = 0x04;
  const chunk = (tsn: number, ssn: number, flags: number, text = `m${ssn}`): ReassemblyChunk => ({ tsn, flags, streamId: 1, streamSeqNum: ssn, protocol: 51, userData: Buffer.from(text) });
  const deliver = (stream: { reassembly: ReassemblyChunk[]; streamSequenceNumber: number }): string[] => [...popMessages.call(stream)].map(([, , data]) => data.toString());

  it('delivers every ready ordered message, though another stream took the TSNs between them', () => {
    // ssn 3 came late (retransmitted); ssn 4 waited. TSN 11 belonged to the lossy channel's stream.
    const stream = { reassembly: [chunk(10, 3, FIRST | LAST), chunk(12, 4, FIRST | LAST), chunk(15, 6, FIRST | LAST)], streamSequenceNumber: 3 };
    expect(deliver(stream)).toEqual(['m3', 'm4']);
    expect(stream.streamSequenceNumber).toBe(5);
    // ssn 5 is still missing: ssn 6 waits for it.
    expect(stream.reassembly.map((c) => c.streamSeqNum)).toEqual([6]);
  });

  it('joins a message\'s fragments only when their TSNs follow one another', () => {
    const stream = { reassembly: [chunk(20, 0, FIRST, 'a'), chunk(22, 0, LAST, 'b')], streamSequenceNumber: 0 };
    expect(deliver(stream)).toEqual([]);
    stream.reassembly.splice(1, 0, chunk(21, 0, 0, '-'));
    expect(deliver(stream)).toEqual(['a-b']);
    expect(stream.reassembly).toEqual([]);
  });

  it('delivers unordered messages as they complete, past an incomplete one', () => {
    const stream = { reassembly: [chunk(30, 0, UNORDERED | FIRST, 'x'), chunk(32, 0, UNORDERED | FIRST | LAST, 'y'), chunk(33, 0, UNORDERED | FIRST | LAST, 'z')], streamSequenceNumber: 0 };
    expect(deliver(stream)).toEqual(['y', 'z']);
    expect(stream.reassembly.map((c) => c.tsn)).toEqual([30]);
  });

  it('is what every inbound stream of a loopback peer uses', () => {
    const pc = createLoopbackPeer(64 * 1024);
    onCleanup(() => pc.close());
    pc.createDataChannel(RTC_CHANNELS.reliable);
    const sctp = (pc.sctpTransport as unknown as { sctp: { getInboundStream(id: number): object } } | undefined)?.sctp;
    const stream = sctp?.getInboundStream(0);
    expect(stream && (Object.getPrototypeOf(stream) as { popMessages: unknown }).popMessages).toBe(popMessages);
  });
});

describe('webrtc SCTP sending a lost FORWARD TSN again', () => {
  /** An association whose werift update makes a FORWARD TSN up to `abandonTo` when asked. */
  function association(rtoS: number) {
    const state = { lastSackedTsn: 5, advancedPeerAckTsn: 5, forwardTsnChunk: undefined as object | undefined, rto: rtoS, abandonTo: undefined as number | undefined, updateAdvancedPeerAckPoint: () => undefined };
    const update = function (this: typeof state): void {
      if (this.abandonTo === undefined) return;
      this.advancedPeerAckTsn = this.abandonTo;
      this.forwardTsnChunk = { cumulativeTsn: this.abandonTo };
      this.abandonTo = undefined;
    };
    return { state, update: mendedAdvancedPeerAckPoint(update).bind(state) };
  }

  it('sends it again while the peer\'s cumulative TSN is below the advanced point, once per timeout', () => {
    const { state, update } = association(0);
    state.abandonTo = 10;
    update();
    const first = state.forwardTsnChunk;
    expect(first).toEqual({ cumulativeTsn: 10 });
    // Sent, and lost: the peer's next SACK still says 5.
    state.forwardTsnChunk = undefined;
    update();
    expect(state.forwardTsnChunk).toBe(first);
    // The peer got it: nothing more to send.
    state.forwardTsnChunk = undefined;
    state.lastSackedTsn = 10;
    update();
    expect(state.forwardTsnChunk).toBeUndefined();
  });

  it('waits a retransmission timeout before sending it again', () => {
    const { state, update } = association(1000);
    state.abandonTo = 10;
    update();
    state.forwardTsnChunk = undefined;
    update();
    expect(state.forwardTsnChunk).toBeUndefined();
  });
});
