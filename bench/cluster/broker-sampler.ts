/**
 * The broker's own figures: Redis `INFO`, read over a plain socket a few times a second during a
 * trial, so that the report can say what the backplane costs per message (its CPU, its memory, the
 * commands it processed) beside the instances' own figures. `INFO` is one inline command and one
 * bulk-string answer, so no client library is needed for it.
 */
import { createConnection } from 'node:net';
import { median } from '../model/aggregate.ts';
import { monotonicUs } from '../../servers/common/self-report.ts';
import type { BrokerFigures } from '../model/results.ts';

/** How often INFO is read. */
export const BROKER_SAMPLE_MS = 250;
/** Longest wait for one INFO answer. */
const INFO_TIMEOUT_MS = 2000;

/** One INFO reading: counters since the Redis process started, and its memory now. */
export interface BrokerSample {
  readonly tUs: number;
  /** `run_id`: changes when Redis restarts, and its counters start again from zero. */
  readonly runId: string;
  /** used_cpu_sys + used_cpu_user, µs. */
  readonly cpuUs: number;
  readonly totalCommands: number;
  readonly usedMemoryBytes: number;
  readonly opsPerSecond: number;
}

/** Parses an INFO answer (`field:value` lines, `# Section` headers) into its fields. */
export function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}

/** The sample an INFO answer gives; throws naming a field that is missing. */
export function sampleOf(fields: Readonly<Record<string, string>>, tUs: number): BrokerSample {
  const num = (name: string): number => {
    const value = Number(fields[name]);
    if (fields[name] === undefined || !Number.isFinite(value)) throw new Error(`Redis INFO has no numeric ${name}`);
    return value;
  };
  return {
    tUs,
    runId: fields.run_id ?? '',
    cpuUs: Math.round((num('used_cpu_sys') + num('used_cpu_user')) * 1e6),
    totalCommands: num('total_commands_processed'),
    usedMemoryBytes: num('used_memory'),
    opsPerSecond: num('instantaneous_ops_per_sec'),
  };
}

/** Reads `INFO` from the Redis at `url` (redis://HOST:PORT) once. */
export function readInfo(url: string): Promise<Record<string, string>> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: hostname, port: Number(port) });
    let buffer = Buffer.alloc(0);
    const fail = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(INFO_TIMEOUT_MS, () => fail(new Error(`Redis at ${url}: no INFO answer within ${INFO_TIMEOUT_MS} ms`)));
    socket.on('error', fail);
    socket.on('connect', () => socket.write('INFO\r\n'));
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const end = buffer.indexOf('\r\n');
      if (end < 0) return;
      const head = buffer.subarray(0, end).toString('latin1');
      if (head.startsWith('-')) return fail(new Error(`Redis at ${url} answered INFO with ${head.slice(1)}`));
      if (!head.startsWith('$')) return fail(new Error(`Redis at ${url}: unexpected INFO answer ${JSON.stringify(head.slice(0, 40))}`));
      const length = Number(head.slice(1));
      if (buffer.length < end + 2 + length) return;
      socket.end();
      resolve(parseInfo(buffer.subarray(end + 2, end + 2 + length).toString('utf8')));
    });
  });
}

/**
 * Sums a counter's growth over consecutive samples: across a restart (a new run_id) the counter
 * starts from zero again, so the new reading is all growth.
 */
function growth(samples: readonly BrokerSample[], value: (s: BrokerSample) => number): number {
  let total = 0;
  for (let i = 1; i < samples.length; i++) {
    const [a, b] = [samples[i - 1] as BrokerSample, samples[i] as BrokerSample];
    total += a.runId === b.runId ? Math.max(0, value(b) - value(a)) : value(b);
  }
  return total;
}

/**
 * The broker's figures over [fromUs, toUs]: the last sample at or before the window's start to the
 * first at or after its end. `null` with fewer than two samples in it.
 */
export function brokerMeasure(samples: readonly BrokerSample[], fromUs: number, toUs: number, messages: number): BrokerFigures | null {
  let first = 0;
  for (let i = 0; i < samples.length; i++) if ((samples[i] as BrokerSample).tUs <= fromUs) first = i;
  let last = samples.length - 1;
  for (let i = samples.length - 1; i >= 0; i--) if ((samples[i] as BrokerSample).tUs >= toUs) last = i;
  const span = samples.slice(first, last + 1);
  if (span.length < 2) return null;
  const cpuUs = growth(span, (s) => s.cpuUs);
  const commands = growth(span, (s) => s.totalCommands);
  const wallUs = (span.at(-1) as BrokerSample).tUs - (span[0] as BrokerSample).tUs;
  const restarts = span.slice(1).filter((s, i) => s.runId !== (span[i] as BrokerSample).runId).length;
  return {
    cpuUs,
    cpuShare: wallUs > 0 ? cpuUs / wallUs : 0,
    commands,
    usedMemoryBytes: median(span.map((s) => s.usedMemoryBytes)),
    opsPerSecond: median(span.map((s) => s.opsPerSecond)),
    cpuUsPerMessage: messages > 0 ? cpuUs / messages : 0,
    commandsPerMessage: messages > 0 ? commands / messages : 0,
    restarts,
    samples: span.length,
  };
}

/**
 * Reads INFO every `BROKER_SAMPLE_MS` until stopped. A reading that fails (Redis down during a
 * restart) is skipped and counted, not fatal.
 */
export class BrokerSampler {
  readonly samples: BrokerSample[] = [];
  unreachable = 0;
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;

  constructor(private readonly url: string) {}

  start(): void {
    const tick = (): void => {
      this.reading = this.read().finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, BROKER_SAMPLE_MS);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** One reading now (also between the periodic ones: the edges of a window). */
  async read(): Promise<void> {
    try {
      const fields = await readInfo(this.url);
      this.samples.push(sampleOf(fields, monotonicUs()));
    } catch {
      this.unreachable++;
    }
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.reading;
  }
}
