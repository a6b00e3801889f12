/**
 * `--target` asks each server what it is before any trial: a server whose `GET /healthz` names
 * another transport than `--transports` gives it is refused, naming both (issue: a long-polling
 * server was once measured, and reported, as short polling).
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { checkTargetTransports } from '../../bench/run/target-check.ts';
import { onCleanup, startServer } from '../../servers/contract/conformance/servers.ts';

/** A server that answers every request with `status` and `body`. */
async function answering(status: number, body: string): Promise<string> {
  const server = createServer((_req, res) => res.writeHead(status, { 'content-type': 'application/json' }).end(body));
  onCleanup(async () => {
    server.close();
    await once(server, 'close');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A port nothing listens on: bound, read back, and closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

describe('checking the transport of a --target server', () => {
  it('accepts servers whose /healthz names the transport --transports gives them', async () => {
    const long = await startServer('long-polling');
    const ws = await startServer('websocket', { token: 't0k' });
    expect(await checkTargetTransports({ 'long-polling': long.url })).toBeUndefined();
    expect(await checkTargetTransports({ websocket: ws.url }, 't0k')).toBeUndefined();
  });

  it('refuses a long-polling server given as short polling, naming both and what to do', async () => {
    const { url } = await startServer('long-polling');
    expect(await checkTargetTransports({ 'short-polling': url })).toBe(
      `--target ${url} serves long-polling, by its GET /healthz, not short-polling as --transports says; nothing was run. ` +
        'Give --transports long-polling for this URL (in the same order as --target), or point --target at a short-polling server',
    );
  });

  it('refuses a server whose /healthz names no transport, quoting its answer', async () => {
    const url = await answering(200, '{"ok":true}');
    expect(await checkTargetTransports({ websocket: url })).toBe(
      `--target ${url}: its GET /healthz names no transport (it answered 200 {"ok":true}); a chat server of the contract answers 200 { "status": "ok", "transport": "websocket" }`,
    );
  });

  it('says a token is needed, and that an unreachable server could not be asked', async () => {
    const { url } = await startServer('sse', { token: 's3cret' });
    expect(await checkTargetTransports({ sse: url })).toBe(`--target ${url}: GET /healthz answered 401: the server requires a token; give it with --token`);
    const port = await closedPort();
    expect(await checkTargetTransports({ websocket: `http://127.0.0.1:${port}` })).toBe(
      `--target http://127.0.0.1:${port}: GET /healthz failed (ECONNREFUSED); start the server first, or check the URL`,
    );
  });
});
