/**
 * WebRTC browser members for real: pages of Debian's Chromium on the platform's RTCPeerConnection,
 * a data channel `chat` each, in a step with its own network namespace (loss 0%: its only
 * interface is loopback, so Chromium's only candidates are there). Every message is delivered, in
 * order, timed at every page; the data channel's bytes (UDP, which the relay does not see) are
 * counted from the pages' `getStats`; nothing is left running. Beside them, WebSocket browser
 * members in the same kind of namespace, where the relay carries everything. Skipped, saying why,
 * without Chromium, root, iproute2 or nftables.
 */
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../../bench/model/results.ts';
import { execa } from 'execa';
import { LossyNetwork, checkLossySupport, liveNamespaces } from '../../../bench/network/lossy-net.ts';
import { liveChildren } from '../../../bench/run/spawn.ts';
import { HAVE_CHROMIUM, chromiumSuite } from '../../helpers/chromium.ts';
import { expectCleanRun, expectEverythingDelivered, runTiny, trialOf } from '../../helpers/tiny-run.ts';

const missing = await checkLossySupport();
if (missing) console.warn(`WebRTC browser members skipped: ${missing}`);

const TINY: Scenario = {
  name: 'tiny-browser-webrtc',
  description: 'browser members over WebRTC data channels, in a network namespace of their own',
  rounds: 1,
  generators: 1,
  steps: [
    {
      label: '2 rooms × 3 browser members, loss 0%',
      lossPct: 0,
      workload: { rooms: 2, members: 3, ratePerMember: 1, bodyBytes: 64, durationMs: 2500, warmupMs: 1000 },
      variants: [
        { id: 'webrtc/browser', transport: 'webrtc', clients: 'browser', membersPerPage: 3 },
        { id: 'websocket/browser', transport: 'websocket', clients: 'browser', membersPerPage: 3 },
      ],
    },
  ],
};

describe.skipIf(missing !== undefined)(`the default route a page's WebRTC needs${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('counts what goes out by it, which fails a trial: nothing at first, one datagram to another address of the range then', async () => {
    const network = await LossyNetwork.create(0, { defaultRoute: true });
    try {
      expect(await network.routedAway()).toBe(0);
      // 198.19.0.9 is on the route's /15 and no one's: the kernel asks for it on bench0.
      await execa('ip', ['netns', 'exec', network.name, process.execPath, '-e', "require('dgram').createSocket('udp4').send('x', 9, '198.19.0.9', (e) => process.exit(e ? 1 : 0))"]);
      await expect.poll(() => network.routedAway()).toBeGreaterThan(0);
    } finally {
      await network.close();
    }
    expect(liveNamespaces()).toBe(0);
  }, 30_000);
});

describe.skipIf(!HAVE_CHROMIUM || missing !== undefined)(chromiumSuite(`WebRTC browser members${missing ? ` (skipped: ${missing})` : ''}`), () => {
  it('deliver everything in order over their data channels, timed at every page, their UDP bytes counted, and leave nothing behind', async () => {
    const outcome = await runTiny(TINY);
    await expectCleanRun(outcome);
    for (const id of ['webrtc/browser', 'websocket/browser']) {
      const trial = expectEverythingDelivered(outcome, id);
      expect(trial.browser?.members, id).toBe(6);
      expect(trial.browser?.pages, id).toBe(2);
    }
    const rtc = trialOf(outcome, 'webrtc/browser');
    const ws = trialOf(outcome, 'websocket/browser');
    // In the window no request is made over either (the offers were before it); the frames travel
    // over UDP for WebRTC, so its bytes come from the pages' getStats, past the relay: a message
    // costs at least what it costs over a WebSocket, DTLS and SCTP on top.
    expect(rtc.wire.requests).toBe(0);
    expect(rtc.wire.bytesWritten + rtc.wire.bytesRead).toBeGreaterThan(0.8 * (ws.wire.bytesWritten + ws.wire.bytesRead));
    expect(liveChildren()).toBe(0);
    expect(liveNamespaces()).toBe(0);
  }, 240_000);
});
