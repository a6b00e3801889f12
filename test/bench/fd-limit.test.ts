/**
 * A server at its open-files cap (EMFILE) is seen, not waited on: connections past the cap are
 * closed at once (libuv accepts and drops them), every client past it fails with a network error
 * within a bounded time, and the server stays up to serve once they leave. The cap is
 * lowered on the running server process with `prlimit` (util-linux), to 120 descriptors.
 */
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClientError, createClient, type ChatClient } from '../../servers/clients/index.ts';
import { spawnServer, type ServerProcess } from '../../bench/run/spawn-server.ts';

const CAP = 120;
const CLIENTS = 200;
/** Longer than any failure takes here (well under a second), far shorter than a hang. */
const HANG_MS = 8000;

let server: ServerProcess | undefined;
const clients: ChatClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
  await server?.stop();
});

describe('a server at its fd limit', () => {
  it.each(['websocket', 'long-polling'] as const)('%s: clients past the cap fail at once with a network error, and the server stays up', async (transport) => {
    server = await spawnServer(transport);
    execFileSync('prlimit', [`--nofile=${CAP}:${CAP}`, '--pid', String(server.pid)]);
    const url = server.url;
    const outcomes = await Promise.allSettled(
      Array.from({ length: CLIENTS }, async (_, i) => {
        const client = await createClient(transport, { url, waitMs: 5000 });
        clients.push(client);
        await client.connect();
        let timer: NodeJS.Timeout | undefined;
        const hung = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('hung')), HANG_MS)));
        try {
          await Promise.race([client.subscribe(`room-${i % 5}`), hung]);
        } finally {
          clearTimeout(timer);
        }
        return client;
      }),
    );
    const failed = outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason as Error);
    const joined = outcomes.filter((o) => o.status === 'fulfilled').map((o) => (o as PromiseFulfilledResult<ChatClient>).value);
    // Some got in, the rest were refused: none is left waiting.
    expect(joined.length).toBeGreaterThan(0);
    expect(joined.length).toBeLessThan(CAP);
    expect(failed.length).toBe(CLIENTS - joined.length);
    for (const error of failed) {
      expect(error.message).not.toBe('hung');
      expect(error).toBeInstanceOf(ClientError);
      expect((error as ClientError).code).toBe('NETWORK');
    }
    // The server is still up: once the clients leave, a new one joins and posts.
    await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
    const live = server;
    await vi.waitFor(async () => expect((await live.mark('release')).stats.connections).toBe(0), { timeout: 5000, interval: 50 });
    const again = await createClient(transport, { url, waitMs: 5000 });
    clients.push(again);
    await again.connect();
    await again.subscribe('room-0');
    const ack = await again.send('room-0', { id: 'after-emfile', from: 'x', body: 'still here' });
    expect(ack.seq).toBeGreaterThan(0);
  });
});
