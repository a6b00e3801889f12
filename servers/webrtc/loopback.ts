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

/** The address ICE binds to and offers by default. */
export const LOOPBACK_HOST = '127.0.0.1';

/**
 * The addresses a peer may talk to: 127.0.0.0/8, and the benchmarking range 198.18.0.0/15, which
 * exists here only inside the network namespaces the bench makes for a network with distance
 * (bench/network/distance.ts: the clients on 198.18.0.1, the server on 198.19.0.1).
 */
export function allowedAddress(address: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (!m || m.slice(1).some((part) => Number(part) > 255)) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a === 127 || (a === 198 && (b === 18 || b === 19));
}

/** The address a peer of a server listening on `host` binds and offers: that host when it is an allowed IPv4 address, else 127.0.0.1. */
export function iceHostFor(host: string): string {
  return allowedAddress(host) ? host : LOOPBACK_HOST;
}

/**
 * The werift configuration of every peer of this project: one host candidate on `host` (127.0.0.1
 * unless the peer sits across the bench's network with distance), pairs with allowed addresses
 * only, no STUN, no TURN. `maxMessageSize` is what the peer takes in one message (its SDP's
 * `a=max-message-size`).
 */
export function loopbackPeerConfig(maxMessageSize: number, host = LOOPBACK_HOST): Partial<PeerConfig> {
  if (!allowedAddress(host)) throw new RangeError(`a peer binds to 127.0.0.0/8 or 198.18.0.0/15 only, not ${host}`);
  return {
    maxMessageSize,
    iceServers: [],
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: [host],
    iceInterfaceAddresses: { udp4: host },
    iceFilterCandidatePair: (pair) => pair.localCandidate.host === host && allowedAddress(pair.remoteCandidate.host),
  };
}

/** A werift peer connection on `host` (127.0.0.1 by default) that talks to allowed addresses only and takes messages of up to `maxMessageSize` bytes. */
export function createLoopbackPeer(maxMessageSize: number, host = LOOPBACK_HOST): RTCPeerConnection {
  // werift's DTLS client can change its keys after its handshake, and its server derive them from
  // the wrong messages, on a lossy network (dtls-guard.ts).
  guardDtls();
  // …and its SCTP waits 3 s to resend anything lost before a first round trip, and loses reliable
  // messages beside an unreliable channel (sctp-mends.ts).
  mendSctpAssociations();
  return new RTCPeerConnection(loopbackPeerConfig(maxMessageSize, host));
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

/** An SDP with only the `a=candidate` lines whose address is allowed (`allowedAddress`), and how many were dropped. */
export function loopbackOnly(sdp: string): { readonly sdp: string; readonly kept: number; readonly dropped: number } {
  let kept = 0;
  let dropped = 0;
  const lines = sdp.split(/\r?\n/).filter((line) => {
    if (!line.startsWith('a=candidate:')) return true;
    // candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> ...
    const address = line.slice('a=candidate:'.length).split(' ')[4];
    if (address !== undefined && allowedAddress(address)) {
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
