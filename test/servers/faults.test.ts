/**
 * Faults: clients that go away, clients that stop reading or answering, and servers that stop.
 */
import { once } from 'node:events';
import { Agent, get, type ClientRequest } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { createChatServer } from '../../servers/index.ts';
import { connectClient, range, seqs, startServer, WAIT_BOUND_MS } from '../../servers/contract/conformance/servers.ts';
import { openRaw } from '../../servers/contract/conformance/raw-socket.ts';

const waitFor = (check: () => void): Promise<void> => vi.waitFor(check, { timeout: WAIT_BOUND_MS, interval: 10 });

describe('long polling', () => {
  it('forgets 1,000 held polls aborted by their clients: no waiter left, no write', async () => {
    const { server, url } = await startServer('long-polling');
    const head = (await (await fetch(`${url}/rooms/r/messages`)).json()) as { cursor: string };
    const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
    const requests: ClientRequest[] = [];
    const settled: Promise<string>[] = [];
    for (let i = 0; i < 1000; i++) {
      const req = get(`${url}/rooms/r/messages?cursor=${head.cursor}&wait=60000`, { agent });
      settled.push(
        new Promise((resolve) => {
          req.on('response', () => resolve('answered'));
          req.on('error', () => resolve('aborted'));
        }),
      );
      requests.push(req);
    }
    await waitFor(() => expect(server.stats().heldPolls).toBe(1000));
    expect(server.log.listenerCount()).toBe(1000);
    for (const req of requests) req.destroy();
    await waitFor(() => expect(server.stats().abortedPolls).toBe(1000));
    expect(server.stats().heldPolls).toBe(0);
    expect(server.log.listenerCount()).toBe(0);
    // A message now finds no one to write to, and the server goes on serving.
    const posted = await fetch(`${url}/rooms/r/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'after', from: 'a', body: 'x' }),
    });
    expect(posted.status).toBe(201);
    expect(new Set(await Promise.all(settled))).toEqual(new Set(['aborted']));
    agent.destroy();
    // The server counts its open TCP connections: the aborted ones are gone; what is left is at
    // most the keep-alive connection this test's own fetch calls use.
    await waitFor(() => expect(server.stats().connections).toBeLessThanOrEqual(1));
  });

  it('answers held polls with SHUTTING_DOWN and closes without waiting for their hold', async () => {
    const server = await createChatServer('long-polling', { port: 0 });
    const url = await server.listen();
    const head = (await (await fetch(`${url}/rooms/r/messages`)).json()) as { cursor: string };
    const held = range(1, 10).map(() => fetch(`${url}/rooms/r/messages?cursor=${head.cursor}&wait=60000`));
    await waitFor(() => expect(server.stats().heldPolls).toBe(10));
    // The test's own timeout (60 s) equals the hold: closing must not wait for it.
    await server.close();
    const answers = await Promise.all(held);
    for (const answer of answers) {
      expect(answer.status).toBe(503);
      expect(await answer.json()).toMatchObject({ error: { code: 'SHUTTING_DOWN', cursor: head.cursor } });
    }
    expect(server.stats().heldPolls).toBe(0);
  });
});

describe.each(['short-polling', 'long-polling', 'sse'] as const)('%s', (transport) => {
  it('closes promptly with idle keep-alive connections and subscribed clients', async () => {
    const server = await createChatServer(transport, { port: 0 });
    const url = await server.listen();
    const { client } = await connectClient(transport, url, { waitMs: 60_000 });
    await client.subscribe('r');
    await client.send('r', { id: '1', from: 'a', body: 'x' });
    await server.close();
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});

describe('websocket', () => {
  it('cuts off a client that stops reading with 4008, others keep receiving, and it resumes losing nothing', async () => {
    const { server, url } = await startServer('websocket', { maxBufferedBytes: 64 * 1024 });
    const slow = await openRaw(url);
    slow.sendJson({ type: 'subscribe', room: 'r' });
    await slow.next((f) => f.type === 'messages');
    const member = await connectClient('websocket', url);
    await member.client.subscribe('r');
    const sender = await connectClient('websocket', url);

    slow.ws.pause();
    const body = 'x'.repeat(4000);
    let sent = 0;
    // Bounded: the kernel buffers a few MB on loopback before the server's own buffer grows.
    while (server.stats().slowConsumerCloses === 0 && sent < 10_000) {
      await Promise.all(range(sent + 1, sent + 50).map((i) => sender.client.send('r', { id: `m${i}`, from: 's', body })));
      sent += 50;
    }
    expect(server.stats().slowConsumerCloses).toBe(1);
    for (const i of range(sent + 1, sent + 20)) await sender.client.send('r', { id: `m${i}`, from: 's', body });
    sent += 20;
    const memberGot = await member.inbox.waitFor('r', sent);
    expect(seqs(memberGot)).toEqual(range(1, sent));

    const closed = once(slow.ws, 'close');
    slow.ws.resume();
    const [code] = (await closed) as [number];
    expect(code).toBe(4008);
    const frames = slow.frames.filter((f) => f.type === 'messages');
    const slowGot = frames.flatMap((f) => f.messages as { seq: number }[]).map((m) => m.seq);
    expect(slowGot.length).toBeLessThan(sent);
    const cursor = frames.at(-1)?.cursor as string;

    const back = await connectClient('websocket', url);
    await back.client.subscribe('r', cursor);
    const rest = await back.inbox.waitFor('r', sent - slowGot.length);
    expect([...slowGot, ...seqs(rest)]).toEqual(range(1, sent));
  });

  it('closes open sockets with 1001 on shutdown and ends promptly', async () => {
    const server = await createChatServer('websocket', { port: 0 });
    const url = await server.listen();
    const sockets = await Promise.all(range(1, 10).map(() => openRaw(url)));
    for (const s of sockets) s.sendJson({ type: 'subscribe', room: 'r' });
    await waitFor(() => expect(server.stats().subscriptions).toBe(10));
    const codes = sockets.map((s) => once(s.ws, 'close').then(([code]) => code as number));
    await server.close();
    expect(await Promise.all(codes)).toEqual(range(1, 10).map(() => 1001));
    expect(server.stats().sockets).toBe(0);
    expect(server.log.listenerCount()).toBe(0);
  });

  it('drops a client that stops answering pings, and keeps one that answers', async () => {
    const { server, url } = await startServer('websocket', { heartbeatMs: 20 });
    const answering = await openRaw(url);
    const silent = await openRaw(url, { autoPong: false });
    await once(silent.ws, 'close');
    expect(server.stats().heartbeatDrops).toBeGreaterThanOrEqual(1);
    expect(answering.ws.readyState).toBe(answering.ws.OPEN);
  });
});

describe.each(['short-polling', 'long-polling', 'websocket', 'sse'] as const)('%s with a client that never finishes sending', (transport) => {
  it.each([
    ['headers', 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n'],
    ['body', 'POST /rooms/r/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"id"'],
  ])('cuts off a request whose %s never end', async (_what, partial) => {
    const { server, url } = await startServer(transport, { headersTimeoutMs: 200, requestTimeoutMs: 300 });
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    socket.on('error', () => undefined);
    await once(socket, 'connect');
    socket.write(partial);
    await once(socket, 'close');
    // The server may answer before it cuts the connection (408, or 404 where there is no such
    // route), but never with success, and it closes the socket.
    expect(answer === '' || /^HTTP\/1\.1 4\d\d /.test(answer), answer).toBe(true);
    expect(server.log.get('r')?.head ?? 0).toBe(0);
  });
});
