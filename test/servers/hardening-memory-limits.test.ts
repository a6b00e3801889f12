/**
 * Hardening, memory (issue 8): the limits a user sets answer with a contract error while the server
 * keeps serving everyone else, and a replay sent in pieces keeps the contract's promises.
 */
import { describe, expect, it, vi } from 'vitest';
import type { ChatMessage } from '../../servers/contract/index.ts';
import { range, seqs, startServer, WAIT_BOUND_MS } from '../../servers/contract/conformance/servers.ts';
import { openRaw } from '../../servers/contract/conformance/raw-socket.ts';

const waitFor = (check: () => void): Promise<void> => vi.waitFor(check, { timeout: WAIT_BOUND_MS, interval: 5 });

async function post(url: string, room: string, id: string): Promise<Response> {
  return fetch(`${url}/rooms/${room}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, from: 'a', body: 'x' }) });
}

describe.each(['short-polling', 'long-polling'] as const)('%s', (transport) => {
  it('answers a new room beyond --max-rooms with 503 TOO_MANY_ROOMS and serves the kept rooms', async () => {
    const { server, url } = await startServer(transport, { maxRooms: 2 });
    expect((await post(url, 'a', '1')).status).toBe(201);
    expect((await post(url, 'b', '1')).status).toBe(201);
    const refused = await post(url, 'c', '1');
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({ error: { code: 'TOO_MANY_ROOMS', message: expect.stringContaining('maxRooms') as string } });
    // Reading an unknown room creates nothing, so it is answered.
    const read = await fetch(`${url}/rooms/c/messages`);
    expect(read.status).toBe(200);
    expect(server.stats().rooms).toBe(2);
    expect((await post(url, 'a', '2')).status).toBe(201);
    expect(await read.json()).toMatchObject({ messages: [] });
  });
});

describe('long polling', () => {
  it('refuses to hold a poll on a new room beyond --max-rooms, and forgets an empty room once its polls end', async () => {
    const { server, url } = await startServer('long-polling', { maxRooms: 1 });
    const head = (await (await fetch(`${url}/rooms/quiet/messages`)).json()) as { cursor: string };
    const held = fetch(`${url}/rooms/quiet/messages?cursor=${head.cursor}&wait=60000`);
    await waitFor(() => expect(server.stats().heldPolls).toBe(1));
    expect(server.stats().rooms).toBe(1);
    const other = (await (await fetch(`${url}/rooms/other/messages`)).json()) as { cursor: string };
    const refused = await fetch(`${url}/rooms/other/messages?cursor=${other.cursor}&wait=60000`);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ error: { code: 'TOO_MANY_ROOMS' } });
    expect((await post(url, 'quiet', '1')).status).toBe(201);
    expect(((await (await held).json()) as { messages: ChatMessage[] }).messages.map((m) => m.seq)).toEqual([1]);
    expect(server.stats().rooms).toBe(1);
  });
});

describe('websocket', () => {
  it('answers a subscription or message for a new room beyond --max-rooms with TOO_MANY_ROOMS; the socket goes on', async () => {
    const { server, url } = await startServer('websocket', { maxRooms: 2 });
    const socket = await openRaw(url);
    socket.sendJson({ type: 'send', room: 'a', id: '1', from: 'a', body: 'x' });
    await socket.next((f) => f.type === 'ack');
    socket.sendJson({ type: 'subscribe', room: 'empty' });
    await socket.next((f) => f.type === 'messages' && f.room === 'empty');
    socket.sendJson({ type: 'subscribe', room: 'c' });
    expect(await socket.next((f) => f.type === 'error')).toMatchObject({ code: 'TOO_MANY_ROOMS', ref: 'c' });
    const from = socket.frames.length;
    socket.sendJson({ type: 'send', room: 'c', id: 'to-c', from: 'a', body: 'x' });
    expect(await socket.next((f) => f.type === 'error', from)).toMatchObject({ code: 'TOO_MANY_ROOMS', ref: 'to-c' });
    // Leaving the empty room frees its place.
    socket.sendJson({ type: 'unsubscribe', room: 'empty' });
    socket.sendJson({ type: 'subscribe', room: 'c' });
    await socket.next((f) => f.type === 'messages' && f.room === 'c');
    expect(server.stats()).toMatchObject({ rooms: 2, subscriptions: 1 });
  });

  it('answers a subscription beyond --max-subscriptions with TOO_MANY_SUBSCRIPTIONS; the others go on', async () => {
    const { server, url } = await startServer('websocket', { maxSubscriptions: 3 });
    const socket = await openRaw(url);
    for (const room of ['r1', 'r2', 'r3']) socket.sendJson({ type: 'subscribe', room });
    await waitFor(() => expect(socket.frames.filter((f) => f.type === 'messages')).toHaveLength(3));
    // Subscribing again to a room it has is not one more.
    socket.sendJson({ type: 'subscribe', room: 'r3' });
    socket.sendJson({ type: 'subscribe', room: 'r4' });
    expect(await socket.next((f) => f.type === 'error')).toMatchObject({ code: 'TOO_MANY_SUBSCRIPTIONS', ref: 'r4' });
    expect(socket.frames.filter((f) => f.type === 'messages')).toHaveLength(4);
    socket.sendJson({ type: 'send', room: 'r1', id: '1', from: 'a', body: 'x' });
    await socket.next((f) => f.type === 'messages' && f.room === 'r1' && (f.messages as unknown[]).length === 1);
    expect(server.stats().subscriptions).toBe(3);
    // Another connection has its own allowance.
    const other = await openRaw(url);
    other.sendJson({ type: 'subscribe', room: 'r4' });
    await other.next((f) => f.type === 'messages');
  });

  it('replays in pieces no larger than the buffer cap while messages keep coming: no gap, no duplicate, no slow-consumer close', async () => {
    const { server, url } = await startServer('websocket', { maxBufferedBytes: 2000 });
    const writer = await openRaw(url);
    writer.sendJson({ type: 'subscribe', room: 'r' });
    const start = (await writer.next((f) => f.type === 'messages')).cursor as string;
    for (let i = 1; i <= 300; i++) writer.sendJson({ type: 'send', room: 'r', id: `m${i}`, from: 'a', body: 'y'.repeat(200) });
    await writer.next((f) => f.type === 'ack' && f.seq === 300);
    const reader = await openRaw(url);
    reader.sendJson({ type: 'subscribe', room: 'r', cursor: start });
    // Live messages while the replay is going on.
    for (let i = 301; i <= 350; i++) writer.sendJson({ type: 'send', room: 'r', id: `m${i}`, from: 'a', body: 'live' });
    const received = (): ChatMessage[] => reader.frames.flatMap((f) => (f.type === 'messages' ? (f.messages as ChatMessage[]) : []));
    await waitFor(() => expect(received().length).toBeGreaterThanOrEqual(350));
    expect(seqs(received())).toEqual(range(1, 350));
    const replayFrames = reader.frames.filter((f) => f.type === 'messages' && (f.messages as ChatMessage[]).length > 1);
    expect(replayFrames.length).toBeGreaterThan(30);
    for (const frame of replayFrames) expect(Buffer.byteLength(JSON.stringify(frame))).toBeLessThanOrEqual(2000);
    expect(server.stats().slowConsumerCloses).toBe(0);
  });
});
