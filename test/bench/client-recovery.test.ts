/**
 * The clients recover as a real client would: after a server goes away they come back with their
 * last cursor and lose nothing; after CURSOR_EXPIRED they restart from the cursor given. Every
 * such event is counted.
 */
import { describe, expect, it, vi } from 'vitest';
import { createChatServer, RoomLog } from '../../servers/index.ts';
import type { ClientEvent } from '../../servers/clients/index.ts';
import { connectClient, onCleanup, range, seqs, WAIT_BOUND_MS } from '../../servers/contract/conformance/servers.ts';

const waitFor = (check: () => void): Promise<void> => vi.waitFor(check, { timeout: WAIT_BOUND_MS, interval: 10 });

describe.each(['short-polling', 'long-polling', 'websocket', 'sse', 'webrtc'] as const)('a %s client', (transport) => {
  it('comes back after the server restarts, with its cursor, losing nothing', async () => {
    const log = new RoomLog({ historySize: 1000 });
    const first = await createChatServer(transport, { port: 0 }, log);
    const url = await first.listen();
    const port = Number(new URL(url).port);
    const events: ClientEvent[] = [];
    const { client, inbox } = await connectClient(transport, url, { onEvent: (e) => events.push(e) });
    await client.subscribe('r');
    for (const i of range(1, 3)) log.append('r', { id: `a${i}`, from: 's', body: 'x' });
    await inbox.waitFor('r', 3);

    await first.close();
    await waitFor(() => expect(events.some((e) => e.type === 'disconnected' || e.type === 'poll-failed')).toBe(true));
    // Posted while the server is away: the client must get these when it comes back.
    for (const i of range(4, 6)) log.append('r', { id: `a${i}`, from: 's', body: 'x' });
    const second = await createChatServer(transport, { port }, log);
    onCleanup(() => second.close());
    await second.listen();
    log.append('r', { id: 'a7', from: 's', body: 'x' });

    const got = await inbox.waitFor('r', 7);
    expect(seqs(got)).toEqual(range(1, 7));
    expect(client.counters.reconnects).toBeGreaterThanOrEqual(1);
    expect(client.counters.errors).toBeGreaterThanOrEqual(1);
  });
});

describe.each(['short-polling', 'long-polling'] as const)('a %s client whose cursor expires while it receives', (transport) => {
  it('restarts from the cursor the server gives, says so, and counts it', async () => {
    const server = await createChatServer(transport, { port: 0, historySize: 5 });
    onCleanup(() => server.close());
    const url = await server.listen();
    const events: ClientEvent[] = [];
    // Short polls far apart, so that the burst below lands between two polls.
    const { client, inbox } = await connectClient(transport, url, { pollIntervalMs: 200, onEvent: (e) => events.push(e), waitMs: 0 });
    await client.subscribe('r');
    // 20 messages in one turn of the event loop: history keeps 5, so the client's cursor expires.
    for (const i of range(1, 20)) server.log.append('r', { id: `m${i}`, from: 's', body: 'x' });
    await waitFor(() => expect(events.some((e) => e.type === 'cursor-expired')).toBe(true));
    expect(client.counters.cursorExpired).toBe(1);
    server.log.append('r', { id: 'after', from: 's', body: 'x' });
    const got = await inbox.waitFor('r', 1);
    // Nothing partial: the skipped messages are not replayed; the next one arrives.
    expect(seqs(got)).toEqual([21]);
  });
});
