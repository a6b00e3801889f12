/**
 * WebRTC on loopback only: how a werift peer is made so that no packet goes to any address but
 * 127.0.0.1, for the server and for the bench's client alike. What werift does by default, read in
 * its source (werift 0.25, packages/ice/src/ice.ts and utils.ts), and what this module does about it:
 *
 * - Host candidates come from `os.networkInterfaces()` without the internal ones, so loopback is
 *   never gathered on its own; `iceInterfaceAddresses` only filters that list (and falls back to the
 *   whole list when the filter leaves nothing) and binds the UDP sockets. So: `iceUseIpv4` and
 *   `iceUseIpv6` off (no interface is gathered), `iceAdditionalHostAddresses: ['127.0.0.1']` (the one
 *   host candidate), and `iceInterfaceAddresses.udp4 = '127.0.0.1'` (its socket binds there).
 * - The ICE connection sends a STUN binding request to stun.l.google.com:19302 whatever `iceServers`
 *   says (`stunServer ?? DEFAULT_STUN_SERVER`), which would also resolve that name in DNS.
 *   `withoutStun` clears it on each ICE transport before gathering starts.
 * - A pair is only checked when both ends are 127.0.0.1 (`iceFilterCandidatePair`), and every
 *   description that crosses the signalling keeps only `a=candidate` lines on 127.0.0.1
 *   (`loopbackOnly`), so a peer that gathered more still talks to loopback only.
 */
import { RTCPeerConnection, type PeerConfig, type RTCSessionDescription } from 'werift';
import { guardDtls } from './dtls-guard.ts';
import { mendSctpAssociations } from './sctp-mends.ts';

/** The one address ICE binds to and offers. */
export const LOOPBACK_HOST = '127.0.0.1';

/**
 * The werift configuration of every peer of this project: loopback only, no STUN, no TURN.
 * `maxMessageSize` is what the peer takes in one message (its SDP's `a=max-message-size`).
 */
export function loopbackPeerConfig(maxMessageSize: number): Partial<PeerConfig> {
  return {
    maxMessageSize,
    iceServers: [],
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: [LOOPBACK_HOST],
    iceInterfaceAddresses: { udp4: LOOPBACK_HOST },
    iceFilterCandidatePair: (pair) => pair.localCandidate.host === LOOPBACK_HOST && pair.remoteCandidate.host === LOOPBACK_HOST,
  };
}

/** A werift peer connection that talks to 127.0.0.1 only and takes messages of up to `maxMessageSize` bytes. */
export function createLoopbackPeer(maxMessageSize: number): RTCPeerConnection {
  // werift's DTLS client can change its keys after its handshake, and its server derive them from
  // the wrong messages, on a lossy network (dtls-guard.ts).
  guardDtls();
  // …and its SCTP waits 3 s to resend anything lost before a first round trip, and loses reliable
  // messages beside an unreliable channel (sctp-mends.ts).
  mendSctpAssociations();
  return new RTCPeerConnection(loopbackPeerConfig(maxMessageSize));
}

/**
 * Clears the STUN server werift gives every ICE transport by default, so that gathering sends no
 * binding request (and looks up no name) beyond loopback. Call it after the transports exist
 * (after `createDataChannel` or `setRemoteDescription`) and before `setLocalDescription` gathers.
 */
export function withoutStun(pc: RTCPeerConnection): void {
  for (const transport of pc.iceTransports) {
    (transport.connection as unknown as { stunServer: unknown }).stunServer = undefined;
  }
}

/** An SDP with only the `a=candidate` lines whose address is 127.0.0.1, and how many were dropped. */
export function loopbackOnly(sdp: string): { readonly sdp: string; readonly kept: number; readonly dropped: number } {
  let kept = 0;
  let dropped = 0;
  const lines = sdp.split(/\r?\n/).filter((line) => {
    if (!line.startsWith('a=candidate:')) return true;
    // candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> ...
    const address = line.slice('a=candidate:'.length).split(' ')[4];
    if (address === LOOPBACK_HOST) {
      kept++;
      return true;
    }
    dropped++;
    return false;
  });
  return { sdp: lines.join('\r\n'), kept, dropped };
}

/**
 * Sets `description` as the peer's local one, STUN off, and waits for gathering to end (werift
 * gathers inside `setLocalDescription`); answers the complete local description with loopback
 * candidates only, ready to send without trickle.
 */
export async function describeLocally(pc: RTCPeerConnection, description: RTCSessionDescription): Promise<string> {
  withoutStun(pc);
  await pc.setLocalDescription(description);
  const local = pc.localDescription;
  if (!local) throw new Error('werift set no local description');
  return loopbackOnly(local.sdp).sdp;
}

/** The UDP payload bytes a peer sent and received on its selected candidate pair (DTLS records: SCTP inside). */
export function udpPayloadBytes(pc: RTCPeerConnection): { sent: number; received: number } {
  let sent = 0;
  let received = 0;
  for (const transport of pc.iceTransports) {
    const pair = transport.connection.nominated;
    if (!pair) continue;
    sent += pair.bytesSent;
    received += pair.bytesReceived;
  }
  return { sent, received };
}
