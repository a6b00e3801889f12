/**
 * The `chat-lossy` data channel (unordered, no retransmits): what a client receives on it. Without
 * kernel packet loss nothing may be lost on loopback, so the checks are invariants (each seq at most
 * once, every seq real); the frames a lossy network would lose are dropped on purpose by wrapping
 * werift's send, which is what a lost SCTP message looks like to the client.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RTCDataChannel } from 'werift';
import type { ChatMessage, MessagesFrame } from '../../servers/contract/index.ts';
import { WebRtcChatClient } from '../../bench/clients/webrtc.ts';
import { range, seqs, startServer, WAIT_BOUND_MS, onCleanup, inbox } from '../helpers/servers.ts';

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
});
