/**
 * The `chat-lossy` data channel (unordered, no retransmits): what a client receives on it. Without
 * kernel packet loss nothing may be lost on loopback, so the checks are invariants (each seq at most
 * once, every seq real); the frames a lossy network would lose are dropped on purpose by wrapping
 * werift's send, which is what a lost SCTP message looks like to the client.
 */
import dgram from 'node:dgram';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RTCDataChannel } from 'werift';
import type { ChatMessage, MessagesFrame } from '../../servers/contract/index.ts';
import { WebRtcChatClient } from '../../servers/webrtc/client.ts';
import { range, seqs, startServer, WAIT_BOUND_MS, onCleanup, inbox } from '../../servers/contract/conformance/servers.ts';

/** Posts `count` messages to `room` one after another; their acknowledged seqs. */
async function post(client: WebRtcChatClient, room: string, count: number): Promise<number[]> {
  const acked: number[] = [];
  for (const i of range(1, count)) acked.push((await client.send(room, { id: `m${i}`, from: 'sender', body: `body ${i}` })).seq);
  return acked;
}

/** Drops the `messages` frames the server sends on chat-lossy that hold one of `lost`. */
function loseOnChatLossy(lost: ReadonlySet<number>): void {
  const send = RTCDataChannel.prototype.send;
  vi.spyOn(RTCDataChannel.prototype, 'send').mockImplementation(function (this: RTCDataChannel, data: string | Buffer) {
    if (this.label === 'chat-lossy' && typeof data === 'string' && data.startsWith('{"type":"messages"')) {
      const frame = JSON.parse(data) as MessagesFrame;
      if (frame.messages.some((m) => lost.has(m.seq))) return;
    }
    send.call(this, data);
  });
}

async function lossyClient(url: string, fetchGaps: boolean): Promise<{ client: WebRtcChatClient; received: Map<string, ChatMessage[]> & { of(room: string): ChatMessage[] } }> {
  const box = inbox();
  const client = new WebRtcChatClient({ url, channel: 'lossy', fetchGaps, onMessages: box.onMessages });
  onCleanup(() => client.close());
  await client.connect();
  return { client, received: Object.assign(box.rooms, { of: box.of }) };
}

/** Drops every `nth` UDP datagram this process sends (werift's ICE, DTLS and SCTP all go through dgram), while `on()`. */
function loseDatagrams(nth: number): { on: boolean; dropped: number } {
  const state = { on: true, dropped: 0 };
  const send = dgram.Socket.prototype.send;
  let count = 0;
  vi.spyOn(dgram.Socket.prototype, 'send').mockImplementation(function (this: dgram.Socket, ...args: unknown[]) {
    if (state.on && ++count % nth === 0) {
      state.dropped++;
      (args.find((a) => typeof a === 'function') as ((error: Error | null) => void) | undefined)?.(null);
      return;
    }
    (send as (...a: unknown[]) => void).apply(this, args);
  });
  return state;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('webrtc chat-lossy', () => {
  it('delivers each seq at most once and only real ones; gaps add up with what arrived', async () => {
    const { url } = await startServer('webrtc');
    const { client, received } = await lossyClient(url, false);
    const sender = new WebRtcChatClient({ url });
    onCleanup(() => sender.close());
    await sender.connect();
    await client.subscribe('r');
    const acked = await post(sender, 'r', 200);
    expect(acked).toEqual(range(1, 200));
    // Seq 200 is the last: once it is here, or counted missing, everything before it is accounted for.
    await vi.waitFor(() => expect(received.of('r').some((m) => m.seq === 200)).toBe(true), { timeout: WAIT_BOUND_MS });
    const got = received.of('r');
    expect(new Set(seqs(got)).size, 'no seq twice').toBe(got.length);
    for (const m of got) expect(m, 'every message as posted').toMatchObject({ room: 'r', id: `m${m.seq}`, body: `body ${m.seq}` });
    const { gaps, late, fetched } = client.gapCounts;
    expect(fetched).toBe(0);
    expect(got.length + (gaps - late), 'what arrived plus what is still missing is every seq').toBe(200);
  });

  it('counts what a lost frame left out, and delivers the rest once each, in the order it came', async () => {
    const { url } = await startServer('webrtc');
    const { client, received } = await lossyClient(url, false);
    await client.subscribe('r');
    loseOnChatLossy(new Set([3, 7, 8, 20]));
    await post(client, 'r', 30);
    await vi.waitFor(() => expect(received.of('r').some((m) => m.seq === 30)).toBe(true), { timeout: WAIT_BOUND_MS });
    expect(new Set(seqs(received.of('r')))).toEqual(new Set(range(1, 30).filter((s) => ![3, 7, 8, 20].includes(s))));
    expect(client.gapCounts).toEqual({ gaps: 4, late: 0, fetched: 0, duplicates: 0 });
  });

  it('with fetchGaps, fetches what the channel lost over HTTP: every seq arrives exactly once', async () => {
    const { url } = await startServer('webrtc');
    const { client, received } = await lossyClient(url, true);
    await client.subscribe('r');
    loseOnChatLossy(new Set([3, 7, 8, 20]));
    await post(client, 'r', 30);
    await vi.waitFor(() => expect(received.of('r').length).toBe(30), { timeout: WAIT_BOUND_MS });
    expect(seqs(received.of('r')).sort((a, b) => a - b)).toEqual(range(1, 30));
    expect(client.gapCounts).toEqual({ gaps: 4, late: 0, fetched: 4, duplicates: 0 });
    expect(client.counters.requests, 'the offer, then at least one fetch').toBeGreaterThan(1);
  });

  it('under UDP loss, chat gets every message in order while chat-lossy loses some and counts them (werift retransmitted maxRetransmits: 0)', async () => {
    const { url } = await startServer('webrtc');
    const reliable = inbox();
    const chat = new WebRtcChatClient({ url, onMessages: reliable.onMessages });
    onCleanup(() => chat.close());
    await chat.connect();
    const { client: lossy, received } = await lossyClient(url, false);
    await chat.subscribe('r');
    await lossy.subscribe('r');
    const loss = loseDatagrams(10);
    // All at once: one after another, each lost datagram would cost a retransmission timeout in turn.
    await Promise.all(range(1, 50).map((i) => chat.send('r', { id: `m${i}`, from: 'f', body: `body ${i}` })));
    expect(seqs(await reliable.waitFor('r', 50)), 'chat: every message, in order, once').toEqual(range(1, 50));
    loss.on = false;
    await chat.send('r', { id: 'last', from: 'f', body: 'after the loss' });
    await vi.waitFor(() => expect(received.of('r').some((m) => m.seq === 51)).toBe(true), { timeout: WAIT_BOUND_MS });
    expect(loss.dropped).toBeGreaterThan(0);
    const got = seqs(received.of('r'));
    expect(new Set(got).size, 'no seq twice').toBe(got.length);
    const first = Math.min(...got);
    const missing = range(first, 51).filter((s) => !got.includes(s));
    const { gaps, late } = lossy.gapCounts;
    expect(missing.length, `chat-lossy should lose some of 51 messages when 1 datagram in 10 is dropped (${loss.dropped} dropped)`).toBeGreaterThan(0);
    expect(gaps - late, 'the gaps still open are exactly the seqs that never came').toBe(missing.length);
  });
});
