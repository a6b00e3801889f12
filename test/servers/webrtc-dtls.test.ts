/**
 * werift's DTLS client re-keys itself when it handles a ServerHelloDone after its handshake ended
 * (servers/webrtc/dtls-guard.ts says how, with werift's source lines). On a lossy network that
 * happens to a few peers in a hundred; it is reproduced here on a perfect loopback by doing what the
 * lossy network makes werift do, after a real handshake: the late handler's `flight5.exec()`, and a
 * retransmitted flight 4's ServerHelloDone handed to the connected client. Without the guard the
 * server can no longer decrypt anything the client sends, so the send below is never acknowledged.
 */
import { describe, expect, it } from 'vitest';
import type { RTCPeerConnection } from 'werift';
import { RTC_CHANNELS } from '../../servers/contract/index.ts';
import { dtlsGuardCounters } from '../../servers/webrtc/dtls-guard.ts';
import { startServer } from '../helpers/servers.ts';
import { connectRawPeer, type RawPeer } from '../helpers/rtc.ts';

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
