/**
 * The conformance suite: the chat contract's delivery promises, run against every server through
 * the one client interface.
 */
import { describe, expect, it } from 'vitest';
import { TRANSPORTS, type ChatMessage, type Transport } from '../servers/contract/index.ts';
import { ClientError } from '../bench/clients/index.ts';
import { connectClient, range, seqs, startServer } from './helpers.ts';

describe.each(TRANSPORTS)('%s server keeps the contract', (transport) => {
  it('delivers a posted message with every field', async () => {
    const { url } = await startServer(transport);
    const { client, inbox } = await connectClient(transport, url);
    await client.subscribe('lobby');
    const before = Date.now();
    const ack = await client.send('lobby', { id: 'm1', from: 'ada', body: 'hello' });
    expect(ack.seq).toBe(1);
    expect(typeof ack.cursor).toBe('string');
    const [message] = await inbox.waitFor('lobby', 1);
    expect(message).toMatchObject({ room: 'lobby', seq: 1, id: 'm1', from: 'ada', body: 'hello' });
    expect(message?.ts).toBeGreaterThanOrEqual(before - 1);
    expect(message?.ts).toBeLessThanOrEqual(Date.now() + 1);
  });

  it('delivers concurrent posts in seq order, without gaps', async () => {
    const { url } = await startServer(transport);
    const { client, inbox } = await connectClient(transport, url);
    const sender = await connectClient(transport, url);
    await client.subscribe('r');
    const acks = await Promise.all(range(1, 60).map((i) => sender.client.send('r', { id: `m${i}`, from: 's', body: `b${i}` })));
    expect(acks.map((a) => a.seq).sort((a, b) => a - b)).toEqual(range(1, 60));
    const got = await inbox.waitFor('r', 60);
    expect(seqs(got)).toEqual(range(1, 60));
  });

  it('gives every member every message, its own included, in one order', async () => {
    const { url } = await startServer(transport);
    const members = await Promise.all([0, 1, 2].map(() => connectClient(transport, url)));
    for (const m of members) await m.client.subscribe('room-1');
    await Promise.all(
      members.flatMap((m, who) => range(1, 5).map((i) => m.client.send('room-1', { id: `${who}-${i}`, from: `member${who}`, body: 'x' }))),
    );
    const lists = await Promise.all(members.map((m) => m.inbox.waitFor('room-1', 15)));
    for (const list of lists) {
      expect(seqs(list)).toEqual(range(1, 15));
      expect(list).toEqual(lists[0]);
    }
    for (let who = 0; who < 3; who++) {
      expect(lists[who]?.filter((m) => m.from === `member${who}`)).toHaveLength(5);
    }
  });

  it('resumes with a cursor after a disconnect: exactly the missed messages, then live, no gap', async () => {
    const { url } = await startServer(transport);
    const sender = await connectClient(transport, url);
    const first = await connectClient(transport, url);
    await first.client.subscribe('r');
    for (const i of range(1, 3)) await sender.client.send('r', { id: `a${i}`, from: 's', body: 'x' });
    await first.inbox.waitFor('r', 3);
    const cursor = first.client.cursor('r');
    expect(cursor).toBeDefined();
    await first.client.close();

    for (const i of range(4, 8)) await sender.client.send('r', { id: `a${i}`, from: 's', body: 'x' });
    // Posts race the switch from replay to live: none may fall between.
    const racing = range(9, 28).map((i) => sender.client.send('r', { id: `a${i}`, from: 's', body: 'x' }));
    const second = await connectClient(transport, url);
    await second.client.subscribe('r', cursor);
    await Promise.all(racing);
    for (const i of range(29, 30)) await sender.client.send('r', { id: `a${i}`, from: 's', body: 'x' });
    const got = await second.inbox.waitFor('r', 27);
    expect(seqs(got)).toEqual(range(4, 30));
  });

  it('answers an expired cursor with CURSOR_EXPIRED and a fresh cursor that works', async () => {
    const { url } = await startServer(transport, { historySize: 5 });
    const { client, inbox } = await connectClient(transport, url);
    const old = await client.subscribe('r');
    client.unsubscribe('r');
    for (const i of range(1, 10)) await client.send('r', { id: `m${i}`, from: 's', body: 'x' });
    const error = await client.subscribe('r', old).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ClientError);
    expect((error as ClientError).code).toBe('CURSOR_EXPIRED');
    const fresh = (error as ClientError).cursor;
    expect(typeof fresh).toBe('string');
    await client.subscribe('r', fresh);
    await client.send('r', { id: 'm11', from: 's', body: 'x' });
    const got = await inbox.waitFor('r', 1);
    expect(seqs(got)).toEqual([11]);
  });

  it('answers a cursor of another server run, another room, or garbage with CURSOR_EXPIRED', async () => {
    const one = await startServer(transport);
    const two = await startServer(transport);
    const a = await connectClient(transport, one.url);
    const b = await connectClient(transport, two.url);
    await a.client.send('r', { id: 'm1', from: 's', body: 'x' });
    await b.client.send('r', { id: 'm1', from: 's', body: 'x' });
    const otherRun = await a.client.subscribe('r');
    const otherRoom = await b.client.subscribe('elsewhere');
    for (const cursor of [otherRun, otherRoom, 'not-a-cursor', 'a.b.c']) {
      const error = await b.client.subscribe('r', cursor).then(
        () => undefined,
        (e: unknown) => e as ClientError,
      );
      expect(error?.code, `cursor ${cursor}`).toBe('CURSOR_EXPIRED');
      expect(typeof error?.cursor).toBe('string');
    }
  });

  it('stores a safe retry once and answers it with the original seq', async () => {
    const { url } = await startServer(transport);
    const { client, inbox } = await connectClient(transport, url);
    await client.subscribe('r');
    const first = await client.send('r', { id: 'same', from: 'ada', body: 'hi' });
    const retry = await client.send('r', { id: 'same', from: 'ada', body: 'hi' });
    expect(retry.seq).toBe(first.seq);
    // The same id from another author is another message.
    const other = await client.send('r', { id: 'same', from: 'bob', body: 'hi' });
    expect(other.seq).toBe(first.seq + 1);
    const got = await inbox.waitFor('r', 2);
    expect(got.map((m) => [m.seq, m.from])).toEqual([
      [1, 'ada'],
      [2, 'bob'],
    ]);
  });

  it('keeps rooms apart, __proto__ and constructor being ordinary rooms', async () => {
    const { url } = await startServer(transport);
    const { client, inbox } = await connectClient(transport, url);
    for (const room of ['__proto__', 'constructor', 'toString']) await client.subscribe(room);
    await client.send('__proto__', { id: '1', from: 's', body: 'p' });
    await client.send('constructor', { id: '1', from: 's', body: 'c' });
    await client.send('toString', { id: '1', from: 's', body: 't' });
    for (const [room, body] of [['__proto__', 'p'], ['constructor', 'c'], ['toString', 't']] as const) {
      const got = await inbox.waitFor(room, 1);
      expect(got.map((m) => [m.room, m.seq, m.body])).toEqual([[room, 1, body]]);
    }
  });
});

