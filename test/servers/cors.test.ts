/**
 * `--allowed-origins` on every HTTP route of every server (issue 20): a page of a listed origin
 * gets its preflight answered and CORS headers on each answer, the SSE stream's included; a page
 * of another origin is refused 403 FORBIDDEN with the contract's error; without the option no
 * CORS header is sent.
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { SOCKETIO_PATH, TRANSPORT_INFO, TRANSPORTS, eventsPath, messagesPath, type Transport } from '../../servers/contract/index.ts';
import { startServer } from '../../servers/contract/conformance/servers.ts';

const PAGE = 'http://page.example';
const TOKEN = 'cors-token';

/** A route of the server a page would read: the messages of a room, Socket.IO's handshake, or the health check. */
function routeOf(transport: Transport): string {
  if (TRANSPORT_INFO[transport].routes) return `${messagesPath('r')}`;
  if (TRANSPORT_INFO[transport].receives === 'events') return `${SOCKETIO_PATH}?EIO=4&transport=polling`;
  return '/healthz';
}

describe.each(TRANSPORTS)('%s with --allowed-origins', (transport) => {
  it('answers a listed page its preflight and its requests with CORS headers, and refuses another page 403 FORBIDDEN', async () => {
    const { url } = await startServer(transport, { allowedOrigins: [PAGE], token: TOKEN });
    const route = routeOf(transport);
    const preflight = await fetch(url + route, { method: 'OPTIONS', headers: { origin: PAGE, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
    expect(preflight.status, 'a preflight carries no token and is answered 204').toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(PAGE);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    const read = await fetch(url + route, { headers: { origin: PAGE, authorization: `Bearer ${TOKEN}` } });
    expect(read.status).toBe(200);
    expect(read.headers.get('access-control-allow-origin')).toBe(PAGE);
    expect(read.headers.get('vary')).toContain('Origin');
    const foreign = await fetch(url + route, { headers: { origin: 'http://elsewhere.example', authorization: `Bearer ${TOKEN}` } });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('sends no CORS header without the option', async () => {
    const { url } = await startServer(transport);
    const answer = await fetch(url + routeOf(transport), { headers: { origin: PAGE } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('the SSE stream with --allowed-origins', () => {
  it('carries the CORS headers in the head it writes itself', async () => {
    const { url } = await startServer('sse', { allowedOrigins: [PAGE] });
    const { hostname, port } = new URL(url);
    const head = await new Promise<{ status: number; origin: unknown; type: unknown }>((resolve, reject) => {
      const req = request({ host: hostname, port, path: eventsPath('r'), headers: { origin: PAGE } }, (res) => {
        resolve({ status: res.statusCode ?? 0, origin: res.headers['access-control-allow-origin'], type: res.headers['content-type'] });
        res.destroy();
      });
      req.on('error', reject);
      req.end();
    });
    expect(head).toEqual({ status: 200, origin: PAGE, type: 'text/event-stream' });
  });
});
