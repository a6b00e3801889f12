/**
 * What only the WebRTC server has: signalling, loopback-only candidates, channel labels, the
 * frames on a data channel, and shutdown closing every peer. (The conformance suite runs against its
 * `chat` channel in conformance.test.ts; `chat-lossy` is in webrtc-lossy.test.ts.)
 */
import { describe, expect, it, vi } from 'vitest';
import { ClientError, createClient, type ClientEvent } from '../../servers/clients/index.ts';
import { RTC_CHANNELS } from '../../servers/contract/index.ts';
import { connectClient, startServer, WAIT_BOUND_MS } from '../../servers/contract/conformance/servers.ts';
import { channelState, connectRawPeer, offerFrom, postOffer } from '../helpers/rtc.ts';

/** The address of every `a=candidate` line of an SDP. */
function candidateAddresses(sdp: string): string[] {
  return sdp
    .split(/\r?\n/)
    .filter((line) => line.startsWith('a=candidate:'))
    .map((line) => line.split(' ')[4] ?? '');
}

describe('webrtc signalling', () => {
  it('answers a complete offer with 201 { type: "answer", sdp, peer }, candidates on 127.0.0.1 only', async () => {
    const { url } = await startServer('webrtc');
    const { sdp } = await offerFrom(['chat']);
    // A candidate on another address is dropped from the offer, not used.
    const withForeign = sdp.replace(/(a=candidate:[^\r\n]*\r?\n)/, '$1a=candidate:1 1 udp 2130706431 192.0.2.9 40000 typ host\r\n');
    expect(candidateAddresses(withForeign)).toContain('192.0.2.9');
    const answer = await postOffer(url, { type: 'offer', sdp: withForeign });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.body.type).toBe('answer');
    expect(typeof answer.body.peer).toBe('string');
    const addresses = candidateAddresses(String(answer.body.sdp));
    expect(addresses.length, 'the answer should carry its candidates (no trickle)').toBeGreaterThan(0);
    expect(new Set(addresses), 'every candidate of the answer should be on loopback').toEqual(new Set(['127.0.0.1']));
  });

  it('answers a malformed offer with 400 BAD_REQUEST saying what is wrong, and a POST that is not JSON with 415', async () => {
    const { url } = await startServer('webrtc');
    const { sdp } = await offerFrom(['chat']);
    const noLoopback = sdp.replaceAll(' 127.0.0.1 ', ' 192.0.2.9 ');
    const noDataChannel = sdp.replace(/^m=application.*$/m, 'm=audio 9 UDP/TLS/RTP/SAVPF 111');
    const cases: [string, unknown, RegExp][] = [
      ['not JSON', '{bad', /not valid JSON/],
      ['an array', [], /not an object/],
      ['no sdp', { type: 'offer' }, /field sdp/],
      ['an answer', { type: 'answer', sdp }, /field type must be "offer"/],
      ['an unknown field', { type: 'offer', sdp, trickle: true }, /unknown field "trickle"/],
      ['not an SDP', { type: 'offer', sdp: 'hello' }, /not a session description/],
      ['no data channel', { type: 'offer', sdp: noDataChannel }, /no data-channel section/],
      ['no loopback candidate', { type: 'offer', sdp: noLoopback }, /no candidate on 127\.0\.0\.1 or the benchmarking range 198\.18\.0\.0\/15 \(1 on other addresses\)/],
    ];
    for (const [what, body, message] of cases) {
      const answer = await postOffer(url, body);
      expect(answer.status, `${what}: ${JSON.stringify(answer.body)}`).toBe(400);
      expect(answer.body.error, what).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(message) as unknown });
    }
    const plain = await fetch(`${url}/rtc/offer`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ type: 'offer', sdp }) });
    expect(plain.status).toBe(415);
    expect(((await plain.json()) as { error: { code: string } }).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(await fetch(`${url}/healthz`).then((r) => r.json())).toEqual({ status: 'ok', transport: 'webrtc' });
  });

  it('refuses peers beyond --max-peers with 503 BUSY, and takes one again once a peer is gone', async () => {
    const { server, url } = await startServer('webrtc', { maxPeers: 1 });
    const first = await createClient('webrtc', { url, reconnect: false });
    await first.connect();
    const second = await createClient('webrtc', { url, reconnect: false });
    const refused = await second.connect().then(
      () => undefined,
      (error: unknown) => error as ClientError,
    );
    expect(refused?.code).toBe('BUSY');
    expect(refused?.status).toBe(503);
    expect(refused?.message).toMatch(/maxPeers/);
    await first.close();
    await vi.waitFor(() => expect(server.stats().sockets).toBe(0), { timeout: WAIT_BOUND_MS });
    await vi.waitFor(async () => {
      const third = await createClient('webrtc', { url, reconnect: false });
      try {
        await third.connect();
      } finally {
        await third.close();
      }
    }, { timeout: WAIT_BOUND_MS, interval: 50 });
  });

  it('requires the token on the offer like on every route', async () => {
    const { url } = await startServer('webrtc', { token: 'secret' });
    const { sdp } = await offerFrom(['chat']);
    for (const headers of [{}, { authorization: 'Bearer wrong' }]) {
      const answer = await postOffer(url, { type: 'offer', sdp }, headers);
      expect(answer.status).toBe(401);
      expect(answer.body.error).toMatchObject({ code: 'UNAUTHORIZED' });
    }
    expect((await postOffer(url, { type: 'offer', sdp }, { authorization: 'Bearer secret' })).status).toBe(201);
  });
});