/** One script of posts, with a retry and two rooms; what every server must turn it into. */
async function runScript(transport: Transport): Promise<Omit<ChatMessage, 'ts'>[]> {
  const { url } = await startServer(transport);
  const { client, inbox } = await connectClient(transport, url);
  await client.subscribe('alpha');
  await client.subscribe('beta');
  const script = [
    ['alpha', 'a1', 'ada', 'hello'],
    ['beta', 'b1', 'bob', 'hi there'],
    ['alpha', 'a2', 'bob', 'ünïcödé ✓ 🎉'],
    ['alpha', 'a1', 'ada', 'hello'], // a retry
    ['beta', 'b2', 'ada', ''],
    ['alpha', 'a3', 'ada', 'line\nbreak "quoted"'],
  ] as const;
  for (const [room, id, from, body] of script) await client.send(room, { id, from, body });
  const alpha = await inbox.waitFor('alpha', 3);
  const beta = await inbox.waitFor('beta', 2);
  return [...alpha, ...beta].map(({ ts: _ts, ...rest }) => rest);
}

describe('every server', () => {
  it('turns the same script of posts into the same messages', async () => {
    const results = await Promise.all(TRANSPORTS.map((t) => runScript(t)));
    expect(results[0]).toEqual([
      { room: 'alpha', seq: 1, id: 'a1', from: 'ada', body: 'hello' },
      { room: 'alpha', seq: 2, id: 'a2', from: 'bob', body: 'ünïcödé ✓ 🎉' },
      { room: 'alpha', seq: 3, id: 'a3', from: 'ada', body: 'line\nbreak "quoted"' },
      { room: 'beta', seq: 1, id: 'b1', from: 'bob', body: 'hi there' },
      { room: 'beta', seq: 2, id: 'b2', from: 'ada', body: '' },
    ]);
    for (const result of results) expect(result).toEqual(results[0]);
  });
});
