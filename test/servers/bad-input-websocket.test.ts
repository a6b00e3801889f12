/**
 * Bad input on the WebSocket server, sent with plain `ws`: what the contract leaves to the server
 * (servers/contract/README.md, "This implementation: where the contract is silent") and what needs server options. What
 * the contract itself says about bad frames is in the conformance suite (servers/contract/conformance/suite.ts).
 * Each case asserts the error frame's code and `ref`, that the connection stays open where the
 * protocol allows, and that nothing was stored.
 */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { openRaw, handshakeStatus } from '../../servers/contract/conformance/raw-socket.ts';
import { startServer } from '../../servers/contract/conformance/servers.ts';

const isError = (f: Record<string, unknown>): boolean => f.type === 'error';

describe('websocket server refuses bad frames and keeps the connection', () => {
  it('answers unknown fields and malformed subscriptions with BAD_REQUEST and the room or id as ref, storing nothing', async () => {
    const { server, url } = await startServer('websocket');
    const raw = await openRaw(url);
    const cases: [string, string | undefined][] = [
      [JSON.stringify({ type: 'shout', room: 'r' }), 'r'],
      [JSON.stringify({ type: 'send', room: 'r', from: 'a', body: 'x' }), 'r'],
      [JSON.stringify({ type: 'send', room: 'r', id: 'x'.repeat(65), from: 'a', body: 'x' }), 'x'.repeat(65)],
      [JSON.stringify({ type: 'send', room: 'r', id: 'i6', from: 'a', body: 'x', extra: 1 }), 'i6'],
      ['{"type":"send","room":"r","id":"i7","from":"a","body":"x","__proto__":{"polluted":1}}', 'i7'],
      [JSON.stringify({ type: 'subscribe', room: 'x'.repeat(65) }), 'x'.repeat(65)],
      [JSON.stringify({ type: 'subscribe', room: 'r', cursor: '' }), 'r'],
      [JSON.stringify({ type: 'subscribe', room: 'r', cursor: 5 }), 'r'],
      [JSON.stringify({ type: 'unsubscribe' }), undefined],
    ];
    for (const [text, ref] of cases) {
      const from = raw.frames.length;
      raw.ws.send(text);
      const error = await raw.next(isError, from);
      expect(error.code, text).toBe('BAD_REQUEST');
      expect(error.ref, text).toBe(ref);
      expect(String(error.message).length).toBeGreaterThan(10);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(server.log.get('r')?.head ?? 0).toBe(0);
    // Still open and working.
    raw.sendJson({ type: 'send', room: 'r', id: 'ok', from: 'a', body: 'x' });
    expect(await raw.next((f) => f.type === 'ack')).toMatchObject({ type: 'ack', room: 'r', id: 'ok', seq: 1 });
  });

  it('refuses a binary frame with BAD_REQUEST and stays open', async () => {
    const { url } = await startServer('websocket');
    const raw = await openRaw(url);
    raw.ws.send(Buffer.from(JSON.stringify({ type: 'subscribe', room: 'r' })), { binary: true });
    expect(await raw.next(isError)).toMatchObject({ code: 'BAD_REQUEST' });
    raw.sendJson({ type: 'subscribe', room: 'r' });
    expect(await raw.next((f) => f.type === 'messages')).toMatchObject({ room: 'r', messages: [] });
  });

  it('answers a body over maxBodyBytes with PAYLOAD_TOO_LARGE and stays open', async () => {
    const { server, url } = await startServer('websocket', { maxBodyBytes: 100 });
    const raw = await openRaw(url);
    raw.sendJson({ type: 'send', room: 'r', id: 'big', from: 'a', body: '✓'.repeat(34) });
    expect(await raw.next(isError)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', ref: 'big' });
    expect(server.log.get('r')?.head ?? 0).toBe(0);
    expect(raw.ws.readyState).toBe(raw.ws.OPEN);
  });

  it('closes on a frame over maxPayloadBytes with 1009, as the WebSocket protocol says', async () => {
    const { server, url } = await startServer('websocket', { maxBodyBytes: 1000, maxPayloadBytes: 2048 });
    const raw = await openRaw(url);
    const closed = once(raw.ws, 'close');
    raw.sendJson({ type: 'send', room: 'r', id: 'huge', from: 'a', body: 'x'.repeat(4000) });
    const [code] = (await closed) as [number];
    expect(code).toBe(1009);
    expect(server.log.get('r')?.head ?? 0).toBe(0);
  });

  it('stores a NUL verbatim and echoes it back as valid JSON; refuses a lone surrogate (issue 23)', async () => {
    const { url } = await startServer('websocket');
    const raw = await openRaw(url);
    raw.sendJson({ type: 'subscribe', room: 'r' });
    await raw.next((f) => f.type === 'messages');
    raw.ws.send('{"type":"send","room":"r","id":"lone","from":"a","body":"\\ud800 a"}');
    expect(await raw.next((f) => f.type === 'error')).toMatchObject({ code: 'BAD_REQUEST', ref: 'lone' });
    raw.ws.send('{"type":"send","room":"r","id":"s","from":"a","body":"a\\u0000b"}');
    const frame = await raw.next((f) => f.type === 'messages' && (f.messages as unknown[]).length > 0);
    expect((frame.messages as { body: string }[])[0]).toMatchObject({ seq: 1, body: 'a\u0000b' });
  });
});

describe('websocket handshake', () => {
  it('refuses a foreign Origin with 403 when an allow-list is set, and admits listed or absent ones', async () => {
    const { url } = await startServer('websocket', { allowedOrigins: ['https://chat.example'] });
    const refused = await handshakeStatus(url, { origin: 'https://evil.example' });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect((await handshakeStatus(url, { origin: 'https://chat.example' })).status).toBe(101);
    expect((await handshakeStatus(url)).status).toBe(101);
  });

  it('answers plain HTTP with contract errors', async () => {
    const { url } = await startServer('websocket');
    const missing = await fetch(`${url}/rooms/r/messages`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    const plain = await fetch(`${url}/ws`);
    expect(plain.status).toBe(400);
    expect(await plain.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });
  });
});
