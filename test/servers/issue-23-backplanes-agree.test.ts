/**
 * Issue 23, defect 5: the Redis backplane acknowledged a post it did not store. Lone UTF-16
 * surrogates in `from` became U+FFFD on the way into Redis, so `"u\ud800"` and `"u\udbff"` with the
 * same `id` collided: the second post was answered 200 with the first's seq, while the memory
 * backplane stored both. The rule is now one for both: a lone surrogate is a 400. This test sends
 * every bad input (and the text that must round-trip exactly) to a server on each backplane and
 * asserts the two answer alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../servers/contract/index.ts';
import { redisMissingReason, startRedisServer, type RedisServer } from '../../bench/cluster/redis-server.ts';
import { call, post } from '../../servers/contract/conformance/http.ts';
import { startServer } from '../../servers/contract/conformance/servers.ts';

const MISSING = redisMissingReason();
if (MISSING) console.warn(`issue 23 backplane agreement test skipped: ${MISSING}`);

/** Every bad POST body: the conformance suite's, and the surrogate cases. */
const BAD_BODIES = [
  '{bad',
  '',
  'null',
  '[]',
  '{}',
  JSON.stringify({ id: 'a', body: 'x' }),
  JSON.stringify({ id: 1, from: 'a', body: 'x' }),
  JSON.stringify({ id: '', from: 'a', body: 'x' }),
  JSON.stringify({ id: 'a'.repeat(65), from: 'a', body: 'x' }),
  JSON.stringify({ id: 'a', from: 'a', body: 'x', extra: 1 }),
  JSON.stringify({ id: 'a', from: 'a', body: '✓'.repeat(1366) }),
  JSON.stringify({ id: 'same', from: 'u\ud800', body: 'x' }),
  JSON.stringify({ id: 'same', from: 'u\udbff', body: 'x' }),
  JSON.stringify({ id: 'a\udc00', from: 'a', body: 'x' }),
  JSON.stringify({ id: 'b', from: 'a', body: 'tail \ud83d' }),
  JSON.stringify({ id: 'c', from: 'a', body: '\ude00 head' }),
];

/** Text that is valid and must be stored exactly: NUL, astral characters (surrogate pairs), 64 of them. */
const GOOD = [
  { id: 'nul', from: 'a', body: 'a\u0000b' },
  { id: 'astral', from: 'u\ud83d\ude00', body: '\ud83d\ude00 \u{10ffff}' },
  { id: '\u{1f600}'.repeat(64), from: 'é'.repeat(64), body: '' },
];

describe.skipIf(MISSING !== undefined)('issue 23: the memory and Redis backplanes agree on bad input', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(() => redis?.close());

  /** Posts every case to room `agree`; returns the outcomes and the cursor from before them. */
  async function outcomes(url: string): Promise<{ out: string[]; start: string }> {
    const start = String((await call(url, '/rooms/agree/messages')).body.cursor);
    const out: string[] = [];
    for (const body of BAD_BODIES) {
      const answer = await post(url, 'agree', body);
      out.push(`${answer.status} ${String((answer.body.error as { code?: string } | undefined)?.code ?? answer.body.seq)}`);
    }
    for (const message of GOOD) {
      const answer = await post(url, 'agree', JSON.stringify(message));
      out.push(`${answer.status} ${String(answer.body.seq)}`);
    }
    return { out, start };
  }

  it('answers every bad input alike, refuses lone surrogates, and stores valid text exactly', async () => {
    const memory = await startServer('short-polling', { maxBodyBytes: 4096 });
    const onRedis = await startServer('short-polling', { maxBodyBytes: 4096, backplane: redis.url });
    const [inMemory, inRedis] = [await outcomes(memory.url), await outcomes(onRedis.url)];
    const fromMemory = inMemory.out;
    expect(inRedis.out).toEqual(fromMemory);
    const surrogates = BAD_BODIES.map((b, i) => [b, fromMemory[i]] as const).filter(([b]) => /\\ud[89a-f]/.test(b));
    expect(surrogates.map(([, outcome]) => outcome)).toEqual(surrogates.map(() => '400 BAD_REQUEST'));
    expect(fromMemory.slice(BAD_BODIES.length)).toEqual(['201 1', '201 2', '201 3']);
    for (const [url, start] of [[memory.url, inMemory.start], [onRedis.url, inRedis.start]] as const) {
      const read = await call(url, `/rooms/agree/messages?cursor=${encodeURIComponent(start)}`);
      expect((read.body.messages as ChatMessage[]).map(({ id, from, body }) => ({ id, from, body })), url).toEqual(GOOD);
    }
  });
});
