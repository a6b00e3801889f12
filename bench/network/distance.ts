/**
 * A network with distance (bench/METHOD.md, "A network with distance"): a trial's clients in one
 * network namespace, its server in another. Where the kernel has the netem qdisc, a veth pair joins
 * them and netem delays each side's output by half the round-trip time (and limits its rate).
 * Elsewhere (this machine's kernel has no netem) every packet between them is carried by a delay
 * line (delay-line.c) that holds it for half the round-trip time, give or take the jitter, and
 * bandwidth is the kernel's `tbf` qdisc on each side's device; packet loss is the lossy loopback's nftables rule
 * (lossy-net.ts) on each side's output. The kernels of both namespaces see real per-packet delay:
 * TCP's and TLS's handshakes, slow start and retransmission timers all run against it.
 *
 * Addresses come from the benchmarking range 198.18.0.0/15 and exist only inside the two
 * namespaces: the clients' side has 198.18.0.1 and a route to 198.19.0.0/16 through its device,
 * the server's side 198.19.0.1 and a route back. Neither namespace has another interface, so
 * nothing a trial sends can leave them. Needs root, iproute2's `ip` and `tc`, /dev/net/tun, and a C
 * compiler or python3 for the delay line; nftables too with packet loss.
 */
import { existsSync } from 'node:fs';
import { execa } from 'execa';
import { addLossRule, deleteNamespace, lossRuleset, makeNamespace, namespaceName, nextNamespaceNumber, readLossCounters, run, type PacketCounts } from './lossy-net.ts';
import { DelayLine, prepareDelayLine, type DelayLineImpl, type DelayLineStats } from './delay-line.ts';
import type { KernelCounts } from '../model/results.ts';

/** The clients' address, and the server's: both in 198.18.0.0/15, both inside the trial's namespaces only. */
export const CLIENT_ADDRESS = '198.18.0.1';
export const SERVER_ADDRESS = '198.19.0.1';
const CLIENT_NET = '198.18.0.0/16';
const SERVER_NET = '198.19.0.0/16';

/** What the path between clients and server is asked to be. */
export interface DistanceSpec {
  /** Round-trip time added between every client and the server, ms (half each way). */
  readonly rttMs: number;
  /** Spread of the round trip, ms: each one-way trip adds a uniform draw in ±jitter/2. */
  readonly jitterMs: number;
  /** Each direction's rate, Mbit/s (the kernel's tbf); absent: as fast as the delay line carries. */
  readonly bandwidthMbit?: number;
}

/** How the delay was applied: the kernel's netem qdisc on a veth pair, or a TUN delay line in C or in Python. */
export type DistanceMethod = 'netem' | `tun-${DelayLineImpl}`;

/** The TUN devices' names: at most 15 characters, unique on the machine while they exist. */
export function deviceNames(pid: number, n: number): [string, string] {
  const base = `bt${pid % 10_000_000}-${n % 1000}`;
  return [`${base}c`, `${base}s`];
}

/**
 * tbf's settings for a rate: a bucket of 4 ms of traffic (never under two full frames, so one
 * packet always fits), and a queue of 100 ms of it, as a bottleneck link's buffer; more waits drop.
 */
export function tbfArgs(mbit: number): string[] {
  const bytesPerS = (mbit * 1e6) / 8;
  const burst = Math.max(3200, Math.ceil(bytesPerS * 0.004));
  return ['rate', `${mbit}mbit`, 'burst', String(burst), 'latency', '100ms'];
}

/**
 * netem's settings for one side's device: half the RTT, half the jitter (netem's default uniform
 * draw, as the delay line's), and the rate when one is asked.
 */
export function netemArgs(spec: DistanceSpec): string[] {
  const us = (ms: number): string => `${Math.round((ms * 1000) / 2)}us`;
  return ['delay', us(spec.rttMs), ...(spec.jitterMs > 0 ? [us(spec.jitterMs)] : []), ...(spec.bandwidthMbit !== undefined ? ['rate', `${spec.bandwidthMbit}mbit`] : [])];
}

let netem: Promise<boolean> | undefined;

/**
 * Whether this kernel has the netem qdisc: one added for real to the loopback of a scratch
 * namespace, once per process. (This machine's kernel answers "Specified qdisc kind is unknown".)
 */
