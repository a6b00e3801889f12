/**
 * `npm run bench:send-clocks`: what it costs the load generator to send on time, for the ways its
 * open-loop schedule can wait for a send (bench/METHOD.md, "Open loop"): Node's `setTimeout`
 * (whole ms), polling the loop with `setImmediate` for the last 1.5 ms (the generator's method
 * before), and the worker-thread alarm of `alarm.ts` with and without polling its last 300 µs.
 * Each runs one schedule of N senders sending once a second for a few seconds, in this process
 * with nothing else to do, and reports the process's CPU time (user + system) per send and how
 * late sends left (p50, p99). Each method runs in its own child process, in rotated order per
 * round, so that they do not share a warm loop; run it under the bench lock.
 *
 *   npm run bench:send-clocks -- [--rates 20,100,1000] [--seconds 5] [--rounds 2]
 */
import { execaNode } from 'execa';
import { parseArgs } from 'node:util';
import { PreciseClock } from '../generator/alarm.ts';
import { LatencyHistogram } from '../model/histogram.ts';
import { OpenLoopScheduler, realClock, type Clock, type Timer } from '../generator/schedule.ts';

const METHODS = ['setTimeout', 'poll 1.5 ms', 'alarm', 'alarm + poll 300 µs'] as const;
type Method = (typeof METHODS)[number];

/** `setTimeout` to 1.5 ms before each send, then `setImmediate` until it is due: the generator's method up to 2026-11-27. */
function pollingClock(pollUs: number): Clock {
  return {
    now: realClock.now,
    setTimer(fn, delayMs): Timer {
      const dueUs = realClock.now() + delayMs * 1000;
      let timer: Timer | undefined;
      const poll = (): void => {
        timer = realClock.now() >= dueUs ? (fn(), undefined) : realClock.setTimer(poll, 0);
      };
      timer = realClock.setTimer(poll, Math.max(0, Math.floor((delayMs * 1000 - pollUs) / 1000)));
      return { cancel: () => timer?.cancel() };
    },
  };
}

interface Outcome {
  readonly cpuUsPerSend: number;
  readonly lagP50Us: number;
  readonly lagP99Us: number;
}

/** One method at one rate, in this process: the figures over the schedule after its first second. */
async function measure(method: Method, rate: number, seconds: number): Promise<Outcome> {
  const precise = method.startsWith('alarm') ? new PreciseClock(method === 'alarm' ? 0 : 300) : undefined;
  const clock = precise ?? (method === 'setTimeout' ? realClock : pollingClock(1500));
  const lags = new LatencyHistogram();
  const startUs = clock.now() + 100_000;
  let cpuFrom = process.cpuUsage();
  // The first second warms the code and the thread; it is not counted.
  let counting = false;
  setTimeout(() => {
    cpuFrom = process.cpuUsage();
    counting = true;
  }, 1100);
  const scheduler = new OpenLoopScheduler({
    clock,
    senders: Array.from({ length: rate }, (_, i) => ({ intervalUs: 1e6, phaseUs: (i * 1e6) / rate + 0.5 })),
    startUs,
    endUs: startUs + (seconds + 1) * 1e6,
    // The histogram counts from 1 µs: a send on time counts as 1 µs late.
    onSend: (_sender, _k, meantUs, nowUs) => counting && lags.record(nowUs - meantUs),
  });
  scheduler.start();
  await scheduler.whenDone();
  const cpu = process.cpuUsage(cpuFrom);
  await precise?.close();
  const { p50, p99 } = lags.summary();
  return { cpuUsPerSend: (cpu.user + cpu.system) / lags.count, lagP50Us: p50, lagP99Us: p99 };
}

function fail(message: string): never {
  process.stderr.write(`bench:send-clocks: ${message}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  if (process.env.SEND_CLOCKS_CHILD) {
    const [method, rate, seconds] = JSON.parse(process.env.SEND_CLOCKS_CHILD) as [Method, number, number];
    process.stdout.write(JSON.stringify(await measure(method, rate, seconds)));
    return;
  }
  const { values } = parseArgs({ options: { rates: { type: 'string', default: '20,100,1000' }, seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '2' } } });
  const rates = values.rates.split(',').map(Number);
  if (rates.some((r) => !Number.isInteger(r) || r < 1 || r > 20_000)) fail(`--rates must be integers from 1 to 20000, got ${values.rates}`);
  const seconds = Number(values.seconds);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 600) fail(`--seconds must be an integer from 1 to 600, got ${values.seconds}`);
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) fail(`--rounds must be an integer from 1 to 20, got ${values.rounds}`);
  const results = new Map<string, Outcome[]>();
  const total = rates.length * rounds * METHODS.length;
  let done = 0;
  for (const rate of rates) {
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < METHODS.length; i++) {
        const method = METHODS[(i + round) % METHODS.length] as Method;
        process.stderr.write(`[${++done}/${total}] ${rate} sends/s, ${method}, round ${round + 1}\n`);
        const child = await execaNode(import.meta.filename, [], { nodeOptions: ['--import', 'tsx'], env: { SEND_CLOCKS_CHILD: JSON.stringify([method, rate, seconds]), NODE_OPTIONS: '' } });
        const key = `${rate}|${method}`;
        results.set(key, [...(results.get(key) ?? []), JSON.parse(child.stdout) as Outcome]);
      }
    }
  }
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? Number.NaN;
  process.stdout.write(`sends/s | method | CPU µs per send | late p50 µs | late p99 µs (median over ${rounds} rounds)\n`);
  for (const rate of rates) {
    for (const method of METHODS) {
      const runs = results.get(`${rate}|${method}`) ?? [];
      const fig = (k: keyof Outcome): string => median(runs.map((r) => r[k])).toFixed(0);
      process.stdout.write(`${rate} | ${method} | ${fig('cpuUsPerSend')} | ${fig('lagP50Us')} | ${fig('lagP99Us')}\n`);
    }
  }
}

await main();
