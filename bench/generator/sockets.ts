/**
 * How many sockets a step needs, and what that asks of the processes on each side (bench/METHOD.md,
 * "Past one process"): open files are capped per process (20,000 here, and it cannot be raised), and
 * ephemeral ports per (source, destination) pair (~28,000 here). Pure arithmetic, so that it is
 * tested with exact numbers; the trial reads the cap of its own process ({@link openFilesLimit}).
 */
import { readFileSync } from 'node:fs';
import { TRANSPORT_FACTS, type TrialLimit, type TransportFacts, type Variant, type Workload } from '../model/results.ts';

/** The open-files cap assumed when /proc cannot tell (what this machine has). */
export const OPEN_FILES_FALLBACK = 20_000;
/**
 * Descriptors a server process keeps for itself (stdio, IPC, its listening socket, epoll, the
 * files Node and tsx open), and for the reading it takes at the end (/proc): it holds at most its
 * cap less these as client sockets. 1,000 leaves room: about 19,000 WebSocket clients, 9,500
 * long-polling clients.
 */
export const SERVER_FD_RESERVE = 1000;
/**
 * Client sockets one generator process is given at most: half the cap, so that a generator is
 * never near it, and a step of more clients gets more processes (and more of both cores).
 */
export const SOCKETS_PER_GENERATOR = 10_000;
/**
 * Client sockets per source address at most: of the ~28,000 ephemeral ports a (source,
 * destination) pair has here (32768–60999), with room for ports still in TIME_WAIT.
 */
export const SOCKETS_PER_SOURCE_ADDRESS = 20_000;

/**
 * Sockets one client holds at the server at most (`TransportFacts.sockets`, or its engine's for
 * Socket.IO); a client whose polls each open a new connection (no keep-alive, polling on a timer)
 * holds 1: they close after each request.
 */
export function socketsPerClient(variant: Pick<Variant, 'transport' | 'keepAlive' | 'engine'>): number {
  const facts: TransportFacts = TRANSPORT_FACTS[variant.transport];
  if (variant.engine !== undefined && facts.engineSockets) return facts.engineSockets[variant.engine];
  return variant.keepAlive === false && facts.knob === 'pollIntervalMs' ? 1 : facts.sockets;
}

/** How one step is laid out over processes and source addresses. */
export interface SocketPlan {
  /** Clients of the step. */
  readonly clients: number;
  /** Sockets they hold at the server at most. */
  readonly sockets: number;
  /** Client sockets one server process can hold: its open-files cap less {@link SERVER_FD_RESERVE}. */
  readonly serverSockets: number;
  /** Generator processes: as many as asked, or more when the sockets need them. */
  readonly generators: number;
  /** Most clients one generator process is given. */
  readonly clientsPerGenerator: number;
  /** Set when one server process cannot hold the step's sockets: the trial does not run. */
  readonly limit?: TrialLimit;
}

/**
 * The processes a step needs: `requested` generators (`--generators`, the scenario's), or more
 * when their share of sockets would pass {@link SOCKETS_PER_GENERATOR}; and whether one server
 * process, capped at `openFiles` descriptors, can hold them all.
 */
export function planSockets(workload: Pick<Workload, 'rooms' | 'members'>, variant: Pick<Variant, 'transport' | 'keepAlive' | 'engine'>, requested: number, openFiles: number): SocketPlan {
  const clients = workload.rooms * workload.members;
  const perClient = socketsPerClient(variant);
  const sockets = clients * perClient;
  const serverSockets = Math.max(0, openFiles - SERVER_FD_RESERVE);
  const clientsPerProcess = Math.max(1, Math.floor(SOCKETS_PER_GENERATOR / perClient));
  const generators = Math.min(clients, Math.max(requested, Math.ceil(clients / clientsPerProcess)));
  const plan = { clients, sockets, serverSockets, generators, clientsPerGenerator: Math.ceil(clients / generators) };
  if (sockets <= serverSockets) return plan;
  return { ...plan, limit: { kind: 'fd', needed: sockets, available: serverSockets } };
}

/** The limit in a sentence, for a trial's problems and the run's warnings. */
export function describeLimit(limit: TrialLimit): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  return `needs ${n(limit.needed)} sockets, one server process holds at most ${n(limit.available)} (fd limit): not run`;
}

/**
 * The source addresses of generator `index` for `sockets` client sockets: its own addresses in
 * 127.0.0.0/8 (`127.1.<index>.<n>`), one per {@link SOCKETS_PER_SOURCE_ADDRESS} sockets, so that no
 * two generators share ephemeral ports and none runs out.
 */
export function sourceAddresses(index: number, sockets: number): string[] {
  if (!Number.isInteger(index) || index < 0 || index > 255) throw new RangeError(`generator index must be 0 to 255, got ${index}`);
  const count = Math.max(1, Math.ceil(sockets / SOCKETS_PER_SOURCE_ADDRESS));
  if (count > 254) throw new RangeError(`${sockets} sockets need ${count} source addresses; a generator has at most 254`);
  return Array.from({ length: count }, (_, n) => `127.1.${index}.${n + 1}`);
}

/** Whether a base URL's host is an IPv4 loopback address, where a 127.x source address can connect. */
export function ipv4Loopback(url: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(new URL(url).hostname);
}

/** This process's open-files cap (its soft limit, which children inherit), from /proc. */
export function openFilesLimit(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = Number(line?.split(/\s{2,}/)[1]);
    return Number.isInteger(soft) && soft > 0 ? soft : OPEN_FILES_FALLBACK;
  } catch {
    return OPEN_FILES_FALLBACK;
  }
}
