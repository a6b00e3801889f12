import { once } from 'node:events';
import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { countConnections } from '../../servers/common/chat-server.ts';

/** Path prefix of the raw broadcast server: a client joins room R at `/raw/R`. */
export const RAW_WS_PREFIX = '/raw/';

export interface RawWsServer {
  listen(): Promise<string>;
  close(): Promise<void>;
  stats(): { readonly sockets: number; readonly rooms: number; readonly connections: number };
}

/**
 * The raw WebSocket baseline: plain `ws`, no contract. Every text frame a client sends is sent
 * as it is to every client of the same room, the sender included: no validation, no log, no seq,
 * no ack. What the chat server costs beyond this is the contract's cost.
 */
export function createRawWsServer(options: { readonly host?: string; readonly port?: number } = {}): RawWsServer {
  const host = options.host ?? '127.0.0.1';
  const rooms = new Map<string, Set<WebSocket>>();
  let sockets = 0;
  const http = createServer((request, response) => {
    const ok = request.url === '/healthz';
    response.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
    response.end(ok ? '{"status":"ok","transport":"raw-ws"}' : '{"error":{"code":"NOT_FOUND","message":"raw-ws serves /healthz and /raw/:room"}}');
  });
  const connections = countConnections(http);
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false, maxPayload: 64 * 1024 });
  wss.on('connection', (ws, request) => {
    const url = request.url ?? '';
    if (!url.startsWith(RAW_WS_PREFIX)) {
      ws.close(1008, 'join a room at /raw/:room');
      return;
    }
    const room = url.slice(RAW_WS_PREFIX.length);
    let members = rooms.get(room);
    if (!members) rooms.set(room, (members = new Set()));
    members.add(ws);
    sockets++;
    const joined = members;
    ws.on('message', (data, isBinary) => {
      for (const member of joined) member.send(data, { binary: isBinary });
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      sockets--;
      joined.delete(ws);
      if (joined.size === 0) rooms.delete(room);
    });
  });
  return {
    async listen() {
      http.listen(options.port ?? 0, host);
      await once(http, 'listening');
      const address = http.address();
      if (address === null || typeof address === 'string') throw new Error('not listening on a TCP port');
      return `http://${host}:${address.port}`;
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      const closed = once(http, 'close');
      wss.close();
      http.close();
      http.closeAllConnections();
      await closed;
    },
    stats: () => ({ sockets, rooms: rooms.size, connections: connections() }),
  };
}
