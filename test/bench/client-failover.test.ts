/**
 * A client whose instance dies moves to another and resumes with its cursor (issue 11). Two
 * servers in this process on one RoomLog stand for two instances on one backplane: one seq order,
 * cursors valid on both. Events are waited for, never slept on.
 */
import { describe, expect, it, vi } from 'vitest';
import { InstanceList } from '../../servers/clients/instances.ts';
import type { ClientEvent } from '../../servers/clients/index.ts';
import { instanceOf, urlsFor } from '../../bench/cluster/cluster.ts';
import { createChatServer, RoomLog } from '../../servers/index.ts';
import { connectClient, onCleanup, range, seqs, WAIT_BOUND_MS } from '../../servers/contract/conformance/servers.ts';

const waitFor = (check: () => void): Promise<void> => vi.waitFor(check, { timeout: WAIT_BOUND_MS, interval: 10 });

describe('InstanceList', () => {
  it('moves to the next instance once per failure of the current one, round the list', () => {
    const list = new InstanceList('http://a', ['http://b', 'http://c', 'http://a']);
    expect(list.urls).toEqual(['http://a', 'http://b', 'http://c']);
    const seen = list.moves;
    expect(list.unreachable(seen)).toBe(true);
    expect(list.current).toBe('http://b');
    // A second request that failed on a, begun before the move, does not move it again.
    expect(list.unreachable(seen)).toBe(false);
    expect(list.current).toBe('http://b');
    expect(list.unreachable(list.moves)).toBe(true);
    expect(list.unreachable(list.moves)).toBe(true);
    expect(list.current).toBe('http://a');
  });

  it('stays with its only instance', () => {
    const list = new InstanceList('http://a');
    expect(list.unreachable(list.moves)).toBe(false);
    expect(list.current).toBe('http://a');
  });
});

describe('members spread over instances', () => {
  it('puts member m of a room on instance m mod N, its own URL first and the others after it in turn', () => {
    expect(range(0, 6).map((m) => instanceOf(m, 3))).toEqual([0, 1, 2, 0, 1, 2, 0]);
    expect(range(0, 3).map((m) => instanceOf(m, 1))).toEqual([0, 0, 0, 0]);
    expect(() => instanceOf(0, 0)).toThrow(/positive integer/);
    expect(urlsFor(4, ['a', 'b', 'c'])).toEqual(['b', 'c', 'a']);
    expect(urlsFor(2, ['a', 'b', 'c'])).toEqual(['c', 'a', 'b']);
  });
});

describe.each(['short-polling', 'long-polling', 'websocket', 'sse'] as const)('a %s client whose instance dies', (transport) => {
  it('moves to another instance and resumes with its cursor, losing nothing', async () => {
    const log = new RoomLog({ historySize: 1000 });
    const a = await createChatServer(transport, { port: 0 }, log);
    const b = await createChatServer(transport, { port: 0 }, log);
    onCleanup(() => b.close());
    const [urlA, urlB] = [await a.listen(), await b.listen()];
    const events: ClientEvent[] = [];
    const { client, inbox } = await connectClient(transport, urlA, { fallbackUrls: [urlB], onEvent: (e) => events.push(e), waitMs: 5000 });
    await client.subscribe('r');
    await client.send('r', { id: 'a1', from: 's', body: 'x' });
    for (const i of range(2, 3)) log.append('r', { id: `a${i}`, from: 's', body: 'x' });
    await inbox.waitFor('r', 3);

    await a.close();
    // Posted while the client has no instance: it must get these from the other one.
    for (const i of range(4, 6)) log.append('r', { id: `a${i}`, from: 's', body: 'x' });
    await waitFor(() => expect(events).toContainEqual({ type: 'moved', url: urlB }));
    // Receiving again, from the other instance: then its posts go there too.
    await inbox.waitFor('r', 6);
    const ack = await client.send('r', { id: 'a7', from: 's', body: 'x' });
    expect(ack.seq).toBe(7);

    const got = await inbox.waitFor('r', 7);
    expect(seqs(got)).toEqual(range(1, 7));
    expect(client.counters.cursorExpired).toBe(0);
    expect(client.counters.reconnects).toBeGreaterThanOrEqual(1);
  });
});

describe('a short-polling client whose post finds its instance gone', () => {
  it('counts its next poll, the first on the other instance, as a reconnect', async () => {
    const log = new RoomLog({ historySize: 1000 });
    const a = await createChatServer('short-polling', { port: 0 }, log);
    const b = await createChatServer('short-polling', { port: 0 }, log);
    onCleanup(() => b.close());
    const [urlA, urlB] = [await a.listen(), await b.listen()];
    const events: ClientEvent[] = [];
    // Polls far apart, so that the post, not a poll, is the first to find instance a gone.
    const { client, inbox } = await connectClient('short-polling', urlA, { fallbackUrls: [urlB], onEvent: (e) => events.push(e), pollIntervalMs: 1000, pollPhaseMs: 1000 });
    await client.subscribe('r');
    await a.close();
    await expect(client.send('r', { id: 'p1', from: 's', body: 'x' })).rejects.toMatchObject({ code: 'NETWORK' });
    expect(events).toEqual([{ type: 'moved', url: urlB }]);
    expect(client.counters.reconnects).toBe(0);
    await client.send('r', { id: 'p1', from: 's', body: 'x' });
    await inbox.waitFor('r', 1);
    expect(events.filter((e) => e.type === 'poll-failed')).toEqual([]);
    expect(client.counters.reconnects).toBe(1);
  });
});
