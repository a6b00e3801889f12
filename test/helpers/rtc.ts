import { vi } from 'vitest';
import { RTCSessionDescription, type RTCDataChannel, type RTCPeerConnection } from 'werift';
import { RTC_OFFER_PATH, type RtcAnswer } from '../../servers/contract/index.ts';
import { createLoopbackPeer, describeLocally, loopbackOnly } from '../../servers/webrtc/loopback.ts';
import { WAIT_BOUND_MS, onCleanup } from '../../servers/contract/conformance/servers.ts';

/** A werift peer of a test, with its data channels by label and the JSON frames each received. */
export interface RawPeer {
  readonly pc: RTCPeerConnection;
  readonly channels: ReadonlyMap<string, RTCDataChannel>;
  readonly frames: ReadonlyMap<string, Record<string, unknown>[]>;
  /** Sends a JSON frame on a channel. */
  sendJson(label: string, frame: unknown): void;
  /** Waits for a frame on `label` that matches, from index `from` of what it received. */
  next(label: string, match: (frame: Record<string, unknown>) => boolean, from?: number): Promise<Record<string, unknown>>;
}

/** POSTs an offer to `/rtc/offer`: the HTTP status and the JSON body. */
export async function postOffer(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(new URL(RTC_OFFER_PATH, url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A peer with channels of these labels and its complete offer (loopback candidates), not yet signalled. */
export async function offerFrom(labels: readonly string[]): Promise<{ pc: RTCPeerConnection; channels: Map<string, RTCDataChannel>; sdp: string }> {
  const pc = createLoopbackPeer(1024 * 1024);
  onCleanup(() => pc.close());
  const channels = new Map(labels.map((label) => [label, pc.createDataChannel(label)] as const));
  return { pc, channels, sdp: await describeLocally(pc, await pc.createOffer()) };
}

/**
 * A test's own peer, signalled with `url`, with channels of these labels; resolves once `chat`-like
 * channels (`waitOpen`) are open. Closed after the test.
 */
export async function connectRawPeer(url: string, labels: readonly string[], options: { token?: string; waitOpen?: readonly string[] } = {}): Promise<RawPeer> {
  const { pc, channels, sdp } = await offerFrom(labels);
  const answer = await postOffer(url, { type: 'offer', sdp }, options.token ? { authorization: `Bearer ${options.token}` } : {});
  if (answer.status !== 201) throw new Error(`the offer got ${answer.status} ${JSON.stringify(answer.body)}`);
  await pc.setRemoteDescription(new RTCSessionDescription(loopbackOnly((answer.body as unknown as RtcAnswer).sdp).sdp, 'answer'));
  const frames = new Map(labels.map((label) => [label, [] as Record<string, unknown>[]] as const));
  for (const [label, channel] of channels) {
    channel.onMessage.subscribe((data) => {
      if (typeof data === 'string') frames.get(label)?.push(JSON.parse(data) as Record<string, unknown>);
    });
  }
  for (const label of options.waitOpen ?? labels) await channelState(channels.get(label) as RTCDataChannel, 'open');
  return {
    pc,
    channels,
    frames,
    sendJson: (label, frame) => channels.get(label)?.send(JSON.stringify(frame)),
    async next(label, match, from = 0) {
      let found: Record<string, unknown> | undefined;
      await vi.waitFor(
        () => {
          found = frames.get(label)?.slice(from).find(match);
          if (!found) throw new Error(`no matching frame on ${label} within ${WAIT_BOUND_MS} ms; got ${JSON.stringify(frames.get(label)?.slice(from))}`);
        },
        { timeout: WAIT_BOUND_MS, interval: 5 },
      );
      return found as Record<string, unknown>;
    },
  };
}

/** Resolves when the channel reaches `state` (at once if it is there). */
export function channelState(channel: RTCDataChannel, state: RTCDataChannel['readyState']): Promise<void> {
  if (channel.readyState === state) return Promise.resolve();
  return new Promise((resolve) => {
    const { unSubscribe } = channel.stateChanged.subscribe((now) => {
      if (now !== state) return;
      unSubscribe();
      resolve();
    });
  });
}
