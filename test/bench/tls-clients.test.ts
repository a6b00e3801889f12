/**
 * The bench clients over TLS and HTTP/2: every transport delivers over https/wss trusting only the
 * certificate it is given, the bytes counted are those on the wire (handshakes included), a new
 * TLS connection resumes the session unless told not to, and HTTP/2 carries a client's held poll
 * or SSE stream and its posts on one connection.
 */
import { describe, expect, it, vi } from 'vitest';
import { TRANSPORTS, type Transport } from '../../servers/contract/index.ts';
import { createChatServer, RoomLog } from '../../servers/index.ts';
import { ClientError, type ChatClient, type ClientEvent } from '../../servers/clients/index.ts';
import { connectClient, onCleanup, range, seqs, startServer, WAIT_BOUND_MS } from '../../servers/contract/conformance/servers.ts';
import { makeCertFiles } from '../helpers/tls.ts';

/** Subscribes, sends `count` messages, waits for them to arrive; returns the client's counters then. */
async function exchange(client: ChatClient, box: { waitFor(room: string, n: number): Promise<unknown> }, count: number, room = 'r'): Promise<ChatClient['counters']> {
  await client.subscribe(room);
  for (let i = 1; i <= count; i++) await client.send(room, { id: `m${i}`, from: 'a', body: `message ${i}` });
  await box.waitFor(room, count);
  return { ...client.counters };
}

