/**
 * What the delay line costs, measured (bench/METHOD.md, "A network with distance"): a UDP echo
 * between the clients' side and the server's, one datagram in flight at a time, across
 *   - a veth pair joining the two namespaces directly (no delay line: the floor),
 *   - the C delay line at RTT 0, and the Python one,
 * giving each path's round trip (p50, p99) and, for the delay lines, the latency they add over the
 * veth pair and their CPU per packet carried. The language of the delay line the bench runs was
 * chosen by these figures.
 *
 *   npm run bench:delay-line [-- --round-trips 5000]
 *
 * Needs what a network with distance needs (root, iproute2, /dev/net/tun, a C compiler, python3).
 */
import { execa, type ResultPromise } from 'execa';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { LatencyHistogram } from '../model/histogram.ts';
import { deleteNamespace, makeNamespace, namespaceName, nextNamespaceNumber, run } from './lossy-net.ts';
import type { LatencySummary } from '../model/results.ts';
import { CLIENT_ADDRESS, DistantNetwork, SERVER_ADDRESS } from './distance.ts';
import type { DelayLineImpl } from './delay-line.ts';

/** Round trips thrown away first: compiling the echo's code, warming caches. */
const WARMUP_ROUND_TRIPS = 200;
const ECHO_PORT = 9;

/** The echo, as a script for `node -e`: a server that sends every datagram back, or a client timing N round trips. */
const SERVER_SCRIPT = `
const s = require('node:dgram').createSocket('udp4');
s.on('message', (m, r) => s.send(m, r.port, r.address));
s.bind(${ECHO_PORT}, process.argv[1], () => console.log('ready'));
process.stdin.resume(); process.stdin.on('end', () => process.exit(0));`;
/** A sink for the flood: receives and drops, answering nothing. */
const SINK_SCRIPT = `
const s = require('node:dgram').createSocket('udp4');
s.on('message', () => undefined);
s.bind(${ECHO_PORT}, process.argv[1], () => console.log('ready'));
process.stdin.resume(); process.stdin.on('end', () => process.exit(0));`;
const CLIENT_SCRIPT = `
const [host, n] = [process.argv[1], Number(process.argv[2])];
const s = require('node:dgram').createSocket('udp4');
const out = []; const payload = Buffer.alloc(64, 97); let t = 0;
s.on('message', () => { out.push(Number(process.hrtime.bigint() - t) / 1000); if (out.length === n) { console.log(JSON.stringify(out)); process.exit(0); } t = process.hrtime.bigint(); s.send(payload, ${ECHO_PORT}, host); });
s.bind(0, () => { t = process.hrtime.bigint(); s.send(payload, ${ECHO_PORT}, host); });`;

export interface PathCost {
  readonly path: 'veth' | `tun-${DelayLineImpl}`;
  readonly roundTrip: LatencySummary;
  /** Over the veth pair's round trip, at p50, µs: what the delay line adds (two crossings, one each way). */
  readonly addedP50Us?: number;
  /** The delay line's CPU per packet carried, µs. */
  readonly cpuPerPacketUs?: number;
  readonly packets?: number;
}

async function echo(clientNs: string, serverNs: string, roundTrips: number): Promise<number[]> {
  const server: ResultPromise<{ stdin: 'pipe'; buffer: false }> = execa('ip', ['netns', 'exec', serverNs, process.execPath, '-e', SERVER_SCRIPT, SERVER_ADDRESS], { stdin: 'pipe', buffer: false });
  try {
    await new Promise<void>((resolve, reject) => {
      server.stdout?.once('data', () => resolve());
      server.once('exit', () => reject(new Error('the echo server exited before it was ready')));
    });
    const client = await execa('ip', ['netns', 'exec', clientNs, process.execPath, '-e', CLIENT_SCRIPT, SERVER_ADDRESS, String(roundTrips + WARMUP_ROUND_TRIPS)]);
    return (JSON.parse(client.stdout) as number[]).slice(WARMUP_ROUND_TRIPS);
  } finally {
    server.stdin?.end();
    await server.catch(() => undefined);
  }
}

function summary(times: readonly number[]): LatencySummary {
  const h = new LatencyHistogram();
  for (const t of times) h.record(Math.max(1, Math.round(t)));
  return h.summary();
}

