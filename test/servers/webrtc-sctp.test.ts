/**
 * werift's SCTP waits 3 s before resending a lost INIT, COOKIE ECHO or first DATA chunk; every peer
 * of this project starts at 1 s instead (servers/webrtc/sctp-rto.ts), which at 5% loss is the
 * difference between a client that connects within its 8 s attempt and one that does not. And when
 * it gives up a chat-lossy message, it abandons the head of its send queue instead, often a reliable
 * message; every association abandons the message's own fragments instead (unreliable.ts).
 */
import { describe, expect, it } from 'vitest';
import { RTC_CHANNELS } from '../../servers/contract/index.ts';
import { createLoopbackPeer } from '../../servers/webrtc/loopback.ts';
import { SCTP_INITIAL_RTO_S } from '../../servers/webrtc/sctp-rto.ts';
import { WERIFT_NO_RETRANSMITS, maybeAbandon, type SentChunk } from '../../servers/webrtc/unreliable.ts';
import { onCleanup } from '../helpers/servers.ts';

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
