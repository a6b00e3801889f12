/**
 * The emulated path, measured rather than assumed: the time a TCP connect takes from the clients'
 * side to the server's (SYN out, SYN-ACK back: one round trip plus the two kernels' work). Each
 * generator probes the server it loads before its clients connect, and the trial reports the
 * figures beside the RTT asked.
 * path-probe-cli.ts runs the same from a shell, in a namespace of its own.
 */
import { createConnection } from 'node:net';

/** Longest wait for one connect: past a 1 s SYN retransmission and a 2 s one, as a lost SYN costs. */
const CONNECT_TIMEOUT_MS = 10_000;

/** Connects `count` times to host:port, one after another, closing each at once; each time in µs. */
export async function connectTimes(host: string, port: number, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    out.push(
      await new Promise<number>((resolve, reject) => {
        const started = process.hrtime.bigint();
        const socket = createConnection({ host, port });
        socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy(new Error(`connecting to ${host}:${port} took more than ${CONNECT_TIMEOUT_MS} ms`)));
        socket.once('connect', () => {
          resolve(Number((process.hrtime.bigint() - started) / 1000n));
          socket.destroy();
        });
        socket.once('error', reject);
      }),
    );
  }
  return out;
}

/** The median of the times, and their range, µs. */
export function pathSummary(times: readonly number[]): { readonly samples: number; readonly median: number; readonly min: number; readonly max: number } {
  if (times.length === 0) throw new RangeError('no path probe was made');
  const sorted = [...times].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { samples: sorted.length, median, min: sorted[0] as number, max: sorted.at(-1) as number };
}
