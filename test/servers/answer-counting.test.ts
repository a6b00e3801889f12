/**
 * What an HTTP answer counts in the waiting budget while it waits (issue 8's bound, issue 21's
 * cost): a small answer to a connection nothing waits for goes as the string, which a socket that
 * cannot take it holds twice, and counts twice; a larger one goes as bytes, held once, and counts
 * once. And the budget, past its bound, cuts only as many of those that wait as bring it back
 * within it.
 */

const MiB = 1024 * 1024;
import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { call, post } from '../../servers/contract/conformance/http.ts';
import { WAIT_BOUND_MS, onCleanup, startServer } from '../../servers/contract/conformance/servers.ts';
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

describe('the waiting budget cuts no more than it must (issue 23)', () => {
  it('short-polling: a third non-reader past the budget has one of the other two cut, not both', async () => {
    const budget = 60 * MiB;
    const { server, url } = await startServer('short-polling', { maxWaitingBytes: budget, maxBodyBytes: MiB, maxPayloadBytes: 2 * MiB });
    const start = (await call(url, '/rooms/big/messages')).body.cursor as string;
    const body = 'x'.repeat(MiB - 1024);
    for (let i = 0; i < 24; i++) expect((await post(url, 'big', JSON.stringify({ id: `m${i}`, from: 'a', body }))).status).toBe(201);
    // Each asks for the whole 24 MiB page and never reads: far more than the kernel takes, so
    // the answer waits, counted whole, until its connection is cut.
    const page = `GET /rooms/big/messages?cursor=${encodeURIComponent(start)}&limit=24 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
    for (let i = 1; i <= 3; i++) {
      const socket = connect(Number(new URL(url).port), '127.0.0.1');
      socket.on('error', () => undefined);
      onCleanup(async () => void socket.destroy());
      await once(socket, 'connect');
      socket.pause();
      socket.write(page);
      await vi.waitFor(() => expect(Number(server.stats().peakWaitingBytes)).toBeGreaterThan(i * 23 * MiB), { timeout: WAIT_BOUND_MS, interval: 5 });
    }
    // 72 MiB waited for a moment: cutting one of the first two brings it to 48, within the
    // budget. (Counting a cut connection's bytes only at its 'close', later, the budget saw
    // nothing freed and went on to cut the other as well.)
    expect(server.stats().budgetCuts).toBe(1);
    await vi.waitFor(() => expect(Number(server.stats().waitingBytes)).toBeLessThanOrEqual(budget), { timeout: WAIT_BOUND_MS, interval: 5 });
    expect(Number(server.stats().waitingBytes)).toBeGreaterThan(40 * MiB);
  });
});
