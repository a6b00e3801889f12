/**
 * The lossy network's sanity check (bench/METHOD.md, "Lossy networks"): a plain TCP echo, 64 bytes at a
 * time, inside a lossy namespace, so that the figure it gives can be set beside the method's ("5%
 * loss took a TCP echo's p99 from under 1 ms to ~210 ms"). No contract, no library: what the
 * kernel's loss does to one round trip.
 *
 *   npx tsx bench/network/lossy-echo.ts 0 5        p50, p99 and max at each loss, with the drops counted
 *
 * Run as root, with iproute2 and nftables (lossy-net.ts). The echo runs in a child process inside
 * the namespace (`--child`): several connections at once, each sending its next 64 bytes when the
 * last came back, so a lost segment stalls only its own connection.
 */
import { createConnection, createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { LatencyHistogram } from '../model/histogram.ts';
import { LossyNetwork, checkLossySupport, wrapInNamespace, type PacketCounts } from './lossy-net.ts';
import type { LatencySummary } from '../model/results.ts';

const SELF = fileURLToPath(import.meta.url);
const MESSAGE_BYTES = 64;

export interface EchoOptions {
  /** Connections echoing at once. */
  readonly connections: number;
  /** Round trips per connection. */
  readonly roundTrips: number;
}

export const ECHO_DEFAULTS: EchoOptions = { connections: 4, roundTrips: 500 };
/** Round trips per connection before the timed ones, discarded: compiling and warming the code. */
const WARMUP_ROUND_TRIPS = 20;

export interface EchoResult {
  readonly lossPct: number;
  readonly latency: LatencySummary;
  /** What the rule counted while the echo ran (setup included). */
  readonly counted: PacketCounts;
}

/** One connection's round trips, each timed from write to the last byte of its echo, µs. */
async function echoLoop(socket: Socket, roundTrips: number, record: (us: number) => void): Promise<void> {
  const payload = Buffer.alloc(MESSAGE_BYTES, 0x61);
  for (let i = 0; i < roundTrips; i++) {
    const started = process.hrtime.bigint();
    await new Promise<void>((resolve, reject) => {
      let got = 0;
      const onData = (chunk: Buffer): void => {
        got += chunk.length;
        if (got < MESSAGE_BYTES) return;
        socket.off('data', onData);
        socket.off('error', reject);
        resolve();
      };
      socket.on('data', onData);
      socket.once('error', reject);
      socket.write(payload);
    });
    record(Number((process.hrtime.bigint() - started) / 1000n));
  }
}

/** The echo itself, in this process: a server on 127.0.0.1 and `connections` clients. */
export async function runEcho(options: EchoOptions): Promise<LatencySummary> {
  const server = createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const histogram = new LatencyHistogram();
  try {
    const sockets = await Promise.all(
      Array.from(
        { length: options.connections },
        () =>
          new Promise<Socket>((resolve, reject) => {
            const socket = createConnection({ host: '127.0.0.1', port, noDelay: true }, () => resolve(socket));
            socket.once('error', reject);
          }),
      ),
    );
    await Promise.all(sockets.map((socket) => echoLoop(socket, WARMUP_ROUND_TRIPS, () => undefined)));
    await Promise.all(sockets.map((socket) => echoLoop(socket, options.roundTrips, (us) => histogram.record(us))));
    for (const socket of sockets) socket.destroy();
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return histogram.summary();
}

/** The echo at one loss, in a namespace of its own; the namespace is deleted whatever happens. */
export async function measureEcho(lossPct: number, options: EchoOptions = ECHO_DEFAULTS): Promise<EchoResult> {
  const network = await LossyNetwork.create(lossPct);
  try {
    const before = await network.counters();
    const [file, ...args] = wrapInNamespace(network.name, [process.execPath, '--import', 'tsx', SELF, '--child', String(options.connections), String(options.roundTrips)]);
    const child = await execa(file as string, args, { env: { ...process.env, NODE_OPTIONS: '' }, timeout: 120_000 });
    const after = await network.counters();
    return { lossPct, latency: JSON.parse(child.stdout) as LatencySummary, counted: { packets: after.packets - before.packets, dropped: after.dropped - before.dropped } };
  } finally {
    await network.close();
  }
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === '--child') {
    const latency = await runEcho({ connections: Number(argv[1]), roundTrips: Number(argv[2]) });
    process.stdout.write(`${JSON.stringify(latency)}\n`);
    return 0;
  }
  const losses = argv.length > 0 ? argv.map(Number) : [0, 5];
  const bad = argv.find((a) => !/^\d+$/.test(a) || Number(a) > 100);
  if (bad !== undefined) {
    console.error(`error: each argument is a loss in percent, an integer from 0 to 100; got ${JSON.stringify(bad)}`);
    return 2;
  }
  const missing = await checkLossySupport();
  if (missing) {
    console.error(`error: ${missing}`);
    return 1;
  }
  const ms = (us: number): string => `${(us / 1000).toFixed(us < 10_000 ? 3 : 1)} ms`;
  for (const loss of losses) {
    const r = await measureEcho(loss);
    const realised = r.counted.packets > 0 ? ((100 * r.counted.dropped) / r.counted.packets).toFixed(1) : '–';
    console.log(
      `${loss}% loss: ${r.latency.count} round trips of ${MESSAGE_BYTES} B on ${ECHO_DEFAULTS.connections} connections: p50 ${ms(r.latency.p50)}, p99 ${ms(r.latency.p99)}, max ${ms(r.latency.max)}; ` +
        `${r.counted.dropped} of ${r.counted.packets} packets dropped (${realised}%)`,
    );
  }
  return 0;
}

if (process.argv[1] === SELF) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
