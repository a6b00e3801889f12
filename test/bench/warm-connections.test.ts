/**
 * The HTTP clients open their keep-alive connections when they connect, so that a member's first
 * post inside a measured window does not pay for a new connection that a chat running for a while
 * would already have: a polling member two (a long poll held and its posts; a short poll in flight
 * and a post, or a request sent within a turn of the loop of an answer, which undici sends on another
 * connection), an SSE member one beside its stream.
 */
import { describe, expect, it } from 'vitest';
import { connectClient, startServer } from '../../servers/contract/conformance/servers.ts';

describe('HTTP clients open their connections when they connect', () => {
  it.each([
    ['long-polling', 2],
    ['sse', 1],
    ['short-polling', 2],
  ] as const)('%s: %i connection(s) open after connect, and a post after subscribing opens none', async (transport, warmed) => {
    const { url } = await startServer(transport);
    const { client, inbox } = await connectClient(transport, url, { waitMs: 30_000, pollIntervalMs: 50 });
    expect(client.counters.connections).toBe(warmed);
    await client.subscribe('r');
    // The SSE stream holds a connection of its own, opened by subscribe.
    const subscribed = client.counters.connections;
    expect(subscribed).toBe(transport === 'sse' ? warmed + 1 : warmed);
    await client.send('r', { id: 'm1', from: 'a', body: 'first post' });
    await inbox.waitFor('r', 1);
    expect(client.counters.connections).toBe(subscribed);
  });

  it('opens none without keep-alive: every request has its own connection then', async () => {
    const { url } = await startServer('short-polling');
    const { client } = await connectClient('short-polling', url, { keepAlive: false });
    expect(client.counters.connections).toBe(0);
  });
});