describe('bench clients over TLS', () => {
  it.each(TRANSPORTS)('%s delivers over TLS, and counts the TLS bytes on the wire', async (transport: Transport) => {
    const plain = await startServer(transport);
    const tls = await startServer(transport, { tls: true });
    const a = await connectClient(transport, plain.url);
    const b = await connectClient(transport, tls.url, { ca: tls.server.tls?.cert ?? '' });
    const onPlain = await exchange(a.client, a.inbox, 3);
    const onTls = await exchange(b.client, b.inbox, 3);
    expect(b.inbox.of('r').map((m) => m.body)).toEqual(['message 1', 'message 2', 'message 3']);
    // WebRTC's bytes are its DTLS datagrams and the signalling's HTTP bodies
    // (servers/webrtc/README.md, "The client"), encrypted either way: TLS on the signalling adds
    // nothing they count.
    if (transport === 'webrtc') return;
    // The same exchange; over TLS the server's certificate and the TLS records come on top.
    expect(onTls.bytesRead).toBeGreaterThan(onPlain.bytesRead + 300);
    expect(onTls.bytesWritten).toBeGreaterThan(onPlain.bytesWritten);
  });

  it('refuses a server whose certificate it was not given', async () => {
    const { url } = await startServer('short-polling', { tls: true });
    // Connecting opens the client's connection ahead of its first poll: that is where it is refused.
    const refused = connectClient('short-polling', url);
    await expect(refused).rejects.toThrow(ClientError);
    await expect(refused).rejects.toThrow(/self[- ]signed/i);
  });

  it('a new TLS connection per request resumes the session; with resumeTls false each pays a full handshake', async () => {
    const { server, url } = await startServer('short-polling', { tls: true });
    const ca = server.tls?.cert ?? '';
    const perConnection = async (resumeTls: boolean): Promise<number> => {
      const { client, inbox } = await connectClient('short-polling', url, { ca, keepAlive: false, resumeTls });
      const counters = await exchange(client, inbox, 2, `r-${String(resumeTls)}`);
      expect(counters.connections).toBe(counters.requests);
      return counters.bytesRead / counters.connections;
    };
    const resumed = await perConnection(true);
    const full = await perConnection(false);
    // A resumed handshake sends no certificate: each full one reads its few hundred bytes more.
    expect(full).toBeGreaterThan(resumed + 200);
  });

  it('HTTP/2 carries a long-polling client\'s held poll and its posts on one connection', async () => {
    const { server, url } = await startServer('long-polling', { tls: true, http2: true });
    const { client, inbox } = await connectClient('long-polling', url, { ca: server.tls?.cert ?? '', http2: true, waitMs: 30_000 });
    const counters = await exchange(client, inbox, 5);
    expect(counters.requests).toBeGreaterThanOrEqual(7);
    expect(counters.connections).toBe(1);
    expect(server.stats().connections).toBe(1);
  });

  it('HTTP/2 carries an SSE client\'s stream and its posts on one connection, where HTTP/1.1 takes more', async () => {
    const { server, url } = await startServer('sse', { tls: true, http2: true });
    const ca = server.tls?.cert ?? '';
    const h2 = await connectClient('sse', url, { ca, http2: true });
    const counters = await exchange(h2.client, h2.inbox, 5);
    expect(h2.inbox.of('r').map((m) => m.body)).toEqual(range(1, 5).map((i) => `message ${i}`));
    // The connection opened ahead (GET /healthz), the stream and five posts, all on one connection the
    // server sees too: only HTTP/2 can, since an HTTP/1.1 connection that carries a stream carries
    // nothing else (the stream is its one answer).
    expect(counters.requests).toBe(7);
    expect(counters.connections).toBe(1);
    expect(server.stats().connections).toBe(1);
    // A second room's stream joins the same connection.
    const both = await exchange(h2.client, h2.inbox, 1, 'r3');
    expect(h2.inbox.of('r3').map((m) => m.body)).toEqual(['message 1']);
    expect([both.requests, both.connections, server.stats().connections]).toEqual([9, 1, 1]);
    expect(server.stats().streams).toBe(2);
    // Leaving a room cancels its stream alone: the server lets it go, the connection and the other stream stay.
    h2.client.unsubscribe('r3');
    await vi.waitFor(() => expect(server.stats().streams).toBe(1), { timeout: WAIT_BOUND_MS, interval: 10 });
    expect(server.stats().connections).toBe(1);
    await h2.client.send('r', { id: 'm6', from: 'a', body: 'message 6' });
    await h2.inbox.waitFor('r', 6);
    // The same client on HTTP/1.1 (ALPN picks it on the same server): the stream holds a connection
    // and the posts take their own (two here: undici reuses a connection only a turn of the event
    // loop after its answer, and the second post is sent sooner).
    const h1 = await connectClient('sse', url, { ca });
    const onH1 = await exchange(h1.client, h1.inbox, 2, 'r2');
    expect(onH1.connections).toBeGreaterThanOrEqual(2);
    expect(server.stats().connections).toBe(1 + onH1.connections);
  });

  it('an SSE client over HTTP/2 resumes with its last event id after the server restarts, losing nothing, on a new connection', async () => {
    const { certFile, keyFile } = makeCertFiles();
    const options = { tls: true, http2: true, cert: certFile, key: keyFile };
    const log = new RoomLog({ historySize: 1000 });
    const first = await createChatServer('sse', { port: 0, ...options }, log);
    const url = await first.listen();
    const events: ClientEvent[] = [];
    const { client, inbox } = await connectClient('sse', url, { ca: first.tls?.cert ?? '', http2: true, onEvent: (e) => events.push(e) });
    await client.subscribe('r');
    await client.send('r', { id: 'a1', from: 'c', body: 'x' });
    for (const i of range(2, 3)) log.append('r', { id: `a${i}`, from: 's', body: 'x' });
    await inbox.waitFor('r', 3);
    expect(client.counters.connections).toBe(1);

    await first.close();
    await vi.waitFor(() => expect(events.some((e) => e.type === 'disconnected')).toBe(true), { timeout: WAIT_BOUND_MS, interval: 10 });
    // Posted while the server is away: the client must get these when it comes back.
    for (const i of range(4, 6)) log.append('r', { id: `a${i}`, from: 's', body: 'x' });
    const second = await createChatServer('sse', { port: Number(new URL(url).port), ...options }, log);
    onCleanup(() => second.close());
    await second.listen();
    await vi.waitFor(() => expect(events.some((e) => e.type === 'reconnected')).toBe(true), { timeout: WAIT_BOUND_MS, interval: 10 });
    await client.send('r', { id: 'a7', from: 'c', body: 'x' });

    expect(seqs(await inbox.waitFor('r', 7))).toEqual(range(1, 7));
    expect(client.counters.reconnects).toBeGreaterThanOrEqual(1);
    // One connection to each server, the resumed stream and the post sharing the second.
    expect(client.counters.connections).toBe(2);
    expect(second.stats().connections).toBe(1);
  });

  it('refuses HTTP/2 to an http:// URL, naming why', async () => {
    const { url } = await startServer('long-polling');
    await expect(connectClient('long-polling', url, { http2: true })).rejects.toThrow('HTTP/2 is spoken over TLS only');
  });
});
