/**
 * `npm run bench:wire -- [bench options]`: one `npm run bench` with the loopback captured
 * (tcpdump), then each transport's delivery split by the wire (wire-split.ts): how late the post
 * left its sender, when the first and last copies left the server, when the author's answer did.
 * The route ceilings and the micro-benchmarks are skipped (their floods would fill the capture).
 * Needs root and tcpdump (Debian: `apt-get install tcpdump`). The capture is read whole: the
 * default chat's trials take about 6 MB each (a run of 4 trials, 22 MB); keep the run small.
 *
 *   npm run bench:wire -- --transports sse,long-polling,websocket,raw-ws --rounds 1
 */
import { execa } from 'execa';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect, createServer, type AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CI_PRESET, QUICK_PRESET } from '../run/options.ts';
import { splitWire, readPcap, type WireSplit } from './wire-split.ts';

const BENCH_CLI = fileURLToPath(new URL('../../cli/bench.ts', import.meta.url));
/** TCP segments that carry a payload: what holds a stamp or a request line. */
const FILTER = 'tcp and (((ip[2:2] - ((ip[0]&0xf)<<2)) - ((tcp[12]&0xf0)>>2)) != 0)';
/** Flags added to the run unless given: what floods the loopback without a message in it. */
const QUIET_FLAGS = ['--skip-ceiling', '--skip-micro'] as const;
/** The default chat's warm-up (bench/run/scenarios.ts), the shortest a scenario's chat has. */
const DEFAULT_WARMUP_MS = 2000;
/** The longest wait for tcpdump to write the segment sent after the run. */
const MARKER_WAIT_MS = 10_000;

/** Wall clock minus CLOCK_MONOTONIC, µs: the capture's timestamps are the one, the stamps the other. */
export function wallMinusMonotonicUs(): number {
  // performance.now() counts from timeOrigin on the monotonic clock that process.hrtime reads.
  const wallUs = (performance.timeOrigin + performance.now()) * 1000;
  return wallUs - Number(process.hrtime.bigint() / 1000n);
}

/**
 * The warm-up of each trial, ms, whose messages the split leaves out: `--warmup-ms` as given,
 * the preset's with `--ci` or `--quick`, else 2,000 (every scenario's chat warms up at least that
 * long; a longer warm-up leaves some of its messages in).
 */
export function warmupOf(given: readonly string[]): number {
  const at = given.findIndex((arg) => arg === '--warmup-ms' || arg.startsWith('--warmup-ms='));
  if (at >= 0) {
    const arg = given[at] as string;
    const value = Number(arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : given[at + 1]);
    if (Number.isInteger(value) && value >= 0) return value;
  }
  if (given.includes('--ci')) return CI_PRESET.warmupMs;
  return given.includes('--quick') ? QUICK_PRESET.warmupMs : DEFAULT_WARMUP_MS;
}

/** The bench's arguments with the quiet flags added where they are not given. */
export function benchArgs(given: readonly string[]): string[] {
  return [...given, ...QUIET_FLAGS.filter((flag) => !given.includes(flag))];
}

/** The table printed for the splits, µs. */
export function formatSplits(splits: readonly WireSplit[]): string {
  const us = (v: number | undefined): string => (v === undefined || Number.isNaN(v) ? '–' : `${Math.round(v)}`);
  const rows = [
    ['transport', 'messages', 'copies', 'sent late p50', 'first copy p50', 'last copy p50', 'answer p50', 'meant → copy p50', 'p90'],
    ...splits.map((s) => [s.transport, String(s.messages), s.copiesPerMessage.toFixed(1), us(s.sentLate.p50), us(s.firstCopy.p50), us(s.lastCopy.p50), us(s.answer?.p50), us(s.meantToCopy.p50), us(s.meantToCopy.p90)]),
  ];
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join('  ')).join('\n');
}

/** Why bench:wire cannot run here (no root, no tcpdump), or undefined when it can. */
export async function checkWireSupport(): Promise<string | undefined> {
  const why = 'bench:wire captures the loopback with tcpdump';
  if (process.getuid?.() !== 0) return `${why}, which needs root (uid 0; this is uid ${process.getuid?.() ?? 'unknown'})`;
  const tcpdump = await execa('tcpdump', ['--version'], { reject: false });
  if (tcpdump.failed) return `${why}, which ${tcpdump.code === 'ENOENT' ? 'is not installed (Debian: apt-get install tcpdump)' : `failed: ${tcpdump.shortMessage}`}`;
  return undefined;
}

/** Sends one segment over the loopback holding a fresh marker, and returns the marker. */
async function sendMarker(): Promise<string> {
  const marker = `bench:wire end ${randomUUID()}`;
  const server = createServer((socket) => socket.resume());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await once(socket, 'connect');
  socket.end(marker);
  await once(socket, 'close');
  server.close();
  return marker;
}

/** Resolves once `file` holds `marker`; throws after {@link MARKER_WAIT_MS}. */
async function captured(file: string, marker: string): Promise<void> {
  const deadline = Date.now() + MARKER_WAIT_MS;
  while (!(await readFile(file)).includes(marker)) {
    if (Date.now() > deadline) throw new Error(`tcpdump had not written the run's last segment after ${MARKER_WAIT_MS / 1000} s`);
    await delay(50);
  }
}

async function main(): Promise<void> {
  const missing = await checkWireSupport();
  if (missing) throw new Error(missing);
  if (process.argv.includes('--json')) throw new Error('bench:wire prints its split on stdout after the run: run it without --json (the results file is written all the same)');
  const dir = await mkdtemp(join(tmpdir(), 'bench-wire-'));
  const file = join(dir, 'loopback.pcap');
  try {
    const capture = execa('tcpdump', ['-i', 'lo', '-s', '0', '-B', '65536', '--immediate-mode', '-U', '-w', file, FILTER], { reject: false, stdout: 'ignore', stderr: 'pipe', buffer: { stderr: true } });
    await new Promise<void>((resolve, reject) => {
      capture.stderr?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('listening on')) resolve();
      });
      void capture.then((result) => reject(new Error(`tcpdump ended before capturing: ${String(result.stderr).trim()}`)));
    });
    const before = wallMinusMonotonicUs();
    const run = await execa(process.execPath, ['--import', 'tsx', BENCH_CLI, ...benchArgs(process.argv.slice(2))], { stdio: 'inherit', reject: false });
    const offsetUs = (before + wallMinusMonotonicUs()) / 2;
    // tcpdump writes what it has read; on SIGINT it may drop what it has not: stop it only once a
    // segment sent after the run is in the file.
    await captured(file, await sendMarker());
    capture.kill('SIGINT');
    const stopped = await capture;
    if (run.exitCode !== 0) throw new Error(`the run failed (exit code ${run.exitCode}); nothing to split`);
    const dropped = /(\d+) packets? dropped by kernel/.exec(String(stopped.stderr))?.[1];
    const args = process.argv.slice(2);
    const splits = splitWire(readPcap(await readFile(file)), offsetUs, warmupOf(args));
    console.log(`\nEach message on the wire, µs: its post after it was meant to be sent; its copies and its answer after the post reached the server. Over every trial's messages but its first ${warmupOf(args)} ms (the warm-up)`);
    console.log(formatSplits(splits));
    if (dropped !== undefined && dropped !== '0') console.log(`\ntcpdump dropped ${dropped} packets: some messages are missing from the split`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(`error: ${(error as Error).message}`);
    process.exit(1);
  });
}
