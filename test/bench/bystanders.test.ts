/**
 * The soak's bystanders (issue 23) against real servers: non-readers that subscribe and never
 * read, leavers that leave abruptly and come back. What each does is counted, a stalled stream is
 * cut by the server and comes back, and once they stop the server holds no slot of theirs.
 */
import { describe, expect, it, vi } from 'vitest';
import { Bystanders } from '../../bench/generator/bystanders.ts';
import { seededRandom } from '../../bench/generator/schedule.ts';
import { WAIT_BOUND_MS, connectClient, onCleanup, startServer } from '../../servers/contract/conformance/servers.ts';

const KiB = 1024;
/** A per-client cap small enough that a stalled stream is cut after a few hundred KB beyond what the kernel holds. */
const OPTIONS = { maxBufferedBytes: 64 * KiB };
const BODY = 'b'.repeat(4000);
/** The server's counts that are slots a client holds. */
const SLOTS = ['heldPolls', 'streams', 'sockets', 'subscriptions', 'listeners', 'connections', 'waitingBytes', 'parkedRequests'] as const;

describe('bystanders', () => {
  it.each(['sse', 'websocket', 'long-polling', 'short-polling'] as const)('on %s: non-readers join, leavers leave and come back, and no slot is left once they stop', async (transport) => {
    const { server, url } = await startServer(transport, OPTIONS);
    const { client } = await connectClient(transport, url);
    const bystanders = new Bystanders({ url, transport, rooms: ['soak'], spec: { nonReaders: 2, leavers: 2, stayMs: 60, stallMs: 400 }, random: seededRandom(7), waitMs: 5000, pollIntervalMs: 20 });
    onCleanup(async () => bystanders.stop());
    await bystanders.start();
    expect(bystanders.result().nonReaderJoins).toBe(2);
    // The room's traffic: a stalled stream is cut once what waits for it passes the cap.
    let sent = 0;
    const stalls = transport === 'sse' || transport === 'websocket';
    while ((stalls && server.stats().slowConsumerCloses < 1) || bystanders.result().leaves < 6 || bystanders.result().nonReaderReturns < 2) {
      await client.send('soak', { id: `m${++sent}`, from: 'talker', body: BODY });
      if (sent > 20_000) throw new Error(`after ${sent} posts: ${JSON.stringify(bystanders.result())}, server ${JSON.stringify(server.stats())}`);
    }
    // The non-readers that came back subscribed again, stalled afresh.
    await vi.waitFor(() => expect(bystanders.result().nonReaderJoins).toBeGreaterThan(2), { timeout: WAIT_BOUND_MS, interval: 5 });
    expect(bystanders.result().failures).toBe(0);
    bystanders.stop();
    await client.close();
    await vi.waitFor(
      () => {
        const stats = server.stats() as unknown as Record<string, number>;
        expect(Object.fromEntries(SLOTS.map((s) => [s, stats[s] ?? 0]))).toEqual(Object.fromEntries(SLOTS.map((s) => [s, 0])));
      },
      { timeout: WAIT_BOUND_MS, interval: 10 },
    );
  });

  it('refuses a transport it does not speak', () => {
    expect(() => new Bystanders({ url: 'http://127.0.0.1:1', transport: 'webrtc', rooms: ['r'], spec: { nonReaders: 1, leavers: 0, stayMs: 100, stallMs: 100 }, random: Math.random })).toThrow(/not made for webrtc/);
  });
});