describe('webrtc data channels', () => {
  it('closes a channel of another label at once, and serves chat beside it', async () => {
    const { url } = await startServer('webrtc');
    const peer = await connectRawPeer(url, ['other', 'chat'], { waitOpen: ['chat'] });
    await channelState(peer.channels.get('other') as NonNullable<ReturnType<typeof peer.channels.get>>, 'closed');
    peer.sendJson('chat', { type: 'send', room: 'r', id: 'a', from: 'f', body: 'x' });
    expect(await peer.next('chat', (f) => f.type === 'ack')).toMatchObject({ type: 'ack', room: 'r', id: 'a', seq: 1 });
    expect(peer.channels.get('chat')?.readyState).toBe('open');
  });

  it('answers malformed, binary and oversized frames with error frames on the same channel, which stays open', async () => {
    const { url } = await startServer('webrtc', { maxPayloadBytes: 2048, maxBodyBytes: 1024 });
    const peer = await connectRawPeer(url, [RTC_CHANNELS.reliable]);
    const chat = peer.channels.get('chat');
    if (!chat) throw new Error('no chat channel');
    const cases: [string | Buffer, string][] = [
      ['{bad', 'BAD_REQUEST'],
      [JSON.stringify({ type: 'shout', room: 'r' }), 'BAD_REQUEST'],
      [Buffer.from('{"type":"subscribe","room":"r"}'), 'BAD_REQUEST'],
      [JSON.stringify({ type: 'send', room: 'r', id: 'big', from: 'f', body: 'x'.repeat(1025) }), 'PAYLOAD_TOO_LARGE'],
    ];
    // The server says it takes 2048 bytes a message (a=max-message-size); a client that ignores it:
    (peer.pc.sctpTransport as unknown as { setRemoteMaxMessageSize(size: number): void }).setRemoteMaxMessageSize(0);
    cases.push([JSON.stringify({ type: 'send', room: 'r', id: 'huge', from: 'f', body: 'x'.repeat(3000) }), 'PAYLOAD_TOO_LARGE']);
    for (const [data, code] of cases) {
      const from = peer.frames.get('chat')?.length ?? 0;
      chat.send(data);
      const error = await peer.next('chat', (f) => f.type === 'error', from);
      expect(error.code, `${String(data).slice(0, 40)}`).toBe(code);
      expect(String(error.message).length).toBeGreaterThan(10);
    }
    expect(chat.readyState).toBe('open');
    peer.sendJson('chat', { type: 'send', room: 'r', id: 'ok', from: 'f', body: 'x' });
    expect(await peer.next('chat', (f) => f.type === 'ack'), 'nothing should have been stored before').toMatchObject({ id: 'ok', seq: 1 });
  });

  it('keeps chat and chat-lossy of one peer apart: each is its own session', async () => {
    const { url } = await startServer('webrtc');
    const peer = await connectRawPeer(url, [RTC_CHANNELS.reliable, RTC_CHANNELS.lossy]);
    peer.sendJson('chat-lossy', { type: 'subscribe', room: 'r' });
    await peer.next('chat-lossy', (f) => f.type === 'messages');
    peer.sendJson('chat', { type: 'send', room: 'r', id: 'a', from: 'f', body: 'x' });
    await peer.next('chat', (f) => f.type === 'ack');
    expect(await peer.next('chat-lossy', (f) => f.type === 'messages' && (f.messages as unknown[]).length === 1)).toMatchObject({ room: 'r', messages: [{ seq: 1, id: 'a' }] });
    expect(peer.frames.get('chat')?.filter((f) => f.type === 'messages'), 'chat did not subscribe, so it gets no messages').toEqual([]);
  });
});

describe('webrtc shutdown', () => {
  it('closes every peer connection; the clients see their connection end', async () => {
    const { server, url } = await startServer('webrtc');
    const events: ClientEvent[][] = [[], []];
    const clients = await Promise.all(events.map((list) => connectClient('webrtc', url, { reconnect: false, onEvent: (e) => list.push(e) })));
    await Promise.all(clients.map(({ client }) => client.subscribe('r')));
    expect(server.stats().sockets).toBe(2);
    await server.close();
    expect(server.stats().sockets, 'no session should be left').toBe(0);
    await vi.waitFor(() => {
      for (const list of events) expect(list.map((e) => e.type)).toContain('disconnected');
    }, { timeout: WAIT_BOUND_MS });
  });
});
