/**
 * Bad input on the polling servers, sent with plain fetch (a client this project did not write).
 * Each case asserts the status, the code, and that nothing was stored.
 */
import { describe, expect, it } from 'vitest';
import { ERRORS, type ErrorCode } from '../servers/contract/index.ts';
import type { ChatServer } from '../servers/index.ts';
import { startServer } from './helpers.ts';

const POLLING = ['short-polling', 'long-polling'] as const;

async function call(url: string, path: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url + path, init);
  const text = await res.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`answer to ${path} is not JSON: ${text}`);
  }
  return { status: res.status, body };
}

/** `contentType: null` sends no Content-Type header at all. */
function post(url: string, room: string, body: string, contentType: string | null = 'application/json'): ReturnType<typeof call> {
  const headers: Record<string, string> = contentType === null ? {} : { 'content-type': contentType };
  return call(url, `/rooms/${room}/messages`, { method: 'POST', headers, body });
}

function expectError(answer: { status: number; body: Record<string, unknown> }, code: ErrorCode): void {
  expect(answer.status).toBe(ERRORS[code].status);
  const error = answer.body.error as { code: string; message: string };
  expect(error.code).toBe(code);
  expect(error.message.length).toBeGreaterThan(10);
}

function stored(server: ChatServer, room = 'r'): number {
  return server.log.get(room)?.head ?? 0;
}

describe.each(POLLING)('%s server refuses bad input', (transport) => {
  it('refuses malformed JSON, missing and wrong fields, unknown fields, storing nothing', async () => {
    const { server, url } = await startServer(transport);
    const bodies = [
      '{bad',
      '',
      'null',
      '[]',
      '"text"',
      '{}',
      JSON.stringify({ from: 'a', body: 'x' }),
      JSON.stringify({ id: 'a', body: 'x' }),
      JSON.stringify({ id: 'a', from: 'a' }),
      JSON.stringify({ id: 1, from: 'a', body: 'x' }),
      JSON.stringify({ id: 'a', from: null, body: 'x' }),
      JSON.stringify({ id: 'a', from: 'a', body: 5 }),
      JSON.stringify({ id: '', from: 'a', body: 'x' }),
      JSON.stringify({ id: 'a', from: 'a', body: 'x', extra: true }),
      '{"id":"a","from":"a","body":"x","__proto__":{"polluted":true}}',
      JSON.stringify({ id: 'a'.repeat(65), from: 'a', body: 'x' }),
      JSON.stringify({ id: 'a', from: 'f'.repeat(65), body: 'x' }),
    ];
    for (const body of bodies) {
      const answer = await post(url, 'r', body);
      expect(answer.status, body).toBe(400);
      expectError(answer, 'BAD_REQUEST');
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(stored(server)).toBe(0);
  });

  it('accepts 64-character id and from, and counts characters, not bytes', async () => {
    const { url } = await startServer(transport);
    const answer = await post(url, 'r', JSON.stringify({ id: '✓'.repeat(64), from: 'é'.repeat(64), body: 'x' }));
    expect(answer.status).toBe(201);
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

  it('stores a lone surrogate or a NUL in a body verbatim, never a 500', async () => {
    const { url } = await startServer(transport);
    const start = await call(url, '/rooms/r/messages');
    for (const [id, body] of [
      ['lone', '\ud800'],
      ['nul', 'a\u0000b'],
      ['low', 'x\udc00y'],
    ] as const) {
      const answer = await post(url, 'r', JSON.stringify({ id, from: 'a', body }));
      expect(answer.status).toBe(201);
    }
    const read = await call(url, `/rooms/r/messages?cursor=${encodeURIComponent(String(start.body.cursor))}&wait=0`);
    expect(read.status).toBe(200);
    expect((read.body.messages as { body: string }[]).map((m) => m.body)).toEqual(['\ud800', 'a\u0000b', 'x\udc00y']);
  });

  it('refuses a POST that is not application/json with 415', async () => {
    const { server, url } = await startServer(transport);
    const body = JSON.stringify({ id: 'a', from: 'a', body: 'x' });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', 'text/json', null]) {
      expectError(await post(url, 'r', body, type), 'UNSUPPORTED_MEDIA_TYPE');
    }
    expect((await post(url, 'r', body, 'application/json; charset=utf-8')).status).toBe(201);
    expect(stored(server)).toBe(1);
  });

  it('refuses bad room ids with 400 and treats __proto__ and constructor as ordinary rooms', async () => {
    const { server, url } = await startServer(transport);
    const body = JSON.stringify({ id: 'a', from: 'a', body: 'x' });
    for (const room of ['a%20b', 'x'.repeat(65), '%C3%A9', 'a.b', '%00']) {
      expectError(await post(url, room, body), 'BAD_REQUEST');
      expectError(await call(url, `/rooms/${room}/messages`), 'BAD_REQUEST');
    }
    expect(server.log.size).toBe(0);
    for (const room of ['__proto__', 'constructor', 'hasOwnProperty']) {
      const answer = await post(url, room, body);
      expect(answer.status, room).toBe(201);
      expect(answer.body.seq).toBe(1);
    }
  });

  it('refuses bad limit, wait and cursor values with 400, and unknown cursors with 410', async () => {
    const { url } = await startServer(transport);
    const bad = [
      'limit=0',
      'limit=1001',
      'limit=-1',
      'limit=abc',
      'limit=1.5',
      'limit=',
      'limit=1&limit=2',
      'cursor=',
      `cursor=${'c'.repeat(200)}`,
      'cursor=a&cursor=b',
    ];
    if (transport === 'long-polling') bad.push('wait=-1', 'wait=60001', 'wait=soon', 'wait=1e3', 'wait=1&wait=2');
    for (const query of bad) expectError(await call(url, `/rooms/r/messages?${query}`), 'BAD_REQUEST');
    const expired = await call(url, '/rooms/r/messages?cursor=garbage');
    expectError(expired, 'CURSOR_EXPIRED');
    expect(typeof (expired.body.error as { cursor?: unknown }).cursor).toBe('string');
  });

  it('answers unknown routes with 404', async () => {
    const { url } = await startServer(transport);
    for (const [method, path] of [
      ['GET', '/'],
      ['GET', '/rooms/r'],
      ['DELETE', '/rooms/r/messages'],
      ['PUT', '/rooms/r/messages'],
      ['GET', '/ws'],
      ['POST', '/healthz'],
    ] as const) {
      expectError(await call(url, path, { method }), 'NOT_FOUND');
    }
  });

  it('admits only requests with the token when one is set', async () => {
    const { server, url } = await startServer(transport, { token: 's3cret' });
    const body = JSON.stringify({ id: 'a', from: 'a', body: 'x' });
    const json = { 'content-type': 'application/json' };
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: 's3cret' }, { authorization: 'Bearer s3cretx' }, { authorization: 'Basic s3cret' }]) {
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
