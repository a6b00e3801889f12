/**
 * The conformance suite (servers/contract/conformance/suite.ts) run against each of the project's servers,
 * the same suite `npm run conformance` runs against any URL; then what only a server this test
 * starts can show.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRANSPORTS, type ChatMessage, type Transport } from '../../servers/contract/index.ts';
import { createChatServer, type ChatServer } from '../../servers/index.ts';
import { ClientError } from '../../servers/clients/index.ts';
import { defineConformanceSuite } from '../../servers/contract/conformance/suite.ts';
import { connectClient, startServer } from '../../servers/contract/conformance/servers.ts';

/** Small enough that the expired-cursor check fills a room's history in a moment. */
const HISTORY_SIZE = 100;
/** The suite's servers require a token, so that its token checks run too. */
const TOKEN = 'conformance-token';

describe.each(TRANSPORTS)('%s server keeps the contract', (transport) => {
  let server: ChatServer | undefined;
  let url = '';
  beforeAll(async () => {
    server = await createChatServer(transport, { port: 0, historySize: HISTORY_SIZE, token: TOKEN });
    url = await server.listen();
  });
  afterAll(() => server?.close());

  defineConformanceSuite({ transport, token: TOKEN, historySize: HISTORY_SIZE, maxBodyBytes: 4096 }, () => url);
});

// Socket.IO's default client starts on polling and upgrades; its other two ways keep one transport.
describe.each(['websocket', 'polling'] as const)('socketio server keeps the contract for clients on engine.io %s only', (engine) => {
  let server: ChatServer | undefined;
  let url = '';
  beforeAll(async () => {
    server = await createChatServer('socketio', { port: 0, historySize: HISTORY_SIZE, token: TOKEN });
    url = await server.listen();
  });
  afterAll(() => server?.close());

  defineConformanceSuite({ transport: 'socketio', token: TOKEN, historySize: HISTORY_SIZE, maxBodyBytes: 4096, engine }, () => url);
});

describe.each(TRANSPORTS)('%s server, restarted', (transport) => {
  it('answers a cursor of another server run with CURSOR_EXPIRED and a fresh cursor', async () => {
    const one = await startServer(transport);
    const two = await startServer(transport);
    const a = await connectClient(transport, one.url);
    const b = await connectClient(transport, two.url);
    await a.client.send('r', { id: 'm1', from: 's', body: 'x' });
    await b.client.send('r', { id: 'm1', from: 's', body: 'x' });
    const otherRun = await a.client.subscribe('r');
    const error = await b.client.subscribe('r', otherRun).then(
      () => undefined,
      (e: unknown) => e as ClientError,
    );
    expect(error?.code).toBe('CURSOR_EXPIRED');
    expect(typeof error?.cursor).toBe('string');
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
