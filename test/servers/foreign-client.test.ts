/**
 * A client that no one in this project wrote, following only the contract: plain fetch and plain
 * ws, no import from bench/clients.
 */
import { describe, expect, it } from 'vitest';
import { startServer } from '../../servers/contract/conformance/servers.ts';
import { openRaw } from '../../servers/contract/conformance/raw-socket.ts';

interface Poll {
  messages: { room: string; seq: number; id: string; from: string; body: string; ts: number }[];
  cursor: string;
}

const json = { 'content-type': 'application/json' };

describe.each(['short-polling', 'long-polling'] as const)('a plain fetch client on %s', (transport) => {
  it('posts, polls from a cursor, and resumes from the cursor it was given', async () => {
    const { url } = await startServer(transport);
    const head = (await (await fetch(`${url}/rooms/lobby/messages`)).json()) as Poll;
    expect(head.messages).toEqual([]);
    // Long polling: this GET is held until the post below stores a message.
    const waiting = fetch(`${url}/rooms/lobby/messages?cursor=${encodeURIComponent(head.cursor)}&wait=30000`);
    const posted = await fetch(`${url}/rooms/lobby/messages`, { method: 'POST', headers: json, body: JSON.stringify({ id: 'x1', from: 'curl', body: 'hi' }) });
    expect(posted.status).toBe(201);
    expect(await posted.json()).toMatchObject({ seq: 1 });
    let answer = (await (await waiting).json()) as Poll;
    // Short polling answers at once, possibly before the post: poll again from the cursor it gave.
    while (answer.messages.length === 0) {
      answer = (await (await fetch(`${url}/rooms/lobby/messages?cursor=${encodeURIComponent(answer.cursor)}`)).json()) as Poll;
    }
    expect(answer.messages).toMatchObject([{ room: 'lobby', seq: 1, id: 'x1', from: 'curl', body: 'hi' }]);
    await fetch(`${url}/rooms/lobby/messages`, { method: 'POST', headers: json, body: JSON.stringify({ id: 'x2', from: 'curl', body: 'again' }) });
    const next = (await (await fetch(`${url}/rooms/lobby/messages?cursor=${encodeURIComponent(answer.cursor)}&limit=10`)).json()) as Poll;
    expect(next.messages.map((m) => m.seq)).toEqual([2]);
  });
});

describe('a plain ws client on websocket', () => {
  it('subscribes, sends, receives its own message and an ack, and resumes from a cursor', async () => {
    const { url } = await startServer('websocket');
    const raw = await openRaw(url);
    raw.sendJson({ type: 'subscribe', room: 'lobby' });
    const first = await raw.next((f) => f.type === 'messages');
    expect(first).toMatchObject({ room: 'lobby', messages: [] });
    raw.sendJson({ type: 'send', room: 'lobby', id: 'w1', from: 'wscat', body: 'hi' });
    const ack = await raw.next((f) => f.type === 'ack');
    expect(ack).toMatchObject({ room: 'lobby', id: 'w1', seq: 1 });
    const live = await raw.next((f) => f.type === 'messages' && (f.messages as unknown[]).length === 1);
    expect(live.messages).toMatchObject([{ room: 'lobby', seq: 1, id: 'w1', from: 'wscat', body: 'hi' }]);

    const again = await openRaw(url);
    again.sendJson({ type: 'subscribe', room: 'lobby', cursor: first.cursor });
    const replay = await again.next((f) => f.type === 'messages');
    expect((replay.messages as { seq: number }[]).map((m) => m.seq)).toEqual([1]);
  });
});
