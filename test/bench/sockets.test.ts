/**
 * The socket and process arithmetic of a step (bench/generator/sockets.ts), the source addresses
 * of each generator, the spread of a room's members over processes, and the result of a trial
 * whose sockets one server process cannot hold.
 */
import { describe, expect, it, vi } from 'vitest';
import { WAIT_BOUND_MS, onCleanup, startServer } from '../../servers/contract/conformance/servers.ts';
import { createClient } from '../../servers/transports.ts';
import { figureValue, summarizeVariant } from '../../bench/model/aggregate.ts';
import { FIGURES, type FigureKey, type Workload } from '../../bench/model/results.ts';
import { SERVER_FD_RESERVE, SOCKETS_PER_GENERATOR, SOCKETS_PER_SOURCE_ADDRESS, describeLimit, ipv4Loopback, openFilesLimit, planSockets, socketsPerClient, sourceAddresses } from '../../bench/generator/sockets.ts';
import { limitedTrialResult } from '../../bench/model/trial-result.ts';
import { assignClients } from '../../bench/run/trial.ts';

const workload = (rooms: number, members: number): Workload => ({ rooms, members, ratePerMember: 1, bodyBytes: 64, durationMs: 1000, warmupMs: 0 });
const WS = { transport: 'websocket' } as const;
const LONG = { transport: 'long-polling' } as const;
const CAP = 20_000;

describe('sockets per client', () => {
  it('is 1 for a WebSocket, 2 for a long poll (held poll and post), 2 for a short poll with keep-alive and 1 without', () => {
    expect(socketsPerClient(WS)).toBe(1);
    expect(socketsPerClient({ transport: 'raw-ws' })).toBe(1);
    expect(socketsPerClient(LONG)).toBe(2);
    expect(socketsPerClient({ transport: 'short-polling' })).toBe(2);
    expect(socketsPerClient({ transport: 'short-polling', keepAlive: false })).toBe(1);
    // Socket.IO by engine: the WebSocket alone; the poll's and the post's connections; both beside the WebSocket it upgraded to.
    expect(socketsPerClient({ transport: 'socketio', engine: 'websocket' })).toBe(1);
    expect(socketsPerClient({ transport: 'socketio', engine: 'polling' })).toBe(2);
    expect(socketsPerClient({ transport: 'socketio', engine: 'upgrade' })).toBe(3);
    expect(socketsPerClient({ transport: 'socketio' })).toBe(3);
  });
});

describe('planSockets', () => {
  it('keeps the generators asked for while their sockets fit', () => {
    expect(planSockets(workload(10, 100), LONG, 1, CAP)).toEqual({ clients: 1000, sockets: 2000, serverSockets: 19_000, generators: 1, clientsPerGenerator: 1000 });
    expect(planSockets(workload(10, 10), WS, 3, CAP).generators).toBe(3);
  });

  it('adds generator processes when the sockets need them: 5,000 long polls in one, 19,000 WebSockets in two', () => {
    // 10,000 sockets: exactly one generator's share.
    expect(planSockets(workload(10, 500), LONG, 1, CAP)).toEqual({ clients: 5000, sockets: 10_000, serverSockets: 19_000, generators: 1, clientsPerGenerator: 5000 });
    expect(planSockets(workload(10, 1900), WS, 1, CAP)).toEqual({ clients: 19_000, sockets: 19_000, serverSockets: 19_000, generators: 2, clientsPerGenerator: 9500 });
    // More asked for than needed: as many as asked.
    expect(planSockets(workload(10, 1900), WS, 4, CAP).generators).toBe(4);
    // 5,001 long polls: 10,002 sockets, two processes.
    expect(planSockets(workload(1, 5001), LONG, 1, CAP).generators).toBe(2);
    expect(SOCKETS_PER_GENERATOR).toBe(10_000);
  });

  it('never starts more generators than clients', () => {
    expect(planSockets(workload(1, 2), WS, 16, CAP).generators).toBe(2);
  });

  it('refuses a step one server process cannot hold, with the figures a capacity search reads', () => {
    const ws = planSockets(workload(10, 1901), WS, 1, CAP);
    expect(ws.limit).toEqual({ kind: 'fd', needed: 19_010, available: CAP - SERVER_FD_RESERVE });
    // 9,500 long-polling clients fit, 9,501 do not.
    expect(planSockets(workload(1, 9500), LONG, 1, CAP).limit).toBeUndefined();
    expect(planSockets(workload(1, 9501), LONG, 1, CAP).limit).toEqual({ kind: 'fd', needed: 19_002, available: 19_000 });
    expect(describeLimit({ kind: 'fd', needed: 19_002, available: 19_000 })).toBe('needs 19,002 sockets, one server process holds at most 19,000 (fd limit): not run');
  });

  it('reads the open-files cap of this process from /proc', () => {
    const cap = openFilesLimit();
    expect(Number.isInteger(cap)).toBe(true);
    expect(cap).toBeGreaterThan(SERVER_FD_RESERVE);
  });
});

