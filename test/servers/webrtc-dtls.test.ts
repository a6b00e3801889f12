/**
 * Two werift DTLS bugs that a lossy network sets off (servers/webrtc/dtls-guard.ts says how, with
 * werift's source lines), reproduced on a perfect loopback by doing what the lossy network does.
 *
 * The client re-keys itself when it handles a ServerHelloDone after its handshake ended: here, after
 * a real handshake, the late handler's `flight5.exec()`, and a retransmitted flight 4's
 * ServerHelloDone handed to the connected client. Without the guard the server can no longer
 * decrypt anything the client sends, so the send below is never acknowledged.
 *
 * The server derives its keys from the wrong messages when a datagram of the client's flight 5 is
 * lost, and the client leaves its certificate out when the server's CertificateRequest is: here one
 * end drops the first copy of one of them. Without the guards the handshake never completes (the
 * client's flight 5 retries for 27 s), so the channel below never opens.
 */
import { describe, expect, it } from 'vitest';
import { RTCDtlsTransport, RTCSessionDescription, type RTCPeerConnection } from 'werift';
import { RTC_CHANNELS, type RtcAnswer } from '../../servers/contract/index.ts';
import { dtlsGuardCounters } from '../../servers/webrtc/dtls-guard.ts';
import { loopbackOnly } from '../../servers/webrtc/loopback.ts';
import { onCleanup, startServer } from '../../servers/contract/conformance/servers.ts';
import { channelState, connectRawPeer, offerFrom, postOffer, type RawPeer } from '../helpers/rtc.ts';

/** The client's werift DTLS socket (private in werift's types). */
interface DtlsClientInternals {
  connected: boolean;
  flight5?: { exec(): Promise<void> };
  onHandleHandshakes(assembled: readonly unknown[]): Promise<void>;
  dtls: { sortedHandshakeCache: readonly { msg_type: number }[] };
}

const SERVER_HELLO_DONE = 14;

function dtlsClientOf(pc: RTCPeerConnection): DtlsClientInternals {
  const socket = (pc.dtlsTransports[0] as unknown as { dtls?: DtlsClientInternals } | undefined)?.dtls;
  if (!socket?.connected) throw new Error('the peer has no connected DTLS client');
  return socket;
}

/** Sends one chat message on `chat` and waits for its acknowledgement. */
async function sendAndAck(peer: RawPeer, id: string): Promise<Record<string, unknown>> {
  peer.sendJson(RTC_CHANNELS.reliable, { type: 'send', room: 'r', id, from: 'f', body: id });
  return peer.next(RTC_CHANNELS.reliable, (f) => f.type === 'ack' && f.id === id);
}

describe('webrtc DTLS client after its handshake (werift re-keying, dtls-guard.ts)', () => {
  it('keeps its keys when a flight 5 begun during the handshake runs after it', async () => {
    const { url } = await startServer('webrtc');
    const peer = await connectRawPeer(url, [RTC_CHANNELS.reliable]);
    expect(await sendAndAck(peer, 'before')).toMatchObject({ seq: 1 });
    const socket = dtlsClientOf(peer.pc);
    const skipped = dtlsGuardCounters.skippedFlight5;
    // What a ServerHelloDone handler that waited in waitForReady does once it resumes: not awaited,
    // since werift's flight 5 waits up to 27 s for a flight 6 that never comes.
    void socket.flight5?.exec().catch(() => undefined);
    expect(await sendAndAck(peer, 'after'), 'the server still decrypts what the client sends').toMatchObject({ seq: 2 });
    expect(dtlsGuardCounters.skippedFlight5).toBe(skipped + 1);
  });

  it('ignores a retransmitted flight 4 that arrives once it is connected', async () => {
    const { url } = await startServer('webrtc');
    const peer = await connectRawPeer(url, [RTC_CHANNELS.reliable]);
    const socket = dtlsClientOf(peer.pc);
    const serverHelloDone = socket.dtls.sortedHandshakeCache.find((h) => h.msg_type === SERVER_HELLO_DONE);
    expect(serverHelloDone, 'the handshake kept its ServerHelloDone').toBeDefined();
    const ignored = dtlsGuardCounters.ignoredHandshakes;
    void socket.onHandleHandshakes([serverHelloDone]).catch(() => undefined);
    expect(await sendAndAck(peer, 'after'), 'the server still decrypts what the client sends').toMatchObject({ seq: 1 });
    expect(dtlsGuardCounters.ignoredHandshakes).toBe(ignored + 1);
  });
});

