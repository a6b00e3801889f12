/**
 * Socket.IO on its own Redis adapters (option socketioAdapter, issue 19), on a real `redis-server`
 * the test starts: a message stored on one instance reaches the members on both through the
 * adapter, once; the option's refusals. Without `redis-server` the Redis part says it was skipped,
 * and why. What the adapters break of the contract across instances (order between two storing
 * instances, the switch from replay to live) is a race, measured rather than asserted here: by
 * the conformance command against two instances and by the failover scenario (servers/socketio/README.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOCKETIO_REDIS_ADAPTERS as ADAPTERS, resolveServerOptions } from '../../servers/contract/index.ts';
import { redisMissingReason, startRedisServer, type RedisServer } from '../../bench/cluster/redis-server.ts';
import { connectClient, range, seqs, startServer } from '../../servers/contract/conformance/servers.ts';

const MISSING = redisMissingReason();
if (MISSING) console.warn(`Socket.IO Redis adapter tests skipped: ${MISSING}`);

describe.skipIf(MISSING !== undefined)("Socket.IO's Redis adapters", () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(() => redis?.close());

  it.each(ADAPTERS)('%s: what one instance stores reaches the members on the other through the adapter, each message once', async (socketioAdapter) => {
    const room = `adapter-${socketioAdapter}`;
    const a = await startServer('socketio', { backplane: redis.url, socketioAdapter });
    const b = await startServer('socketio', { backplane: redis.url, socketioAdapter });
    const reader = await connectClient('socketio', a.url);
    await reader.client.subscribe(room);
    const local = await connectClient('socketio', b.url);
    await local.client.subscribe(room);
    const writer = await connectClient('socketio', b.url);
    for (const i of range(1, 3)) await writer.client.send(room, { id: `m${i}`, from: 'w', body: 'x' });
    // The mirrors' fan-out is off with an adapter: a message reaches a member through the adapter,
    // or not at all; were both on, the first three delivered would hold a message twice.
    expect(seqs(await reader.inbox.waitFor(room, 3)), 'the member on the other instance').toEqual([1, 2, 3]);
    expect(seqs(await local.inbox.waitFor(room, 3)), 'the member on the storing instance').toEqual([1, 2, 3]);
    // A retry is not broadcast again: the next message comes right after the three.
    await writer.client.send(room, { id: 'm1', from: 'w', body: 'x' });
    await writer.client.send(room, { id: 'm4', from: 'w', body: 'x' });
    expect(seqs(await reader.inbox.waitFor(room, 4)), 'a retry is delivered once, as stored').toEqual([1, 2, 3, 4]);
  });
});

describe('option socketioAdapter', () => {
  it('needs transport socketio and a Redis backplane, and says so', () => {
    expect(() => resolveServerOptions({ transport: 'websocket', backplane: 'redis://127.0.0.1:6379', socketioAdapter: 'redis' })).toThrow(/needs transport socketio and backplane redis/);
    expect(() => resolveServerOptions({ transport: 'socketio', socketioAdapter: 'redis-streams' })).toThrow(/got transport socketio and backplane memory/);
    expect(() => resolveServerOptions({ transport: 'socketio', backplane: 'redis://127.0.0.1:6379', socketioAdapter: 'kafka' })).toThrow(/one of none, redis, redis-streams/);
    expect(resolveServerOptions({ transport: 'socketio', backplane: 'redis://127.0.0.1:6379', socketioAdapter: 'redis' }).socketioAdapter).toBe('redis');
  });
});
