import { Bench, type Task } from 'tinybench';
import { SERVER_OPTIONS, checkPost, newEpoch, parseClientFrame, type MessagesFrame, type PostRequest, type SendFrame } from '../../servers/contract/index.ts';
import { checkOption, type IntOptionSpec } from '../../servers/common/command-line/index.ts';
import { Room } from '../../servers/common/room-log.ts';
import { BENCH_OPTIONS, HARNESS_OPTIONS } from '../run/options.ts';
import type { MicroResult } from '../model/results.ts';

/**
 * The per-message hot paths (bench/METHOD.md, "Baselines and anchors"), measured with tinybench so that
 * a regression there shows before a full run. Every task is one call of one hot path, on the
 * server's default limits, with a 256-byte message body.
 */

export interface MicroOptions {
  /** Time budget per task, in ms (tinybench also runs at least 64 iterations). Default 300 (`--micro-ms`). */
  readonly timeMs?: number;
  /** Warm-up per task before it is measured, in ms; its samples are discarded. Default 100. */
  readonly warmupMs?: number;
}

/** The tasks, in run order; their names are the keys of `MicroResult.name`. */
export const MICRO_TASKS = [
  'encode messages frame',
  'decode send frame',
  'decode post body',
  'room-log append',
  'room-log read 100 after cursor',
  'cursor resolve',
] as const;

/** One of `MICRO_TASKS`. */
export type MicroTaskName = (typeof MICRO_TASKS)[number];

const MICRO_OPTIONS = {
  // The ranges and defaults of `npm run bench` (bench/run/options.ts), checked here too.
  timeMs: BENCH_OPTIONS.microMs,
  warmupMs: HARNESS_OPTIONS.microWarmupMs,
} as const satisfies Readonly<Record<keyof MicroOptions, IntOptionSpec>>;

/** Message body size of every task, in bytes (ASCII, so characters and bytes agree). */
const BODY_BYTES = 256;
/** Messages read per `Room.after`, the servers' default page size. */
const READ_LIMIT = SERVER_OPTIONS.pageSize.default;
const HISTORY_SIZE = SERVER_OPTIONS.historySize.default;
const MAX_BODY_BYTES = SERVER_OPTIONS.maxBodyBytes.default;
const ROOM = 'lobby';
const FROM = 'user-0042';

/** A room of `HISTORY_SIZE` messages: full, so that the next append evicts the oldest. */
function fullRoom(epoch: string, posts: readonly PostRequest[]): Room {
  const room = new Room(ROOM, epoch, HISTORY_SIZE);
  for (let i = 0; i < HISTORY_SIZE; i++) room.append(posts[i % posts.length] as PostRequest, i);
  return room;
}

/** Builds the inputs once, outside the timed calls, and returns one function per task. */
function buildTasks(): Record<MicroTaskName, () => unknown> {
  const body = 'x'.repeat(BODY_BYTES);
  const epoch = newEpoch();
  // Twice the history, so that an id comes round again only after its message was evicted:
  // every timed append stores a new message instead of answering a retry.
  const posts: PostRequest[] = Array.from({ length: 2 * HISTORY_SIZE }, (_, i) => ({ id: `m-${i}`, from: FROM, body }));

  const appendRoom = fullRoom(epoch, posts);
  let next = HISTORY_SIZE;
  const readRoom = fullRoom(epoch, posts);
  const readAfter = readRoom.head - READ_LIMIT;
  const cursor = readRoom.cursorAt(readAfter);

  const stored = readRoom.at(readRoom.head);
  if (!stored) throw new Error('the full room has no head message');
  const frame: MessagesFrame = { type: 'messages', room: ROOM, messages: [stored], cursor: readRoom.cursorAt(stored.seq) };
  const send: SendFrame = { type: 'send', room: ROOM, id: 'm-1', from: FROM, body };
  const sendText = JSON.stringify(send);
  const postText = JSON.stringify({ id: 'm-1', from: FROM, body } satisfies PostRequest);

  return {
    'encode messages frame': () => JSON.stringify(frame),
    'decode send frame': () => parseClientFrame(sendText, MAX_BODY_BYTES),
    'decode post body': () => checkPost(JSON.parse(postText), MAX_BODY_BYTES),
    'room-log append': () => {
      const post = posts[next % posts.length] as PostRequest;
      next++;
      return appendRoom.append(post, next);
    },
    'room-log read 100 after cursor': () => readRoom.after(readAfter, READ_LIMIT),
    'cursor resolve': () => readRoom.resolve(cursor),
  };
}

const NS_PER_MS = 1e6;

function toMicroResult(task: Task): MicroResult {
  const result = task.result;
  if (result.state !== 'completed') {
    const why = result.state === 'errored' ? `: ${result.error.message}` : '';
    throw new Error(`micro benchmark "${task.name}" ended ${result.state}${why}`);
  }
  return {
    name: task.name,
    opsPerSecond: result.throughput.mean,
    meanNs: result.latency.mean * NS_PER_MS,
    p99Ns: result.latency.p99 * NS_PER_MS,
    rme: result.latency.rme,
    samples: result.latency.samplesCount,
  };
}

/**
 * Runs every hot-path task one after the other and returns one result per task, in
 * `MICRO_TASKS` order. Times come from `process.hrtime` with the timer's own cost subtracted, as
 * most of these calls take well under a microsecond. Throws when a task throws.
 */
export async function runMicro(options: MicroOptions = {}): Promise<MicroResult[]> {
  const timeMs = options.timeMs ?? MICRO_OPTIONS.timeMs.default;
  const warmupMs = options.warmupMs ?? MICRO_OPTIONS.warmupMs.default;
  checkOption('timeMs', MICRO_OPTIONS.timeMs, timeMs);
  checkOption('warmupMs', MICRO_OPTIONS.warmupMs, warmupMs);

  const bench = new Bench({
    time: timeMs,
    warmup: warmupMs > 0,
    warmupTime: warmupMs,
    timestampProvider: 'hrtimeNow',
    subtractTimerOverhead: true,
    throws: true,
  });
  const tasks = buildTasks();
  for (const name of MICRO_TASKS) bench.add(name, tasks[name]);
  await bench.run();
  return bench.tasks.map(toMicroResult);
}