export function kernelHasNetem(): Promise<boolean> {
  netem ??= (async () => {
    const ns = namespaceName(process.pid, nextNamespaceNumber());
    await makeNamespace(ns);
    try {
      return (await execa('tc', ['-n', ns, 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms'], { reject: false, timeout: 10_000 })).exitCode === 0;
    } finally {
      await deleteNamespace(ns);
    }
  })();
  return netem;
}

/**
 * Counters of the kernel's TCP stack in one namespace (/proc/net/netstat and /proc/net/snmp), and
 * its device's output drops: what explains a tail when connections queue (listen overflows, SYN
 * cookies), segments are lost (retransmissions) or the delay line falls behind (`deviceDrops`).
 */
export type KernelCounters = KernelCounts;

/**
 * The counters of {@link KernelCounters} from the text of /proc/net/netstat followed by
 * /proc/net/snmp, and the device's tx_dropped on a last line of its own.
 */
export function parseKernelCounters(text: string): KernelCounters {
  const values = new Map<string, number>();
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    const names = (lines[i] as string).split(/\s+/);
    const numbers = (lines[i + 1] as string).split(/\s+/);
    if (names[0] !== numbers[0] || !names[0]?.endsWith(':') || !/^\d/.test(numbers[1] ?? '')) continue;
    const prefix = names[0].slice(0, -1);
    for (let k = 1; k < names.length; k++) values.set(`${prefix}.${names[k]}`, Number(numbers[k]));
    i++;
  }
  const get = (key: string): number => {
    const v = values.get(key);
    if (v === undefined || !Number.isFinite(v)) throw new Error(`the kernel's counters have no ${key}`);
    return v;
  };
  const last = lines.filter((line) => line.trim() !== '').at(-1) ?? '';
  if (!/^\d+$/.test(last.trim())) throw new Error(`the kernel's counters end without the device's tx_dropped: ${JSON.stringify(last.slice(0, 80))}`);
  return {
    listenOverflows: get('TcpExt.ListenOverflows'),
    listenDrops: get('TcpExt.ListenDrops'),
    syncookiesSent: get('TcpExt.SyncookiesSent'),
    retransSegs: get('Tcp.RetransSegs'),
    deviceDrops: Number(last.trim()),
  };
}

/** Why a network with distance cannot be made here, naming what is missing; undefined when it can. */
export async function checkDistanceSupport(): Promise<string | undefined> {
  const why = 'a network with distance (--rtt, --jitter, --bandwidth, --scenario wan) runs the clients and the server in two network namespaces joined by a TUN delay line';
  if (process.platform !== 'linux') return `${why}: that needs Linux, and this is ${process.platform}`;
  if (process.getuid?.() !== 0) return `${why}: that needs root (uid 0; this is uid ${process.getuid?.() ?? 'unknown'}); run the bench as root`;
  if (!existsSync('/dev/net/tun')) return `${why}: that needs /dev/net/tun, which this machine does not have (modprobe tun, or a container given the device)`;
  for (const [command, args, pkg] of [
    ['ip', ['-V'], 'iproute2'],
    ['tc', ['-V'], 'iproute2'],
  ] as const) {
    const result = await execa(command, args, { reject: false, timeout: 10_000 });
    if (result.failed) return `${why}: that needs the \`${command}\` command (Debian package ${pkg}), which ${result.code === 'ENOENT' ? 'is not installed or not on PATH' : `failed: ${result.shortMessage}`}`;
  }
  try {
    if (!(await kernelHasNetem())) await prepareDelayLine();
    const probe = await DistantNetwork.create({ rttMs: 0, jitterMs: 0 }, { seed: 1 });
    await probe.close();
  } catch (error) {
    return `${why}: making one failed: ${(error as Error).message}`;
  }
  return undefined;
}

/** One trial's network with distance: two namespaces, the delay line between them. */
export class DistantNetwork {
  #closed = false;

  private constructor(
    readonly spec: DistanceSpec,
    /** The clients' namespace, and the server's, for `ip netns exec`. */
    readonly clientNs: string,
    readonly serverNs: string,
    readonly method: DistanceMethod,
    /** The delay line between the two sides; absent where netem delays the packets. */
    readonly delayLine: DelayLine | undefined,
    /** Percent of packets the nftables rule drops on each side's output; absent: no rule. */
    readonly lossPct: number | undefined,
    /** The clients' side's device and the server's. */
    readonly devices: readonly [string, string],
  ) {}

  /** Makes both namespaces, the delay line and the routes; on any failure removes what was made and throws, naming the step. */
  static async create(spec: DistanceSpec, options: { readonly seed: number; readonly lossPct?: number; readonly impl?: DelayLineImpl }): Promise<DistantNetwork> {
    const ruleset = options.lossPct === undefined ? undefined : lossRuleset(options.lossPct);
    // netem where the kernel has it (unless a delay line is asked for by name); else the TUN line.
    const useNetem = options.impl === undefined && (await kernelHasNetem());
    const line = useNetem ? undefined : await prepareDelayLine(options.impl);
    const n = nextNamespaceNumber();
    const [clientNs, serverNs] = [namespaceName(process.pid, n, 'c'), namespaceName(process.pid, n, 's')];
    const [clientDev, serverDev] = deviceNames(process.pid, n);
    const made: string[] = [];
    let delayLine: DelayLine | undefined;
    try {
      for (const ns of [clientNs, serverNs]) {
        await makeNamespace(ns);
        made.push(ns);
      }
      if (line) {
        delayLine = await DelayLine.start({ devices: [clientDev, serverDev], delayUs: (spec.rttMs * 1000) / 2, jitterUs: (spec.jitterMs * 1000) / 2, seed: options.seed, command: line.command });
        await run(`moving ${clientDev} into ${clientNs}`, 'ip', ['link', 'set', clientDev, 'netns', clientNs]);
        await run(`moving ${serverDev} into ${serverNs}`, 'ip', ['link', 'set', serverDev, 'netns', serverNs]);
      } else {
        await run(`joining ${clientNs} and ${serverNs} with a veth pair`, 'ip', ['-n', clientNs, 'link', 'add', clientDev, 'type', 'veth', 'peer', 'name', serverDev, 'netns', serverNs]);
      }
      for (const [dev, ns, own, other] of [
        [clientDev, clientNs, CLIENT_ADDRESS, SERVER_NET],
        [serverDev, serverNs, SERVER_ADDRESS, CLIENT_NET],
      ] as const) {
        await run(`addressing ${dev} in ${ns}`, 'ip', ['-n', ns, 'addr', 'add', `${own}/32`, 'dev', dev]);
        await run(`bringing up ${dev} in ${ns}`, 'ip', ['-n', ns, 'link', 'set', dev, 'up']);
        await run(`routing ${other} through ${dev} in ${ns}`, 'ip', ['-n', ns, 'route', 'add', other, 'dev', dev]);
        if (!line) await run(`delaying ${dev} with netem`, 'tc', ['-n', ns, 'qdisc', 'add', 'dev', dev, 'root', 'netem', ...netemArgs(spec)]);
        else if (spec.bandwidthMbit !== undefined) await run(`limiting ${dev} to ${spec.bandwidthMbit} Mbit/s`, 'tc', ['-n', ns, 'qdisc', 'add', 'dev', dev, 'root', 'tbf', ...tbfArgs(spec.bandwidthMbit)]);
        if (ruleset !== undefined) await addLossRule(ns, ruleset);
      }
      return new DistantNetwork(spec, clientNs, serverNs, line ? `tun-${line.impl}` : 'netem', delayLine, options.lossPct, [clientDev, serverDev]);
    } catch (error) {
      await delayLine?.stop();
      for (const ns of made) await deleteNamespace(ns).catch(() => undefined);
      throw error;
    }
  }

  /** What both sides' loss rules counted (both directions of every connection). */
  async lossCounters(): Promise<PacketCounts> {
    const [c, s] = await Promise.all([readLossCounters(this.clientNs), readLossCounters(this.serverNs)]);
    return { packets: c.packets + s.packets, dropped: c.dropped + s.dropped };
  }

  /** The delay line's figures now; throws when it exited, or where netem delays the packets. */
  stats(): Promise<DelayLineStats> {
    if (!this.delayLine) return Promise.reject(new Error('netem delays the packets here: there is no delay line to read'));
    return this.delayLine.stats();
  }

  /** The TCP counters of the clients' side and of the server's. */
  async kernelCounters(): Promise<{ readonly clients: KernelCounters; readonly server: KernelCounters }> {
    const read = async (ns: string, dev: string): Promise<KernelCounters> =>
      parseKernelCounters(await run(`reading the TCP counters in ${ns}`, 'ip', ['netns', 'exec', ns, 'cat', '/proc/net/netstat', '/proc/net/snmp', `/sys/class/net/${dev}/statistics/tx_dropped`]));
    const [clients, server] = await Promise.all([read(this.clientNs, this.devices[0]), read(this.serverNs, this.devices[1])]);
    return { clients, server };
  }

  /** Stops the delay line (its devices go with it) and deletes both namespaces. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.delayLine?.stop();
    await deleteNamespace(this.clientNs);
    await deleteNamespace(this.serverNs);
  }
}