/** A DTLS record's content type (RFC 6347 4.1): its first byte. */
const HANDSHAKE_RECORD = 22;
/** Epoch 0 carries the handshake in the clear; the Finished goes in epoch 1, encrypted. */
const epochOf = (datagram: Buffer): number => datagram.readUInt16BE(3);
/** The handshake type of a plaintext handshake record: after the 13-byte record header. */
const handshakeTypeOf = (datagram: Buffer): number | undefined => (datagram[0] === HANDSHAKE_RECORD && epochOf(datagram) === 0 ? datagram[13] : undefined);

const CERTIFICATE = 11;
const CERTIFICATE_REQUEST = 13;
const CLIENT_KEY_EXCHANGE = 16;

/** werift's DTLS transport, as much of it as the test touches (private in werift's types). */
interface DtlsTransportInternals {
  role: 'client' | 'server' | 'auto';
  dtls?: { transport: { send(datagram: Buffer, addr?: unknown): Promise<unknown> } };
}

/**
 * Makes the first DTLS socket of `role` that werift starts from now on drop the first datagram it
 * sends that `matches`, as a lossy network would (hooked into RTCDtlsTransport's start, where werift
 * makes the socket; undone after the test). Returns how many it dropped so far.
 */
function dropFirstSent(role: 'client' | 'server', matches: (datagram: Buffer) => boolean): () => number {
  const proto = RTCDtlsTransport.prototype as unknown as { start(this: DtlsTransportInternals): Promise<void> };
  const start = proto.start;
  let dropped = 0;
  let hooked = false;
  proto.start = function (this: DtlsTransportInternals): Promise<void> {
    const started = start.call(this);
    const context = this.dtls?.transport;
    if (this.role === role && context && !hooked) {
      hooked = true;
      const send = context.send.bind(context);
      context.send = (datagram, addr) => {
        if (dropped === 0 && matches(datagram)) {
          dropped++;
          return Promise.resolve(undefined);
        }
        return send(datagram, addr);
      };
    }
    return started;
  };
  onCleanup(async () => {
    proto.start = start;
  });
  return () => dropped;
}

describe('webrtc DTLS handshake when one datagram is lost (dtls-guard.ts)', () => {
  const cases: readonly { lost: string; by: 'client' | 'server'; matches: (datagram: Buffer) => boolean }[] = [
    { lost: "the server's CertificateRequest", by: 'server', matches: (d) => handshakeTypeOf(d) === CERTIFICATE_REQUEST },
    { lost: "the client's Certificate", by: 'client', matches: (d) => handshakeTypeOf(d) === CERTIFICATE },
    { lost: "the client's ClientKeyExchange", by: 'client', matches: (d) => handshakeTypeOf(d) === CLIENT_KEY_EXCHANGE },
    { lost: "the client's Finished", by: 'client', matches: (d) => d[0] === HANDSHAKE_RECORD && epochOf(d) === 1 },
  ];
  for (const { lost, by, matches } of cases) {
    it(`connects when ${lost} is lost, once it is sent again`, async () => {
      const { url } = await startServer('webrtc');
      const { pc, channels, sdp } = await offerFrom([RTC_CHANNELS.reliable]);
      const dropped = dropFirstSent(by, matches);
      const answer = await postOffer(url, { type: 'offer', sdp });
      expect(answer.status).toBe(201);
      const heldBack = by === 'server' ? dtlsGuardCounters.clientHeldBack : dtlsGuardCounters.serverHeldBack;
      await pc.setRemoteDescription(new RTCSessionDescription(loopbackOnly((answer.body as unknown as RtcAnswer).sdp).sdp, 'answer'));
      const chat = channels.get(RTC_CHANNELS.reliable);
      if (!chat) throw new Error('no chat channel');
      await channelState(chat, 'open');
      expect(dropped(), `the ${by} dropped ${lost}`).toBe(1);
      // The other end held back what came before its turn, or again.
      expect(by === 'server' ? dtlsGuardCounters.clientHeldBack : dtlsGuardCounters.serverHeldBack).toBeGreaterThan(heldBack);
    }, 20_000);
  }
});
