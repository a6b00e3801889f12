import { once } from 'node:events';
import { request, createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { connect } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { MeterProxy, countRequestLines } from '../../bench/generator/meter-proxy.ts';
import { demoTransports } from '../../cli/demo/options.ts';
import { parseMemberCount } from '../../cli/demo/demo-server.ts';
import { tlsMaterial } from '../../servers/common/tls.ts';

describe('the demo command', () => {
  it('takes the transports of the page, and refuses WebRTC, unknown names and repeats with the reason', () => {
    expect(demoTransports(['websocket', 'sse'])).toEqual(['websocket', 'sse']);
    expect(() => demoTransports([])).toThrow(/at least one of short-polling/);
    expect(() => demoTransports(['webrtc'])).toThrow(/webrtc is not on the page: the page's Chromium runs on this machine's own network, where it offers a WebRTC candidate on the interface of its default route/);
    expect(() => demoTransports(['carrier-pigeon'])).toThrow(/unknown transport "carrier-pigeon"; the page has short-polling, long-polling, websocket, sse, socketio/);
    expect(() => demoTransports(['sse', 'sse'])).toThrow(/named twice/);
  });

  it('reads a member count from PUT /members, and says what is wrong with any other body', () => {
    expect(parseMemberCount('{"count": 0}', 10)).toBe(0);
    expect(parseMemberCount('{"count": 10}', 10)).toBe(10);
    expect(parseMemberCount('count=3', 10)).toMatch(/not JSON/);
    for (const body of ['{"count": 11}', '{"count": -1}', '{"count": 1.5}', '{"count": "3"}', 'null', '{}']) expect(parseMemberCount(body, 10), body).toMatch(/count must be an integer from 0 to 10/);
  });

  it('counts HTTP request lines, the first of a piece and those after a body, and nothing in a body or a header', () => {
    expect(countRequestLines('GET /rooms/a/messages HTTP/1.1\r\nHost: x\r\n\r\n')).toBe(1);
    expect(countRequestLines('OPTIONS /rooms/a/messages HTTP/1.1\r\nHost: x\r\n\r\nPOST /rooms/a/messages HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}')).toBe(2);
    expect(countRequestLines('{"body":"GET / HTTP/1.1"}')).toBe(0);
    expect(countRequestLines('Referer: GET / HTTP/1.1\r\n')).toBe(0);
  });

  it('relays to a server and counts the requests, bytes each way and connections that went through', async () => {
    const server = createServer((req, res) => res.end('pong'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const meter = await MeterProxy.start(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      const get = () =>
        new Promise<string>((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port: meter.port, path: '/ping', headers: { connection: 'close' } }, (res) => {
            let body = '';
            res.on('data', (d: Buffer) => (body += d.toString()));
            res.on('end', () => resolve(body));
          });
          req.on('error', reject);
          req.end();
        });
      expect(await get()).toBe('pong');
      expect(await get()).toBe('pong');
      const counts = meter.counts();
      expect(counts.requests).toBe(2);
      expect(counts.connections).toBe(2);
      expect(counts.sent).toBeGreaterThan(2 * 'GET /ping HTTP/1.1\r\n'.length);
      expect(counts.received).toBeGreaterThan(2 * 'HTTP/1.1 200 OK\r\n'.length);
    } finally {
      await meter.close();
      server.close();
    }
  });

  it('in front of a TLS server relays the encrypted bytes, so the client speaks TLS with the server itself; it counts bytes and connections, and no request', async () => {
    const material = tlsMaterial({ tls: true, cert: '', key: '', host: '127.0.0.1' });
    if (!material) throw new Error('no TLS material');
    const server = createTlsServer({ cert: material.cert, key: material.key }, (req, res) => res.end('pong'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const meter = await MeterProxy.start(`https://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      expect(meter.readsRequests).toBe(false);
      expect(meter.origin).toBe(`https://127.0.0.1:${meter.port}`);
      // The server's own certificate reaches the client through the relay.
      const socket = connect({ host: '127.0.0.1', port: meter.port, ca: material.cert, servername: 'localhost' });
      await once(socket, 'secureConnect');
      expect(socket.authorized).toBe(true);
      socket.write('GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
      let answer = '';
      for await (const chunk of socket) answer += String(chunk);
      expect(answer).toMatch(/^HTTP\/1\.1 200[\s\S]*pong$/);
      const counts = meter.counts();
      expect(counts.requests).toBe(0);
      expect(counts.connections).toBe(1);
      expect(counts.sent).toBeGreaterThan('GET /ping HTTP/1.1\r\n'.length);
      expect(counts.received).toBeGreaterThan(material.cert.length / 2);
    } finally {
      await meter.close();
      server.close();
    }
    await expect(MeterProxy.start('ftp://127.0.0.1:21')).rejects.toThrow(/a relay speaks to http:\/\/ and https:\/\/ servers; ftp:\/\/127\.0\.0\.1:21 is neither/);
  });
});
