/**
 * Every client socket leaves from the source address it is given (`localAddress`), so that the
 * clients of several generator processes spread over ephemeral ports of their own, and the socket
 * meter still counts each connection and its bytes.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { createClient } from '../../servers/clients/index.ts';
import { RawWsClient } from '../../bench/baselines/raw-ws-client.ts';

let server: Server;
let url: string;
const seen: string[] = [];

beforeAll(async () => {
  // A poll answers with nothing new; a WebSocket upgrade is accepted. Each records where it came from.
  server = createServer((req, res) => {
    seen.push(`http ${req.socket.remoteAddress}`);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ messages: [], cursor: 'c1' }));
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (_ws, req) => seen.push(`ws ${req.socket.remoteAddress}`));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('localAddress', () => {
  it.each(['short-polling', 'long-polling'] as const)('%s: the polls leave from it, and the meter counts their connection and bytes', async (transport) => {
    seen.length = 0;
    const client = await createClient(transport, { url, localAddress: '127.1.3.9', waitMs: 1000 });
    await client.subscribe('r');
    client.unsubscribe('r');
    expect(seen).toEqual(['http 127.1.3.9']);
    expect(client.counters.connections).toBe(1);
    expect(client.counters.bytesWritten).toBeGreaterThan(0);
    expect(client.counters.bytesRead).toBeGreaterThan(0);
    await client.close();
  });

  it('websocket: the connection leaves from it', async () => {
    seen.length = 0;
    const client = await createClient('websocket', { url, localAddress: '127.1.4.2' });
    await client.connect();
    expect(seen).toEqual(['ws 127.1.4.2']);
    expect(client.counters.connections).toBe(1);
    await client.close();
  });

  it('raw ws baseline: each room socket leaves from it', async () => {
    seen.length = 0;
    const client = new RawWsClient({ url, localAddress: '127.1.5.7' });
    await client.subscribe('a');
    await client.subscribe('b');
    expect(seen).toEqual(['ws 127.1.5.7', 'ws 127.1.5.7']);
    await client.close();
  });

  it('without it, the system chooses (127.0.0.1 towards 127.0.0.1)', async () => {
    seen.length = 0;
    const client = await createClient('short-polling', { url });
    await client.subscribe('r');
    client.unsubscribe('r');
    expect(seen).toEqual(['http 127.0.0.1']);
    await client.close();
  });
});
