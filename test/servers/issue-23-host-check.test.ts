/**
 * Issue 23: the servers had no `Host` check, so a page on the internet could reach a loopback
 * server through DNS rebinding (its own name pointed at 127.0.0.1; the browser still sends that
 * name as `Host`). Bound to loopback, every server now answers loopback names and option
 * allowedHosts only.
 */
import { describe, expect, it } from 'vitest';
import { TRANSPORTS } from '../../servers/contract/index.ts';
import { hostCheck, hostName } from '../../servers/common/host-check.ts';
import { exchange, handshake } from '../helpers/raw-http.ts';
import { startServer } from '../../servers/contract/conformance/servers.ts';

function healthz(host: string): string {
  return `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;
}

describe('issue 23: DNS rebinding, the Host check', () => {
  it.each(TRANSPORTS)('%s on loopback refuses a foreign Host with 403 FORBIDDEN, and answers loopback names and allowed hosts', async (transport) => {
    const { url } = await startServer(transport, { allowedHosts: ['chat.example', '.lan.example'] });
    const port = new URL(url).port;
    const [refused] = await exchange(url, healthz(`rebind.attacker.example:${port}`));
    expect(refused?.status).toBe(403);
    expect(JSON.parse(refused?.body ?? '{}')).toMatchObject({ error: { code: 'FORBIDDEN', message: expect.stringContaining('allowedHosts') } });
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST.:${port}`, `[::1]:${port}`, `127.1.2.3`, 'chat.example', `box.lan.example:${port}`, 'lan.example']) {
      const [answer] = await exchange(url, healthz(host));
      expect(answer?.status, `Host: ${host}`).toBe(200);
    }
    for (const host of ['chat.example.attacker.example', 'notlan.example', '127.0.0.1.attacker.example']) {
      const [answer] = await exchange(url, healthz(host));
      expect(answer?.status, `Host: ${host}`).toBe(403);
    }
  });

  it('the WebSocket handshake is refused for a foreign Host before anything else', async () => {
    const { url } = await startServer('websocket');
    const [refused] = await exchange(url, handshake('/ws').replace('Host: 127.0.0.1', 'Host: rebind.attacker.example'));
    expect(refused?.status).toBe(403);
    expect(JSON.parse(refused?.body ?? '{}')).toMatchObject({ error: { code: 'FORBIDDEN' } });
  });

  it('reads the name of a Host header as browsers send it', () => {
    expect(hostName('Example.COM:8080')).toBe('example.com');
    expect(hostName('[::1]:80')).toBe('[::1]');
    expect(hostName('localhost.')).toBe('localhost');
  });

  it('checks nothing when bound beyond loopback without a list, and only the list when one is given', () => {
    expect(hostCheck({ host: '0.0.0.0', allowedHosts: [] })).toBeUndefined();
    const check = hostCheck({ host: '0.0.0.0', allowedHosts: ['chat.example'] });
    expect(check?.('chat.example:80')).toBeUndefined();
    expect(check?.('other.example')?.code).toBe('FORBIDDEN');
    expect(hostCheck({ host: '::1', allowedHosts: [] })?.('evil.example')?.code).toBe('FORBIDDEN');
    // No Host at all (HTTP/1.0): not a browser, which always sends one.
    expect(hostCheck({ host: '127.0.0.1', allowedHosts: [] })?.(undefined)).toBeUndefined();
  });
});
