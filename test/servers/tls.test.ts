/**
 * `--tls` and `--http2` on the servers: https:// with a certificate made at start that a client can
 * trust (and an untrusting client refuses), `--cert`/`--key` files served as given, wss://, HTTP/2
 * with one connection carrying a held poll and the post that answers it, and bad input refused
 * with the option named.
 */
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { TRANSPORTS, type PollAnswer, type PostAnswer } from '../../servers/contract/index.ts';
import { createChatServer } from '../../servers/index.ts';
import { startServer } from '../../servers/contract/conformance/servers.ts';
import { http2Fetch, http2Session, httpsFetch, makeCertFiles } from '../helpers/tls.ts';

describe('--tls', () => {
  it.each(TRANSPORTS)('%s serves https:// with a certificate for 127.0.0.1 and localhost made at start', async (transport) => {
    const { server, url } = await startServer(transport, { tls: true });
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const tls = server.tls;
    expect(tls?.selfSigned).toBe(true);
    const x509 = new X509Certificate(tls?.cert ?? '');
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(x509.checkHost('localhost')).toBe('localhost');
    expect(readFileSync(tls?.certFile ?? '', 'utf8')).toBe(tls?.cert);
    const answer = await httpsFetch(`${url}/healthz`, tls?.cert);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ status: 'ok', transport });
    expect(answer.peerFingerprint).toBe(x509.fingerprint256);
    // A client that does not trust the certificate is refused: the TLS is real, not skipped.
    await expect(httpsFetch(`${url}/healthz`, undefined)).rejects.toThrow(/self[- ]signed/i);
  });

  it('serves the --cert and --key files given', async () => {
    const { certFile, keyFile } = makeCertFiles('/CN=given-cert');
    const { server, url } = await startServer('short-polling', { tls: true, cert: certFile, key: keyFile });
    const pem = readFileSync(certFile, 'utf8');
    expect(server.tls).toMatchObject({ selfSigned: false, certFile, cert: pem });
    const answer = await httpsFetch(`${url}/healthz`, pem);
    expect(answer.status).toBe(200);
    expect(answer.peerFingerprint).toBe(new X509Certificate(pem).fingerprint256);
  });

  it('carries WebSocket frames over wss://', async () => {
    const { server, url } = await startServer('websocket', { tls: true });
    const ws = new WebSocket(`${url.replace(/^https/, 'wss')}/ws`, { ca: server.tls?.cert });
    await once(ws, 'open');
    ws.send(JSON.stringify({ type: 'subscribe', room: 'r' }));
    const [data] = (await once(ws, 'message')) as [Buffer];
    expect(JSON.parse(data.toString())).toMatchObject({ type: 'messages', room: 'r', messages: [] });
    ws.close();
    await once(ws, 'close');
  });

  it.each([
    [{ tls: true, cert: '/nonexistent/cert.pem', key: '/nonexistent/key.pem' }, /option cert: cannot read "\/nonexistent\/cert\.pem" \(ENOENT/],
    [{ tls: true, cert: 'KEY', key: 'KEY' }, /option cert: ".*key\.pem" is not a PEM certificate/],
    [{ tls: true, cert: 'CERT', key: 'CERT' }, /option key: ".*cert\.pem" is not an unencrypted PEM private key/],
    [{ tls: true, cert: 'CERT', key: 'OTHER_KEY' }, /option key: ".*key\.pem" is not the private key of option cert ".*cert\.pem" \(subject CN=given\)/],
    [{ tls: true, cert: 'CERT' }, /option cert and option key go together: option key is missing/],
    [{ cert: 'CERT', key: 'KEY' }, /option cert and option key need option tls/],
    [{ http2: true }, /option http2 needs option tls/],
  ])('refuses %j with an error naming the option', async (given, message) => {
    const mine = makeCertFiles('/CN=given');
    const other = makeCertFiles('/CN=other');
    const files: Record<string, string> = { CERT: mine.certFile, KEY: mine.keyFile, OTHER_KEY: other.keyFile };
    const resolved = Object.fromEntries(Object.entries(given).map(([k, v]) => [k, typeof v === 'string' ? (files[v] ?? v) : v]));
    await expect(createChatServer('short-polling', resolved)).rejects.toThrow(message);
  });

  it('refuses --http2 on the WebSocket server', async () => {
    await expect(createChatServer('websocket', { tls: true, http2: true })).rejects.toThrow('option http2 applies to short-polling, long-polling and sse, not websocket');
  });
});

describe('--http2', () => {
  it('one HTTP/2 connection carries a held long poll and the post that answers it; HTTP/1.1 clients are still served', async () => {
    const { server, url } = await startServer('long-polling', { tls: true, http2: true });
    const ca = server.tls?.cert ?? '';
    const session = await http2Session(url, ca);
    const head = JSON.parse((await http2Fetch(session, '/rooms/r/messages')).body) as PollAnswer;
    const held = http2Fetch(session, `/rooms/r/messages?cursor=${encodeURIComponent(head.cursor)}&wait=30000`);
    await expect.poll(() => server.stats().heldPolls).toBe(1);
    const post = await http2Fetch(session, '/rooms/r/messages', { method: 'POST', body: JSON.stringify({ id: 'm1', from: 'a', body: 'over h2' }) });
    expect(post.status).toBe(201);
    expect((JSON.parse(post.body) as PostAnswer).seq).toBe(1);
    const answer = await held;
    expect(answer.status).toBe(200);
    expect((JSON.parse(answer.body) as PollAnswer).messages.map((m) => m.body)).toEqual(['over h2']);
    // Three requests, one TCP connection.
    expect(server.stats().connections).toBe(1);
    const http1 = await httpsFetch(`${url}/healthz`, ca);
    // node:https offers no ALPN: the server falls back to HTTP/1.1 for it.
    expect(http1).toMatchObject({ status: 200, alpn: false, httpVersion: '1.1' });
  });

  it('on close, answers a held poll with SHUTTING_DOWN and ends an open session without waiting out the grace', async () => {
    const { server, url } = await startServer('long-polling', { tls: true, http2: true, shutdownGraceMs: 600_000 });
    const session = await http2Session(url, server.tls?.cert ?? '');
    const head = JSON.parse((await http2Fetch(session, '/rooms/r/messages')).body) as PollAnswer;
    const held = http2Fetch(session, `/rooms/r/messages?cursor=${encodeURIComponent(head.cursor)}&wait=30000`);
    await expect.poll(() => server.stats().heldPolls).toBe(1);
    const closed = once(session, 'close');
    // The grace is 10 minutes: only the GOAWAY lets this close finish within the test's bound.
    await server.close();
    const answer = await held;
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'SHUTTING_DOWN' } });
    await closed;
  });
});
