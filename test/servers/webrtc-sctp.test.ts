/**
 * werift's SCTP waits 3 s before resending a lost INIT, COOKIE ECHO or first DATA chunk; every peer
 * of this project starts at 1 s instead (servers/webrtc/sctp-rto.ts), which at 5% loss is the
 * difference between a client that connects within its 8 s attempt and one that does not.
 */
import { describe, expect, it } from 'vitest';
import { RTC_CHANNELS } from '../../servers/contract/index.ts';
import { createLoopbackPeer } from '../../servers/webrtc/loopback.ts';
import { SCTP_INITIAL_RTO_S } from '../../servers/webrtc/sctp-rto.ts';
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
