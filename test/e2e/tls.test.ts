/**
 * A tiny real benchmark over TLS and HTTP/2, end to end: each server makes its certificate, the
 * harness hands it to the generators' clients, and every transport delivers everything. Asserts
 * what TLS and HTTP/2 change on the wire: bytes (handshakes and records), a connection per request
 * where asked, one connection per client on HTTP/2 (a held poll or an SSE stream and the posts)
 * where HTTP/1.1 keeps two or more.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Scenario, TrialResult } from '../../bench/model/results.ts';
import type { RunOutcome } from '../../bench/run/run.ts';
import { runTinyInParts, trialOf } from '../helpers/runs.ts';
import { liveChildren } from '../../bench/run/spawn.ts';

const ROOMS = 2;
const MEMBERS = 3;
const CLIENTS = ROOMS * MEMBERS;
const INTERVAL_MS = 200;

const TINY_TLS: Scenario = {
  name: 'tiny-tls',
  description: 'end-to-end test over TLS and HTTP/2',
  rounds: 1,
  generators: 1,
  steps: [
    {
      label: 'tiny',
      workload: { rooms: ROOMS, members: MEMBERS, ratePerMember: 2, bodyBytes: 64, durationMs: 2500, warmupMs: 500 },
      variants: [
        { id: 'short-polling', transport: 'short-polling', pollIntervalMs: INTERVAL_MS },
        { id: 'short-polling/tls', transport: 'short-polling', pollIntervalMs: INTERVAL_MS, tls: true },
        { id: 'short-polling/tls-new-connection', transport: 'short-polling', pollIntervalMs: INTERVAL_MS, tls: true, keepAlive: false },
        { id: 'websocket/tls', transport: 'websocket', tls: true },
        { id: 'long-polling/tls-http1.1', transport: 'long-polling', waitMs: 25_000, tls: true },
        { id: 'long-polling/tls-http2', transport: 'long-polling', waitMs: 25_000, tls: true, http2: true },
        { id: 'sse/tls-http1.1', transport: 'sse', tls: true },
        { id: 'sse/tls-http2', transport: 'sse', tls: true, http2: true },
      ],
    },
  ],
};

/** A poll may fall on either side of each edge of the window: up to two requests per client either way. */
const EDGE_REQUESTS_PER_CLIENT = 2;

let outcome: RunOutcome;
const trial = (id: string): TrialResult => trialOf(outcome, id);
const bytesPerMessage = (t: TrialResult): number => (t.wire.bytesRead + t.wire.bytesWritten) / t.delivery.delivered;

describe('a tiny real benchmark over TLS and HTTP/2', () => {
  beforeAll(async () => {
    // Nothing here is timed: the trials run two at a time.
    outcome = await runTinyInParts(TINY_TLS, 2);
  }, 180_000);

  it('completes, loses nothing on any variant, and leaves no process running', () => {
    expect(outcome.status).toBe('complete');
    expect(liveChildren()).toBe(0);
    for (const variant of TINY_TLS.steps[0]?.variants ?? []) {
      const t = trial(variant.id);
      expect(t.problems, variant.id).toEqual([]);
      expect(t.delivery.sent, variant.id).toBeGreaterThan(0);
      expect(t.delivery.delivered, variant.id).toBe(t.delivery.stored * MEMBERS);
      expect([t.delivery.lost, t.delivery.duplicated, t.delivery.reordered], variant.id).toEqual([0, 0, 0]);
    }
  });

  it('counts the TLS records on the wire: the same polls cost more bytes over TLS', () => {
    // Every request and answer is a TLS record with its header and tag (22+ bytes) on top.
    expect(bytesPerMessage(trial('short-polling/tls'))).toBeGreaterThan(bytesPerMessage(trial('short-polling')));
  });

  it('a new TLS connection per request opens one per request and pays its handshake in bytes', () => {
    const fresh = trial('short-polling/tls-new-connection');
    const keep = trial('short-polling/tls');
    expect(Math.abs(fresh.wire.connections - fresh.wire.requests)).toBeLessThanOrEqual(EDGE_REQUESTS_PER_CLIENT * CLIENTS);
    // Keep-alive opens at most one more per client in the window: a post while a poll is in flight takes a second.
    expect(keep.wire.connections).toBeLessThanOrEqual(CLIENTS);
    expect(fresh.wire.connections).toBeGreaterThan(5 * CLIENTS);
    expect(bytesPerMessage(fresh)).toBeGreaterThan(bytesPerMessage(keep));
  });

  it('HTTP/2 holds one connection per client where HTTP/1.1 keeps a second for the posts', () => {
    const h2 = trial('long-polling/tls-http2');
    const h1 = trial('long-polling/tls-http1.1');
    expect(h2.server?.connections).toBe(CLIENTS);
    expect(h1.server?.connections).toBeGreaterThan(CLIENTS);
    // Read once after the drain: a poll answered just before may not be asked again yet (4 and 5 of
    // 6 held in two runs of 2026-12-07 under load, 0 once with three test files at a time), never
    // more than one a client; the polls held on those connections are what delivered everything.
    expect(h2.server?.heldPolls).toBeLessThanOrEqual(CLIENTS);
    expect(h2.delivery.delivered).toBe(h2.delivery.stored * MEMBERS);
  });

  it('reports the connections the server holds per client as a figure: 1 on HTTP/2, 2 on HTTP/1.1', () => {
    const perClient = (id: string): number => {
      const v = outcome.steps[0]?.variants.find((x) => x.variant.id === id);
      if (!v) throw new Error(`no variant ${id}`);
      expect(v.summary.notMeasured ?? [], id).not.toContain('server.connectionsPerClient');
      return v.summary.figures['server.connectionsPerClient'].median;
    };
    const figures = Object.fromEntries(['long-polling/tls-http1.1', 'long-polling/tls-http2', 'sse/tls-http1.1', 'sse/tls-http2', 'websocket/tls'].map((id) => [id, perClient(id)]));
    // The held poll or the stream and the posts on one connection; a WebSocket is one too.
    expect(figures['long-polling/tls-http2']).toBe(1);
    expect(figures['sse/tls-http2']).toBe(1);
    expect(figures['websocket/tls']).toBe(1);
    // HTTP/1.1: the held request's connection, and the posts' kept alive beside it; a post sent
    // while the one before it is still unanswered opens one more (2.83 a client once, under CI load).
    expect(figures['long-polling/tls-http1.1']).toBeGreaterThanOrEqual(2);
    expect(figures['sse/tls-http1.1']).toBeGreaterThanOrEqual(2);
  });

  it('HTTP/2 carries each SSE client\'s stream and its posts on one connection, opened before the window', () => {
    const h2 = trial('sse/tls-http2');
    const h1 = trial('sse/tls-http1.1');
    // One connection per client at the server: the stream and the posts share it. On HTTP/1.1 the
    // stream holds one and the posts take another.
    expect(h2.server?.connections).toBe(CLIENTS);
    expect(h1.server?.connections).toBeGreaterThanOrEqual(2 * CLIENTS);
    // The session opened with the stream, before the window: no connection in it, on either side.
    expect(h2.wire.connections).toBe(0);
    expect(h2.perDelivered.connections).toBe(0);
    // The requests in the window are the posts (a post may fall on either side of each edge), one per message sent on both.
    for (const t of [h2, h1]) expect(Math.abs(t.wire.requests - t.delivery.sent)).toBeLessThanOrEqual(EDGE_REQUESTS_PER_CLIENT * CLIENTS);
    expect(h2.wire.emptyPolls).toBe(0);
  });
});