describe('sourceAddresses', () => {
  it('gives each generator its own addresses in 127.0.0.0/8, one per 20,000 sockets', () => {
    expect(sourceAddresses(0, 10)).toEqual(['127.1.0.1']);
    expect(sourceAddresses(3, SOCKETS_PER_SOURCE_ADDRESS)).toEqual(['127.1.3.1']);
    expect(sourceAddresses(3, SOCKETS_PER_SOURCE_ADDRESS + 1)).toEqual(['127.1.3.1', '127.1.3.2']);
    const all = [0, 1, 2, 15].flatMap((g) => sourceAddresses(g, 50_000));
    expect(new Set(all).size).toBe(all.length);
    for (const a of all) expect(ipv4Loopback(`http://${a}:80`)).toBe(true);
  });

  it('refuses what cannot be an address', () => {
    expect(() => sourceAddresses(256, 1)).toThrow('generator index must be 0 to 255, got 256');
    expect(() => sourceAddresses(0, 255 * SOCKETS_PER_SOURCE_ADDRESS)).toThrow('a generator has at most 254');
  });

  it('knows which servers a 127.x source can reach', () => {
    expect(ipv4Loopback('http://127.0.0.1:3000')).toBe(true);
    expect(ipv4Loopback('http://localhost:3000')).toBe(false);
    expect(ipv4Loopback('http://[::1]:3000')).toBe(false);
  });
});

describe('assignClients with a most clients per generator', () => {
  const count = (plans: ReturnType<typeof assignClients>): number[] => plans.map((p) => p.length);
  const roomsOf = (plan: ReturnType<typeof assignClients>[number]): string[] => [...new Set(plan.map((c) => c.room))];

  it('keeps whole rooms when their share fits', () => {
    const plans = assignClients(workload(10, 1900), 2, 'room-', 9500);
    expect(count(plans)).toEqual([9500, 9500]);
    expect(roomsOf(plans[0] ?? [])).toEqual(['room-0', 'room-2', 'room-4', 'room-6', 'room-8']);
  });

  it("spreads a room's members over the processes when whole rooms would pass it", () => {
    // 3 generators: whole rooms would give one of them 4 rooms (7,600 clients) against 6,334 each.
    const plans = assignClients(workload(10, 1900), 3, 'room-', 6334);
    expect(count(plans)).toEqual([6334, 6333, 6333]);
    for (const plan of plans) expect(roomsOf(plan)).toHaveLength(10);
    // One room larger than one process: its members over both.
    const big = assignClients(workload(1, 12_000), 2, 'room-', 6000);
    expect(count(big)).toEqual([6000, 6000]);
  });
});

describe('a trial not run for the fd limit', () => {
  const limit = { kind: 'fd', needed: 19_002, available: 19_000 } as const;
  const trial = limitedTrialResult({ round: 1, position: 2, clients: 9501, limit });

  it('says why, plainly and in a field a capacity search reads, and is not ok', () => {
    expect(trial.limit).toEqual(limit);
    expect(trial.ok).toBe(false);
    expect(trial.problems).toEqual(['needs 19,002 sockets, one server process holds at most 19,000 (fd limit): not run']);
    expect(trial.clients).toBe(9501);
    expect(trial.server).toBeNull();
  });

  it('measured nothing: every figure reads as not measured, never as 0', () => {
    for (const key of Object.keys(FIGURES) as FigureKey[]) expect(figureValue(trial, key)).toBeNull();
    const summary = summarizeVariant([trial]);
    expect(summary.ok).toBe(false);
    expect(summary.notMeasured).toEqual(Object.keys(FIGURES));
  });
});

describe('what a Socket.IO client holds at the server, by engine', () => {
  // The registry's engineSockets, held to what a server of this project counts.
  it.each([
    ['websocket', 1],
    ['polling', 2],
    ['upgrade', 3],
  ] as const)('%s: %i connection(s) a client', async (engine, perClient) => {
    const { url, server } = await startServer('socketio');
    const clients = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const client = await createClient('socketio', { url, engine });
        onCleanup(() => client.close());
        await client.connect();
        await client.subscribe('r');
        return client;
      }),
    );
    expect(socketsPerClient({ transport: 'socketio', engine })).toBe(perClient);
    // An upgrade ends after the subscription's answer: wait until the connections settle at the count.
    await vi.waitFor(() => expect(server.stats().connections).toBe(clients.length * perClient), { timeout: WAIT_BOUND_MS, interval: 10 });
  });
});
