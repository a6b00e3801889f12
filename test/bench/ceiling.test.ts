import { afterEach, describe, expect, it } from 'vitest';
import { measureCeiling, type CeilingOptions } from '../../bench/ceilings/route-ceiling.ts';
import { createBareFastifyServer } from '../../bench/baselines/bare-fastify.ts';
import { createChatServer } from '../../servers/index.ts';
import type { CeilingResult } from '../../bench/model/results.ts';

const CONNECTIONS = 4;
const SHORT: CeilingOptions = { connections: CONNECTIONS, durationMs: 300, warmupMs: 100 };
/**
 * autocannon closes its sockets when the run ends, each with its one request in flight
 * (pipelining 1). The server may have stored such a POST whose answer was never counted, so the
 * room may hold up to this many messages more than the 2xx answers autocannon saw.
 */
const UNANSWERED_AT_STOP = CONNECTIONS;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function startBare(): Promise<string> {
  const server = createBareFastifyServer({ port: 0 });
  cleanups.push(() => server.close());
  return server.listen();
}

/** A POST body factory with a fresh id per call; `calls` counts the bodies made. */
function posts(): { body: () => string; calls: () => number } {
  let n = 0;
  return {
    body: () => JSON.stringify({ id: `m-${n++}`, from: 'ceiling', body: 'hello' }),
    calls: () => n,
  };
}

function expectClean(result: CeilingResult): void {
  expect(result.requests).toBeGreaterThan(0);
  expect(result.errors).toBe(0);
  expect(result.non2xx).toBe(0);
  expect(result.requestsPerSecond.mean).toBeGreaterThan(0);
  expect(result.requestsPerSecond.min).toBeLessThanOrEqual(result.requestsPerSecond.max);
  expect(result.latencyMs.p50).toBeLessThanOrEqual(result.latencyMs.p99);
  expect(result.connections).toBe(CONNECTIONS);
  expect(result.ratioToBare).toBeUndefined();
}

describe('measureCeiling', () => {
  it('loads a bare fastify GET route', async () => {
    const base = await startBare();
    const result = await measureCeiling({ target: 'bare fastify GET', url: `${base}/rooms/lobby/messages?limit=100`, method: 'GET' }, SHORT);
    expectClean(result);
    expect(result).toMatchObject({ target: 'bare fastify GET', method: 'GET', durationMs: 300 });
  });

  it('loads a bare fastify POST route with a JSON body', async () => {
    const base = await startBare();
    const factory = posts();
    const result = await measureCeiling({ target: 'bare fastify POST', url: `${base}/rooms/lobby/messages`, method: 'POST', body: factory.body }, SHORT);
    expectClean(result);
    expect(result.method).toBe('POST');
    expect(factory.calls()).toBeGreaterThanOrEqual(result.requests);
  });

  it('sends every POST with a body of its own: the chat server stores each acknowledged one', async () => {
    const server = await createChatServer('short-polling', { port: 0 });
    cleanups.push(() => server.close());
    const base = await server.listen();
    const factory = posts();
    // No warm-up: its POSTs would be stored too, and not counted.
    const result = await measureCeiling(
      { target: 'short-polling POST', url: `${base}/rooms/ceiling/messages`, method: 'POST', body: factory.body },
      { ...SHORT, warmupMs: 0 },
    );
    expectClean(result);
    const acknowledged = result.requests - result.non2xx;
    const head = server.log.get('ceiling')?.head ?? 0;
    // A repeated id would be answered 200 without being stored, leaving the room short.
    expect(head).toBeGreaterThanOrEqual(acknowledged);
    expect(head).toBeLessThanOrEqual(acknowledged + UNANSWERED_AT_STOP);
    expect(head).toBeLessThanOrEqual(factory.calls());
  });

  it('stops early when the signal aborts, and returns what was measured', async () => {
    const base = await startBare();
    const controller = new AbortController();
    const factory = posts();
    const body = (): string => {
      if (factory.calls() === 100) controller.abort();
      return factory.body();
    };
    const result = await measureCeiling(
      { target: 'bare fastify POST', url: `${base}/rooms/lobby/messages`, method: 'POST', body },
      { connections: CONNECTIONS, durationMs: 600_000, warmupMs: 0, signal: controller.signal },
    );
    expectClean(result);
    expect(result.durationMs).toBeLessThan(600_000);
  });

  it('rejects with the reason when aborted before the measured run', async () => {
    const base = await startBare();
    const reason = new Error('stopped by the user');
    await expect(
      measureCeiling({ target: 'bare fastify GET', url: `${base}/healthz`, method: 'GET' }, { signal: AbortSignal.abort(reason) }),
    ).rejects.toBe(reason);
  });

  it('refuses bad options and targets by name', async () => {
    const target = { target: 't', url: 'http://127.0.0.1:1/', method: 'GET' } as const;
    await expect(measureCeiling(target, { connections: 0 })).rejects.toThrow(/connections/);
    await expect(measureCeiling({ ...target, url: 'not a url' })).rejects.toThrow(/target\.url/);
    await expect(measureCeiling({ ...target, method: 'POST' })).rejects.toThrow(/target\.body/);
  });
});
