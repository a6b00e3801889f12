/**
 * Lossy networks made by the kernel (bench/METHOD.md, "Lossy networks"): a trial's server and generators
 * run in a network namespace of their own (`ip netns`), whose only interface is its loopback, and
 * an nftables rule on that loopback's output drops a share of packets (`numgen random mod 100 < N
 * drop`). The rule's counters say how many packets went out and how many were dropped, so the
 * realised rate stands beside the rate asked for. A namespace has no interface but `lo`: nothing a
 * trial sends can leave loopback.
 *
 * Needs root, iproute2's `ip` and nftables' `nft`; `checkLossySupport` says which is missing.
 * Every namespace made here is deleted when its trial ends, at the harness's exit (Ctrl-C
 * included), and a later run deletes the ones a killed run left behind (`removeStaleNamespaces`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';

/** The nftables table and the comments that mark its two rules. */
export const LOSS_TABLE = 'bench_loss';
const SEEN = 'seen';
const DROPPED = 'dropped';
/** Namespaces this module makes are named `bench-<harness pid>-<n>`. */
const NAME_PREFIX = 'bench-';
const NAME_PATTERN = /^bench-(\d+)-(\d+)[cs]?$/;
/** Longest wait for one `ip` or `nft` command. */
const COMMAND_TIMEOUT_MS = 10_000;

/**
 * A namespace's name: `bench-<pid>-<n>`, unique per harness process and trial; a network with
 * distance (network/distance.ts) has two, `bench-<pid>-<n>c` for the clients and `…s` for the servers.
 */
export function namespaceName(pid: number, n: number, side: '' | 'c' | 's' = ''): string {
  return `${NAME_PREFIX}${pid}-${n}${side}`;
}

/** A number for the next namespace (or pair of them) this process makes. */
export function nextNamespaceNumber(): number {
  return ++made;
}

/** The harness pid a namespace name carries, or undefined for a name this module did not make. */
export function namespaceOwner(name: string): number | undefined {
  const match = NAME_PATTERN.exec(name);
  return match ? Number(match[1]) : undefined;
}

/**
 * The nftables ruleset of a lossy loopback: every packet out is counted (`seen`), and `pct` in 100
 * of them, drawn at random per packet, are counted and dropped (`dropped`). 0 drops nothing but
 * still counts, so a 0% step runs under the same rule as the others.
 */