/** The same two namespaces and addresses as a network with distance, joined by a veth pair instead. */
async function vethEcho(roundTrips: number): Promise<number[]> {
  const n = nextNamespaceNumber();
  const [c, s] = [namespaceName(process.pid, n, 'c'), namespaceName(process.pid, n, 's')];
  await makeNamespace(c);
  await makeNamespace(s);
  try {
    const [vc, vs] = [`bv${n}c`, `bv${n}s`];
    await run('making a veth pair', 'ip', ['-n', c, 'link', 'add', vc, 'type', 'veth', 'peer', 'name', vs, 'netns', s]);
    for (const [ns, dev, own, other] of [
      [c, vc, CLIENT_ADDRESS, SERVER_ADDRESS],
      [s, vs, SERVER_ADDRESS, CLIENT_ADDRESS],
    ] as const) {
      await run('addressing the veth pair', 'ip', ['-n', ns, 'addr', 'add', `${own}/32`, 'dev', dev]);
      await run('bringing up the veth pair', 'ip', ['-n', ns, 'link', 'set', dev, 'up']);
      await run('routing over the veth pair', 'ip', ['-n', ns, 'route', 'add', `${other}/32`, 'dev', dev]);
    }
    return await echo(c, s, roundTrips);
  } finally {
    await deleteNamespace(c);
    await deleteNamespace(s);
  }
}

async function tunEcho(impl: DelayLineImpl, roundTrips: number): Promise<{ times: number[]; cpuUs: number; packets: number }> {
  const net = await DistantNetwork.create({ rttMs: 0, jitterMs: 0 }, { seed: 1, impl });
  try {
    // The readings bracket the timed round trips only; the warm-up's packets are counted out.
    const before = await net.stats();
    const times = await echo(net.clientNs, net.serverNs, roundTrips);
    const after = await net.stats();
    const packets = after.packets[0] + after.packets[1] - before.packets[0] - before.packets[1];
    return { times, cpuUs: after.cpuUs - before.cpuUs, packets };
  } finally {
    await net.close();
  }
}

/** A one-way flood of `rate` × `ms` / 1000 datagrams, each batch sent when it is due (a sender that falls behind sends late, not fewer). */
const FLOOD_SCRIPT = `
const [host, rate, ms] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const s = require('node:dgram').createSocket('udp4');
const payload = Buffer.alloc(200, 97); const start = performance.now(); let sent = 0;
const tick = () => {
  const due = Math.min(rate * ms / 1000, Math.floor(rate * (performance.now() - start) / 1000));
  while (sent < due) { s.send(payload, ${ECHO_PORT}, host); sent++; }
  if (performance.now() - start < ms) setImmediate(tick); else setTimeout(() => { console.log(sent); process.exit(0); }, 200);
};
s.bind(0, tick);`;

/** What the C line did with a flood at one rate: lateness at p99, drops, CPU per packet. */
export interface FloodResult {
  readonly ratePerS: number;
  readonly carried: number;
  /** Packets carried per second from the reading before the flood to the one after (the sender's start and exit included). */
  readonly carriedPerS: number;
  readonly lateP99Us: number;
  /** Dropped for a full queue: the line's own, and the clients' device's (what the line did not read in time). */
  readonly overflow: number;
  readonly unread: number;
  readonly cpuPerPacketUs: number;
}

/**
 * Floods a delay line (RTT 20 ms, so packets wait on its timer) one way at each rate for `ms`, with
 * a receiver on the other side: where its lateness passes the trial limit is the packet rate at
 * which it becomes the bottleneck.
 */
