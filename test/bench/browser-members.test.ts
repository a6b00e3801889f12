import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { BROWSER_CLIENT_TRANSPORTS, BROWSER_TRANSPORTS, browserClientsFile } from '../../servers/clients/browser/index.ts';
import { BROWSER_BASE_BYTES, BROWSER_PAGE_BYTES, browserCapacityRefusal, browserPages, browserPagesHeld } from '../../bench/generator/browser-capacity.ts';
import { applyOverrides, checkScenario, describeVariant, resolveScenario } from '../../bench/run/scenarios.ts';
import type { Scenario } from '../../bench/model/results.ts';

function scenarioOf(variant: Record<string, unknown>, step: Record<string, unknown> = {}): Scenario {
  return {
    name: 'file',
    description: 'a test',
    rounds: 1,
    generators: 1,
    steps: [{ label: 's', workload: { rooms: 2, members: 3, ratePerMember: 1, bodyBytes: 64, durationMs: 1000, warmupMs: 500 }, variants: [{ id: 'v', ...variant }], ...step }],
  } as unknown as Scenario;
}

describe('browser members: which transports, and what a step may ask', () => {
  it('the browser clients file has a client of exactly the transports the bench gives browser members', async () => {
    // The file is a plain ES module that touches the browser only when a client is opened.
    const file = (await import(browserClientsFile())) as { BROWSER_TRANSPORTS: readonly string[]; openClient: (t: string, o: object) => unknown };
    expect([...file.BROWSER_TRANSPORTS].sort()).toEqual([...BROWSER_CLIENT_TRANSPORTS].sort());
    expect(() => file.openClient('raw-ws', {})).toThrow(/no browser client of raw-ws/);
  });

  it("the browser clients read an error answer's contract code from its body", async () => {
    const file = (await import(browserClientsFile())) as { openClient: (t: string, o: object) => { send(room: string, post: object): Promise<unknown> } };
    const server = createServer((_req, res) => res.writeHead(413, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'PAYLOAD_TOO_LARGE', message: 'too big' } })));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const client = file.openClient('short-polling', { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
      await expect(client.send('room', { id: 'a', from: 'x', body: 'y' })).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    } finally {
      server.close();
    }
  });

  it('--clients browser keeps the transports with a browser client, says in each step which it left out, and names them in each variant', () => {
    const scenario = applyOverrides(resolveScenario('default'), { clients: 'browser', membersPerPage: 5 });
    const step = scenario.steps[0];
    expect(step?.variants.map((v) => v.transport)).toEqual(BROWSER_TRANSPORTS.filter((t) => t !== 'socketio'));
    expect(step?.variants.every((v) => v.clients === 'browser' && v.membersPerPage === 5)).toBe(true);
    expect(step?.label).toContain('browser members, 5 a page');
    expect(step?.label).toContain('left out, no browser client: raw-ws');
    expect(describeVariant(step?.variants[0] as never)).toContain('browser members, 5 a page');
  });

  it('--clients node turns the browser scenario\'s browser variants back into Node ones; --members-per-page needs browser members', () => {
    const node = applyOverrides(resolveScenario('browser'), { clients: 'node' });
    expect(node.steps[0]?.variants.some((v) => v.clients !== undefined || v.membersPerPage !== undefined)).toBe(false);
    expect(() => applyOverrides(resolveScenario('default'), { membersPerPage: 2 })).toThrow('--members-per-page is for browser members: give --clients browser');
    expect(() => applyOverrides(resolveScenario('default'), { clients: 'browser', transports: ['raw-ws'] })).toThrow(/leaves nothing to run in scenario default \(--clients browser runs short-polling/);
  });

  it('refuses browser members where they cannot run yet, with the reason', () => {
    expect(() => checkScenario(scenarioOf({ transport: 'webrtc', clients: 'browser' }))).toThrow(
      /WebRTC has no browser members on this machine's own network: Chromium offers a WebRTC candidate on the interface of its default route.* in a step with a network namespace of its own \(--loss, even 0; as root\)/,
    );
    expect(() => checkScenario(scenarioOf({ transport: 'webrtc', clients: 'browser' }, { lossPct: 0 }))).not.toThrow();
    expect(() => checkScenario(scenarioOf({ transport: 'webrtc', clients: 'browser', channel: 'lossy' }, { lossPct: 0 }))).toThrow(/WebRTC's unreliable channel \(chat-lossy\) has no browser client/);
    expect(() => checkScenario(scenarioOf({ transport: 'raw-ws', clients: 'browser' }))).toThrow(/raw-ws is a baseline, whose client is Node by design/);
    expect(() => checkScenario(scenarioOf({ transport: 'websocket', clients: 'browser', tls: true }))).not.toThrow();
    expect(() => checkScenario(scenarioOf({ transport: 'websocket', clients: 'browser' }, { cluster: { instances: 2, backplane: 'redis' } }))).toThrow(/browser members talk to one instance so far/);
    // In a namespace of the bench's own (loss, distance) the pages run where the generator does.
    expect(() => checkScenario(scenarioOf({ transport: 'websocket', clients: 'browser' }, { lossPct: 1 }))).not.toThrow();
    expect(() => checkScenario(scenarioOf({ transport: 'websocket', membersPerPage: 2 }))).toThrow(/"membersPerPage" is for browser members/);
    expect(() => checkScenario(scenarioOf({ transport: 'websocket', clients: 'browser', membersPerPage: 3 }))).not.toThrow();
  });

  it('refuses more members a page than HTTP/1.1 holds where each keeps a request open, and lets HTTP/2 carry them', () => {
    const six = { clients: 'browser', membersPerPage: 6 };
    for (const held of [{ transport: 'sse' }, { transport: 'long-polling' }, { transport: 'socketio', engine: 'polling' }]) {
      expect(() => checkScenario(scenarioOf({ ...held, ...six })), held.transport).toThrow(
        /6 members of .* in one page would starve it: Chromium holds 6 HTTP\/1\.1 connections per server, each member's stream or held poll keeps one, and the posts need one more .* put at most 5 a page, or speak HTTP\/2/,
      );
      expect(() => checkScenario(scenarioOf({ ...held, ...six, membersPerPage: 5 })), held.transport).not.toThrow();
      expect(() => checkScenario(scenarioOf({ ...held, ...six, tls: true })), held.transport).toThrow(/would starve it/);
    }
    for (const http2 of [{ transport: 'sse' }, { transport: 'long-polling' }]) expect(() => checkScenario(scenarioOf({ ...http2, ...six, tls: true, http2: true })), http2.transport).not.toThrow();
    // Their requests are brief, or their sockets are not HTTP connections.
    for (const free of [{ transport: 'short-polling' }, { transport: 'websocket' }, { transport: 'socketio' }, { transport: 'socketio', engine: 'websocket' }]) {
      expect(() => checkScenario(scenarioOf({ ...free, ...six })), JSON.stringify(free)).not.toThrow();
    }
  });

  it('the browser scenario sets HTTP/1.1 against HTTP/2 over TLS for five browser members a page of each held transport, and ten a page on HTTP/2', () => {
    const step = resolveScenario('browser').steps[1];
    expect(step?.variants.map((v) => [v.id, v.tls, v.http2 ?? false, v.clients, v.membersPerPage])).toEqual([
      ['long-polling/browser-tls', true, false, 'browser', 5],
      ['long-polling/browser-tls-http2', true, true, 'browser', 5],
      ['long-polling/browser-tls-http2-10', true, true, 'browser', 10],
      ['sse/browser-tls', true, false, 'browser', 5],
      ['sse/browser-tls-http2', true, true, 'browser', 5],
      ['sse/browser-tls-http2-10', true, true, 'browser', 10],
    ]);
    expect(() => checkScenario(resolveScenario('browser'))).not.toThrow();
  });

  it('counts the pages a step takes, and holds a machine to what half of its available memory holds', () => {
    expect(browserPages({ rooms: 4, members: 5 }, {})).toBe(20);
    expect(browserPages({ rooms: 4, members: 5 }, { membersPerPage: 5 })).toBe(4);
    expect(browserPages({ rooms: 1, members: 7 }, { membersPerPage: 5 })).toBe(2);
    const available = 2 * (BROWSER_BASE_BYTES + 10 * BROWSER_PAGE_BYTES);
    expect(browserPagesHeld(available)).toBe(10);
    expect(browserPagesHeld(BROWSER_BASE_BYTES)).toBe(0);
    expect(browserCapacityRefusal(10, 10)).toBeUndefined();
    expect(browserCapacityRefusal(11, 10)).toBe(
      "its browser members need 11 pages of Chromium; this machine holds 10: each page takes about 61 MiB beside Chromium's 384 MiB, and half of the memory available here holds 10. Put more members on a page (--members-per-page) or run fewer",
    );
    // This machine (24 GiB) refuses a page a member for 1,000 members.
    expect(browserCapacityRefusal(1000)).toMatch(/need 1000 pages of Chromium; this machine holds \d+/);
  });
});
