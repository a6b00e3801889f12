/**
 * Bad input on the polling servers, sent with plain fetch (a client this project did not write):
 * what the contract leaves to the server (servers/contract/README.md, "This implementation: where
 * the contract is silent") and what needs server options or a look inside the server. What the contract itself
 * says about bad input is in the conformance suite (servers/contract/conformance/suite.ts).
 * Each case asserts the status, the code, and that nothing was stored.
 */
import { describe, expect, it } from 'vitest';
import type { ChatServer } from '../../servers/index.ts';
import { call, expectError, post } from '../../servers/contract/conformance/http.ts';
import { startServer } from '../../servers/contract/conformance/servers.ts';

/** The servers of the HTTP routes (SSE serves them beside its streams). */
const POLLING = ['short-polling', 'long-polling', 'sse'] as const;

function stored(server: ChatServer, room = 'r'): number {
  return server.log.get(room)?.head ?? 0;
}

describe.each(POLLING)('%s server refuses bad input', (transport) => {
  it('refuses unknown fields, __proto__ among them, storing nothing and polluting nothing', async () => {
    const { server, url } = await startServer(transport);
    for (const body of [
      JSON.stringify({ id: 'a', from: 'a', body: 'x', extra: true }),
      '{"id":"a","from":"a","body":"x","__proto__":{"polluted":true}}',
    ]) {
      expectError(await post(url, 'r', body), 'BAD_REQUEST', body);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(stored(server)).toBe(0);
  });

  it('refuses a body over maxBodyBytes in UTF-8 bytes with 413, and an oversized request with 413', async () => {
    const { server, url } = await startServer(transport, { maxBodyBytes: 100 });
    expect((await post(url, 'r', JSON.stringify({ id: 'a', from: 'a', body: 'x'.repeat(100) }))).status).toBe(201);
    // 34 three-byte characters are 102 bytes: over the limit though under 100 characters.
    expectError(await post(url, 'r', JSON.stringify({ id: 'b', from: 'a', body: '✓'.repeat(34) })), 'PAYLOAD_TOO_LARGE');
    expectError(await post(url, 'r', JSON.stringify({ id: 'c', from: 'a', body: 'x'.repeat(101) })), 'PAYLOAD_TOO_LARGE');
    expectError(await post(url, 'r', JSON.stringify({ id: 'd', from: 'a', body: 'x'.repeat(70_000) })), 'PAYLOAD_TOO_LARGE');
    expect(stored(server)).toBe(1);
  });

  it('stores a NUL in a body verbatim and refuses a lone surrogate with 400 (issue 23), never a 500', async () => {
    const { server, url } = await startServer(transport);
    const start = await call(url, '/rooms/r/messages');
    for (const [id, body] of [
      ['lone', '\ud800'],
      ['low', 'x\udc00y'],
    ] as const) {
      expectError(await post(url, 'r', JSON.stringify({ id, from: 'a', body })), 'BAD_REQUEST', `body ${JSON.stringify(body)}`);
    }
    expect(stored(server)).toBe(0);
    for (const body of ['a\u0000b', 'pair \ud83d\ude00']) expect((await post(url, 'r', JSON.stringify({ id: body, from: 'a', body }))).status).toBe(201);
    const read = await call(url, `/rooms/r/messages?cursor=${encodeURIComponent(String(start.body.cursor))}&wait=0`);
    expect(read.status).toBe(200);
    expect((read.body.messages as { body: string }[]).map((m) => m.body)).toEqual(['a\u0000b', 'pair \ud83d\ude00']);
  });

  it('refuses look-alikes of application/json with 415 and accepts its parameters', async () => {
    const { server, url } = await startServer(transport);
    const body = JSON.stringify({ id: 'a', from: 'a', body: 'x' });
    for (const type of ['application/jsonx', 'text/json']) {
      expectError(await post(url, 'r', body, type), 'UNSUPPORTED_MEDIA_TYPE');
    }
    expect((await post(url, 'r', body, 'application/json; charset=utf-8')).status).toBe(201);
    expect(stored(server)).toBe(1);
  });

  it('creates no room for a bad room id, and treats hasOwnProperty as an ordinary room', async () => {
    const { server, url } = await startServer(transport);
    const body = JSON.stringify({ id: 'a', from: 'a', body: 'x' });
    for (const room of ['a%20b', 'x'.repeat(65), '%C3%A9', 'a.b', '%00']) {
      expectError(await post(url, room, body), 'BAD_REQUEST');
      expectError(await call(url, `/rooms/${room}/messages`), 'BAD_REQUEST');
    }
    expect(server.log.size).toBe(0);
    const answer = await post(url, 'hasOwnProperty', body);
    expect(answer.status).toBe(201);
    expect(answer.body.seq).toBe(1);
  });

  it('refuses empty, repeated and overlong parameters with 400, and garbage cursors with 410', async () => {
    const { url } = await startServer(transport);
    const bad = [
      'limit=',
      'limit=1&limit=2',
      'cursor=',
      `cursor=${'c'.repeat(200)}`,
      'cursor=a&cursor=b',
    ];
    if (transport === 'long-polling') bad.push('wait=1e3', 'wait=1&wait=2');
    for (const query of bad) expectError(await call(url, `/rooms/r/messages?${query}`), 'BAD_REQUEST');
    const expired = await call(url, '/rooms/r/messages?cursor=garbage');
    expectError(expired, 'CURSOR_EXPIRED');
    expect(typeof (expired.body.error as { cursor?: unknown }).cursor).toBe('string');
  });

  it('answers unknown methods and the other transports\' routes with 404', async () => {
    const { url } = await startServer(transport);
    for (const [method, path] of [
      ['DELETE', '/rooms/r/messages'],
      ['PUT', '/rooms/r/messages'],
      ['GET', '/ws'],
      ['POST', '/healthz'],
    ] as const) {
      expectError(await call(url, path, { method }), 'NOT_FOUND');
    }
  });

  it('admits only the exact token after the Bearer scheme, the scheme in any case', async () => {
    const { server, url } = await startServer(transport, { token: 's3cret' });
    const body = JSON.stringify({ id: 'a', from: 'a', body: 'x' });
    const json = { 'content-type': 'application/json' };
    for (const headers of [{ authorization: 'Bearer s3cretx' }, { authorization: 'Bearer s3cre' }, { authorization: 'Basic s3cret' }]) {
      expectError(await call(url, '/rooms/r/messages', { method: 'POST', headers: { ...json, ...headers }, body }), 'UNAUTHORIZED');
      expectError(await call(url, '/healthz', { headers }), 'UNAUTHORIZED');
    }
    expect(stored(server)).toBe(0);
    const ok = await call(url, '/rooms/r/messages', { method: 'POST', headers: { ...json, authorization: 'Bearer s3cret' }, body });
    expect(ok.status).toBe(201);
    // The scheme is case-insensitive (RFC 7235).
    expect((await call(url, '/healthz', { headers: { authorization: 'bearer s3cret' } })).status).toBe(200);
  });
});

describe('sse server refuses bad stream requests before any event', () => {
  it('answers a malformed cursor or Last-Event-ID 400, another method on the events route 404, and opens nothing', async () => {
    const { server, url } = await startServer('sse');
    for (const [what, path, headers] of [
      ['an empty cursor', '/rooms/r/events?cursor=', {}],
      ['a cursor given twice', '/rooms/r/events?cursor=a&cursor=b', {}],
      ['a cursor over 128 characters', `/rooms/r/events?cursor=${'c'.repeat(129)}`, {}],
      ['a Last-Event-ID over 128 characters', '/rooms/r/events', { 'last-event-id': 'c'.repeat(129) }],
      ['a bad room id', '/rooms/a.b/events', {}],
    ] as const) {
      expectError(await call(url, path, { headers: { accept: 'text/event-stream', ...headers } }), 'BAD_REQUEST', what);
    }
    for (const method of ['POST', 'PUT', 'DELETE'] as const) expectError(await call(url, '/rooms/r/events', { method }), 'NOT_FOUND', `${method} /rooms/r/events`);
    expect(server.stats().streams).toBe(0);
    expect(server.stats().rooms).toBe(0);
  });
});
