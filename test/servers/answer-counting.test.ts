/**
 * What an HTTP answer counts in the waiting budget while it waits (issue 8's bound, issue 21's
 * cost): a small answer to a connection nothing waits for goes as the string, which a socket that
 * cannot take it holds twice, and counts twice; a larger one goes as bytes, held once, and counts
 * once.
 */
import { describe, expect, it } from 'vitest';
import { call, post } from '../../servers/contract/conformance/http.ts';
import { startServer } from '../../servers/contract/conformance/servers.ts';
import { STRING_ANSWER_MAX_BYTES } from '../../servers/common/http-app.ts';

/** GETs `path` and returns the answer's length in bytes, read whole. */
async function answerBytes(url: string, path: string): Promise<number> {
  const res = await fetch(url + path);
  const body = Buffer.from(await res.arrayBuffer());
  expect(res.status).toBe(200);
  return body.length;
}

describe('an HTTP answer counts what holding it costs', () => {
  for (const transport of ['short-polling', 'long-polling', 'sse'] as const) {
    it(`${transport}: a small answer counts twice, one over ${STRING_ANSWER_MAX_BYTES} bytes once`, async () => {
      const { server, url } = await startServer(transport);
      const peak = (): number => Number(server.stats().peakWaitingBytes);
      const health = await answerBytes(url, '/healthz');
      expect(health).toBeLessThan(STRING_ANSWER_MAX_BYTES);
      expect(peak()).toBe(2 * health);

      const start = (await call(url, '/rooms/big/messages')).body.cursor as string;
      for (let i = 0; i < 8; i++) expect((await post(url, 'big', JSON.stringify({ id: `m${i}`, from: 'a', body: 'x'.repeat(4000) }))).status).toBe(201);
      const page = await answerBytes(url, `/rooms/big/messages?cursor=${encodeURIComponent(start)}&limit=8`);
      expect(page).toBeGreaterThan(STRING_ANSWER_MAX_BYTES);
      expect(peak()).toBe(page);
    });
  }
});