export async function measureFloods(rates: readonly number[], ms: number, impl: DelayLineImpl = 'c'): Promise<FloodResult[]> {
  const out: FloodResult[] = [];
  for (const rate of rates) {
    const net = await DistantNetwork.create({ rttMs: 20, jitterMs: 0 }, { seed: 1, impl });
    const sink = execa('ip', ['netns', 'exec', net.serverNs, process.execPath, '-e', SINK_SCRIPT, SERVER_ADDRESS], { stdin: 'pipe', buffer: false });
    try {
      await new Promise<void>((resolve, reject) => {
        sink.stdout?.once('data', () => resolve());
        sink.once('exit', () => reject(new Error('the sink exited before it was ready')));
      });
      const kernelBefore = await net.kernelCounters();
      const before = await net.stats();
      const started = performance.now();
      await execa('ip', ['netns', 'exec', net.clientNs, process.execPath, '-e', FLOOD_SCRIPT, SERVER_ADDRESS, String(rate), String(ms)]);
      const after = await net.stats();
      const seconds = (performance.now() - started) / 1000;
      const unread = (await net.kernelCounters()).clients.deviceDrops - kernelBefore.clients.deviceDrops;
      const carried = after.packets[0] + after.packets[1] - before.packets[0] - before.packets[1];
      out.push({ ratePerS: rate, carried, carriedPerS: carried / seconds, lateP99Us: after.late.p99, overflow: after.overflow[0] + after.overflow[1] - before.overflow[0] - before.overflow[1], unread, cpuPerPacketUs: carried > 0 ? (after.cpuUs - before.cpuUs) / carried : Number.NaN });
    } finally {
      sink.stdin?.end();
      await sink.catch(() => undefined);
      await net.close();
    }
  }
  return out;
}

/** Every path's figures, measured in turn. */
export async function measureDelayLineCost(roundTrips: number, impls: readonly DelayLineImpl[] = ['c', 'python']): Promise<PathCost[]> {
  const veth = summary(await vethEcho(roundTrips));
  const out: PathCost[] = [{ path: 'veth', roundTrip: veth }];
  for (const impl of impls) {
    const { times, cpuUs, packets } = await tunEcho(impl, roundTrips);
    const roundTrip = summary(times);
    out.push({ path: `tun-${impl}`, roundTrip, addedP50Us: roundTrip.p50 - veth.p50, cpuPerPacketUs: cpuUs / packets, packets });
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'round-trips': { type: 'string', default: '5000' }, floods: { type: 'string', default: '5000,10000,20000,40000,80000' } } });
  const roundTrips = Number(values['round-trips']);
  if (!Number.isInteger(roundTrips) || roundTrips < 10 || roundTrips > 1_000_000) throw new RangeError(`--round-trips must be a whole number from 10 to 1,000,000, got ${values['round-trips']}`);
  const rows = await measureDelayLineCost(roundTrips);
  console.log(`UDP echo, 64 B, one in flight, ${roundTrips.toLocaleString('en-US')} round trips per path (after ${WARMUP_ROUND_TRIPS} discarded)`);
  console.log('path       rtt p50   rtt p99   added p50   cpu/packet');
  for (const r of rows) {
    const us = (v: number | undefined): string => (v === undefined ? '–' : `${v.toFixed(v < 10 ? 1 : 0)} µs`);
    console.log(`${r.path.padEnd(10)} ${us(r.roundTrip.p50).padStart(8)}  ${us(r.roundTrip.p99).padStart(8)}  ${us(r.addedP50Us).padStart(10)}  ${us(r.cpuPerPacketUs).padStart(10)}`);
  }
  const rates = values.floods.split(',').map(Number);
  if (rates.some((r) => !Number.isInteger(r) || r < 1 || r > 1_000_000)) throw new RangeError(`--floods takes whole packet rates from 1 to 1,000,000, got ${values.floods}`);
  for (const impl of ['c', 'python'] as const) {
    console.log(`\nThe ${impl === 'c' ? 'C' : 'Python'} line at RTT 20 ms under a one-way UDP flood of 200 B datagrams, 2 s per rate (trial limit: late at p99 ≤ 2 ms, no drop)`);
    console.log('asked/s    carried/s   late p99   dropped (line, unread)   cpu/packet');
    for (const f of await measureFloods(rates, 2000, impl)) {
      console.log(`${String(f.ratePerS).padStart(7)}  ${String(Math.round(f.carriedPerS)).padStart(10)}  ${`${f.lateP99Us} µs`.padStart(9)}  ${`${f.overflow}, ${f.unread}`.padStart(22)}  ${`${f.cpuPerPacketUs.toFixed(1)} µs`.padStart(10)}`);
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(`error: ${(error as Error).message}`);
    process.exit(1);
  });
}
