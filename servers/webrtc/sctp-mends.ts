import { RTCSctpTransport } from 'werift';
import { deliverEveryReadyMessage } from './sctp-reassembly.ts';
import { mendPartialReliability } from './unreliable.ts';

/**
 * The retransmission timeout werift's SCTP starts with, seconds. werift (0.25.2,
 * packages/sctp/src/sctp.ts, `SCTP_RTO_INITIAL = 3`, RFC 9260's default) waits 3 s before it sends
 * a lost INIT, COOKIE ECHO or first DATA chunk again, until a first round trip is measured. On a
 * loopback that drops packets, every such loss during a peer's setup cost 3 s, and the 8 s a client
 * gives one attempt to connect (servers/webrtc/client.ts) ran out after two. 1 s is RFC 9260's
 * RTO.Min, which werift keeps as the floor of every later timeout anyway.
 */
export const SCTP_INITIAL_RTO_S = 1;

let installed = false;

/**
 * Mends every werift SCTP association of this process, once per process: it starts with
 * {@link SCTP_INITIAL_RTO_S}, gives up a message as partial reliability means (unreliable.ts) and
 * delivers every message it reassembled (sctp-reassembly.ts, `popMessages`).
 */
export function mendSctpAssociations(): void {
  if (installed) return;
  installed = true;
  const setDtlsTransport = RTCSctpTransport.prototype.setDtlsTransport;
  RTCSctpTransport.prototype.setDtlsTransport = function (this: RTCSctpTransport, ...args: Parameters<typeof setDtlsTransport>): void {
    setDtlsTransport.apply(this, args);
    // setDtlsTransport makes the association (`this.sctp`); its timers read `rto` when they start.
    const sctp = (this as unknown as { sctp?: { rto: number } }).sctp;
    if (!sctp) return;
    sctp.rto = Math.min(sctp.rto, SCTP_INITIAL_RTO_S);
    // And its chat-lossy messages, once given up, must not take another channel's with them, nor
    // leave the peer behind when the FORWARD TSN that says so is lost.
    mendPartialReliability(sctp);
    // Nor may a ready chat message be left in its queue for a FORWARD TSN to prune.
    deliverEveryReadyMessage(sctp);
  };
}
