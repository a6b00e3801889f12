/**
 * The bench clients over TLS and HTTP/2: every transport delivers over https/wss trusting only the
 * certificate it is given, the bytes counted are those on the wire (handshakes included), a new
 * TLS connection resumes the session unless told not to, and HTTP/2 carries a client's held poll
 * and posts on one connection.
 */
import { describe, expect, it } from 'vitest';
import { TRANSPORTS, type Transport } from '../../servers/contract/index.ts';
import { ClientError, type ChatClient } from '../../bench/clients/index.ts';
import { connectClient, startServer } from '../helpers/servers.ts';

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
    // WebRTC's bytes are its DTLS datagrams and the signalling's HTTP bodies (README, "WebRTC data
    // channels"), encrypted either way: TLS on the signalling adds nothing they count.
    if (transport === 'webrtc') return;
    // The same exchange; over TLS the server's certificate and the TLS records come on top.
    expect(onTls.bytesRead).toBeGreaterThan(onPlain.bytesRead + 300);
    expect(onTls.bytesWritten).toBeGreaterThan(onPlain.bytesWritten);
  });

  it('refuses a server whose certificate it was not given', async () => {
    const { url } = await startServer('short-polling', { tls: true });
    const { client } = await connectClient('short-polling', url);
    await expect(client.subscribe('r')).rejects.toThrow(ClientError);
    await expect(client.subscribe('r')).rejects.toThrow(/self[- ]signed/i);
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

  it('refuses HTTP/2 to an http:// URL, naming why', async () => {
    const { url } = await startServer('long-polling');
    await expect(connectClient('long-polling', url, { http2: true })).rejects.toThrow('HTTP/2 is spoken over TLS only');
  });
});