export function lossRuleset(pct: number): string {
  if (!Number.isInteger(pct) || pct < 0 || pct > 100) throw new RangeError(`--loss must be an integer from 0 to 100 (percent of packets dropped), got ${JSON.stringify(pct)}`);
  return [
    `table inet ${LOSS_TABLE} {`,
    '  chain output {',
    '    type filter hook output priority 0; policy accept;',
    `    counter comment "${SEEN}"`,
    `    numgen random mod 100 < ${pct} counter drop comment "${DROPPED}"`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Packets the rule saw go out of the namespace's loopback, and those it dropped. */
export interface PacketCounts {
  readonly packets: number;
  readonly dropped: number;
}

interface NftRule {
  readonly rule?: { readonly comment?: string; readonly expr?: readonly Readonly<Record<string, unknown>>[] };
}

/** The two counters from `nft -j list table inet bench_loss`; throws when the rules are not there. */
export function parseCounters(json: string): PacketCounts {
  const items = (JSON.parse(json) as { nftables?: readonly NftRule[] }).nftables ?? [];
  const count = (comment: string): number => {
    const rule = items.find((item) => item.rule?.comment === comment)?.rule;
    const counter = rule?.expr?.find((e) => 'counter' in e)?.counter as { packets?: unknown } | undefined;
    if (typeof counter?.packets !== 'number') throw new Error(`the ${LOSS_TABLE} table has no "${comment}" counter: ${json.slice(0, 200)}`);
    return counter.packets;
  };
  return { packets: count(SEEN), dropped: count(DROPPED) };
}

/** Why the lossy network cannot be made here, naming the missing piece; undefined when it can. */
export async function checkLossySupport(): Promise<string | undefined> {
  const why = 'the lossy network (--loss, --scenario lossy) runs each trial in a network namespace of its own with an nftables rule that drops packets';
  if (process.platform !== 'linux') return `${why}: that needs Linux, and this is ${process.platform}`;
  if (process.getuid?.() !== 0) return `${why}: that needs root (uid 0; this is uid ${process.getuid?.() ?? 'unknown'}); run the bench as root`;
  for (const [command, args, pkg] of [
    ['ip', ['-V'], 'iproute2'],
    ['nft', ['--version'], 'nftables'],
  ] as const) {
    const result = await execa(command, args, { reject: false, timeout: COMMAND_TIMEOUT_MS });
    if (result.failed) return `${why}: that needs the \`${command}\` command (Debian package ${pkg}), which ${result.code === 'ENOENT' ? 'is not installed or not on PATH' : `failed: ${result.shortMessage}`}`;
  }
  // Everything is there: make one for real, so that a kernel without nf_tables says so now.
  try {
    const probe = await LossyNetwork.create(1);
    await probe.counters();
    await probe.close();
  } catch (error) {
    return `${why}: making one failed: ${(error as Error).message}`;
  }
  return undefined;
}

/** Namespaces made by this process and not yet deleted, for the exit handler. */
const live = new Set<string>();
let made = 0;
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // On any exit (a second Ctrl-C's process.exit included) delete what is left, synchronously.
  process.on('exit', () => {
    for (const name of live) deleteSync(name);
  });
}

function deleteSync(name: string): void {
  try {
    execFileSync('ip', ['netns', 'delete', name], { stdio: 'ignore', timeout: COMMAND_TIMEOUT_MS });
  } catch {
    // Already gone, or cannot be deleted: nothing more can be done at exit.
  }
  rmSync(netnsEtc(name), { recursive: true, force: true });
  live.delete(name);
}

/** Runs an `ip`, `nft` or `tc` command; throws an Error naming `what` and quoting its stderr. */
export async function run(what: string, command: string, args: readonly string[], input?: string): Promise<string> {
  const result = await execa(command, args, { reject: false, timeout: COMMAND_TIMEOUT_MS, ...(input !== undefined ? { input } : {}) });
  if (result.failed) throw new Error(`${what} (${command} ${args.join(' ')}): ${result.stderr.trim() || result.shortMessage}`);
  return result.stdout;
}

/** The namespaces this user's `ip netns list` shows. */
async function listNamespaces(): Promise<string[]> {
  const out = await run('listing network namespaces', 'ip', ['netns', 'list']);
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((name) => name.length > 0);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Deletes the `bench-<pid>-<n>` namespaces of harness processes that are no longer running (a
 * run killed with SIGKILL cannot clean up after itself). Returns the names deleted.
 */
export async function removeStaleNamespaces(): Promise<string[]> {
  const isStale = (name: string): boolean => {
    const owner = namespaceOwner(name);
    return owner !== undefined && owner !== process.pid && !alive(owner);
  };
  const stale = (await listNamespaces()).filter(isStale);
  for (const name of stale) await run(`deleting the stale namespace ${name}`, 'ip', ['netns', 'delete', name]);
  // And the resolv.conf folders of theirs (addDefaultRoute), whether their namespace is there or not.
  for (const name of existsSync('/etc/netns') ? readdirSync('/etc/netns').filter(isStale) : []) rmSync(netnsEtc(name), { recursive: true, force: true });
  return stale;
}

/** One trial's lossy loopback: a namespace with `lo` up and the loss rule on its output. */
export class LossyNetwork {
  private closed = false;

  private constructor(
    /** The namespace's name, for `ip netns exec`. */
    readonly name: string,
    /** The share of packets the rule drops, in percent. */
    readonly lossPct: number,
    /** It has a default route ({@link addDefaultRoute}). */
    readonly defaultRoute = false,
  ) {}

  /**
   * Makes the namespace and its rule; on any failure deletes what was made and throws, naming the
   * step. With `defaultRoute`, also the route a browser's WebRTC needs ({@link addDefaultRoute}).
   */
  static async create(lossPct: number, options: { readonly defaultRoute?: boolean } = {}): Promise<LossyNetwork> {
    const ruleset = lossRuleset(lossPct);
    const name = namespaceName(process.pid, nextNamespaceNumber());
    await makeNamespace(name);
    const network = new LossyNetwork(name, lossPct, options.defaultRoute === true);
    try {
      if (options.defaultRoute) await addDefaultRoute(name);
      await addLossRule(name, ruleset);
    } catch (error) {
      await network.close();
      throw error;
    }
    return network;
  }

  /** Packets sent by the default route so far (to an address neither loopback nor 198.18.0.1): 0 when it has none. */
  async routedAway(): Promise<number> {
    if (!this.defaultRoute) return 0;
    const stats = JSON.parse(await run(`reading bench0's counters in ${this.name}`, 'ip', ['-n', this.name, '-j', '-s', 'link', 'show', 'bench0'])) as { stats64?: { tx?: { packets?: number } } }[];
    return stats[0]?.stats64?.tx?.packets ?? 0;
  }

  /** The rule's counters now: packets seen going out of loopback, and those dropped. */
  async counters(): Promise<PacketCounts> {
    return readLossCounters(this.name);
  }

  /** Deletes the namespace (its rule goes with it). Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await deleteNamespace(this.name);
  }
}

/** Makes the namespace `name` with its loopback up; deleted at the harness's exit if not before. */
export async function makeNamespace(name: string): Promise<void> {
  installExitHook();
  await run(`making the network namespace ${name}`, 'ip', ['netns', 'add', name]);
  live.add(name);
  try {
    await run(`bringing up loopback in ${name}`, 'ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  } catch (error) {
    await deleteNamespace(name);
    throw error;
  }
}

/** The address a namespace's default route is given by {@link addDefaultRoute}: the benchmarking range's first. */
export const DEFAULT_ROUTE_ADDRESS = '198.18.0.1';

/**
 * Gives the namespace `name` a default route, for a page's WebRTC: without permission to use the
 * camera or microphone, Chromium offers a host candidate on the interface of the default route
 * only (none on loopback: a namespace with loopback alone gets no candidate at all). The route
 * goes through one end of a veth pair inside the namespace, which has {@link DEFAULT_ROUTE_ADDRESS}
 * (a /15 of the benchmarking range); the other end is up with no address and the namespace does
 * not forward, so a packet routed there goes nowhere. The server, on 127.0.0.1 in the same
 * namespace, and the page reach each other through the kernel's local delivery.
 */
export async function addDefaultRoute(name: string): Promise<void> {
  // With a route, a name lookup would go to the machine's resolver (through bench0, nowhere):
  // `ip netns exec` gives the namespace's processes this resolv.conf instead, on loopback.
  mkdirSync(netnsEtc(name), { recursive: true });
  writeFileSync(join(netnsEtc(name), 'resolv.conf'), 'nameserver 127.0.0.1\n');
  await run(`making a veth pair in ${name}`, 'ip', ['-n', name, 'link', 'add', 'bench0', 'type', 'veth', 'peer', 'name', 'bench1']);
  await run(`addressing bench0 in ${name}`, 'ip', ['-n', name, 'addr', 'add', `${DEFAULT_ROUTE_ADDRESS}/15`, 'dev', 'bench0']);
  // No IPv6 link-local address, so the kernel sends no router solicitation or duplicate address probe on them.
  for (const dev of ['bench0', 'bench1']) await run(`bringing up ${dev} in ${name}`, 'ip', ['-n', name, 'link', 'set', dev, 'addrgenmode', 'none', 'up']);
  await run(`routing by default through bench0 in ${name}`, 'ip', ['-n', name, 'route', 'add', 'default', 'dev', 'bench0']);
}

/** Deletes a namespace made by {@link makeNamespace}; left for the exit handler when that fails. */
export async function deleteNamespace(name: string): Promise<void> {
  await run(`deleting the network namespace ${name}`, 'ip', ['netns', 'delete', name]);
  rmSync(netnsEtc(name), { recursive: true, force: true });
  live.delete(name);
}

/** The folder whose files `ip netns exec` mounts over /etc's for the namespace `name`. */
function netnsEtc(name: string): string {
  return join('/etc/netns', name);
}

/** Adds the loss rule (`lossRuleset`) on the output of every interface of the namespace. */
export async function addLossRule(name: string, ruleset: string): Promise<void> {
  await run(`adding the loss rule in ${name}`, 'ip', ['netns', 'exec', name, 'nft', '-f', '-'], ruleset);
}

/** The loss rule's counters in a namespace. */
export async function readLossCounters(name: string): Promise<PacketCounts> {
  return parseCounters(await run(`reading the loss counters in ${name}`, 'ip', ['netns', 'exec', name, 'nft', '-j', 'list', 'table', 'inet', LOSS_TABLE]));
}

/** `command` run inside the namespace `name`: `ip netns exec <name> ...command` (which execs, so the pid is the command's). */
export function wrapInNamespace(name: string, command: readonly string[]): string[] {
  return ['ip', 'netns', 'exec', name, ...command];
}

/** How many namespaces this process made and has not deleted: 0 after a run. */
export function liveNamespaces(): number {
  return live.size;
}
