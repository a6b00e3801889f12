import { Bench, type Task } from 'tinybench';
import { SERVER_OPTIONS, checkPost, newEpoch, parseClientFrame, type MessagesFrame, type PostRequest, type SendFrame } from '../../servers/contract/index.ts';
import { checkOption, type IntOptionSpec } from '../../servers/common/command-line/index.ts';
import { Room, RoomLog, messageCost } from '../../servers/common/room-log.ts';
import { messagesEvent } from '../../servers/sse/events.ts';
import { shortPollingApp } from '../../servers/short-polling/server.ts';
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
  /** Called once every task is warmed up, as the first is measured (tinybench warms them all up first). */
  readonly onMeasuring?: () => void;
}

/** The tasks, in run order; their names are the keys of `MicroResult.name`. */
export const MICRO_TASKS = [
  'encode messages frame',
  'encode SSE event',
  'decode send frame',
  'decode post body',
  'room-log append',
  'room-log append of a retry',
  'room-log append past the stored-bytes budget',
  'room-log read 100 after cursor',
  'cursor resolve',
  'short-poll GET route (empty poll, injected)',
  'short-poll POST route (injected)',
] as const;

/** One of `MICRO_TASKS`. */
export type MicroTaskName = (typeof MICRO_TASKS)[number];

/**
 * Calls per timed sample, so that a sample lasts microseconds rather than nanoseconds: a call of
 * 50 ns is mostly the timer's own cost (a lone loop of 10 ns timed once a call read 2.2 ns once the
 * timer's cost was subtracted, and 10.7 ns timed once a hundred calls), and tinybench's statistics
 * over millions of samples took 2.1 s of a 0.2 s task (0.26 s at a hundred calls a sample; on this
 * machine, 2026-12-08). The routes' calls take tens of microseconds: one a sample.
 */
export const MICRO_BATCH: Readonly<Record<MicroTaskName, number>> = {
  'encode messages frame': 10,
  'encode SSE event': 50,
  'decode send frame': 10,
  'decode post body': 10,
  'room-log append': 5,
  'room-log append of a retry': 50,
  'room-log append past the stored-bytes budget': 3,
  'room-log read 100 after cursor': 10,
  'cursor resolve': 100,
  'short-poll GET route (empty poll, injected)': 1,
  'short-poll POST route (injected)': 1,
};

/** `task` called `batch` times a sample (synchronous tasks only: the routes' are one a sample). */
function batched(task: () => unknown, batch: number): () => unknown {
  if (batch === 1) return task;
  return () => {
    let last: unknown;
    for (let i = 0; i < batch; i++) last = task();
    return last;
  };
}

const MICRO_OPTIONS = {
  // The ranges and defaults of `npm run bench` (bench/run/options.ts), checked here too.
  timeMs: BENCH_OPTIONS.microMs,
  warmupMs: HARNESS_OPTIONS.microWarmupMs,
} as const satisfies Readonly<Record<Exclude<keyof MicroOptions, 'onMeasuring'>, IntOptionSpec>>;

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

/** Rooms the budgeted log spreads its appends over. */
const BUDGET_ROOMS = 10;

/**
 * The short-polling server's routes, every hook of the request path included (the host and
 * origin checks, the token's, the bound on what a connection may hold, the answer's accounting),
 * without a socket: light-my-request's stands in for it, so the HTTP parser and the kernel are the
 * route ceilings' to measure (autocannon), not these.
 */
async function shortPollRoutes(body: string): Promise<{ get: () => Promise<unknown>; post: () => Promise<unknown>; close: () => Promise<void> }> {
  const { app } = shortPollingApp('short-polling');
  await app.ready();
  const headers = { host: 'localhost' };
  const head = await app.inject({ method: 'GET', url: `/rooms/${ROOM}/messages`, headers });
  const { cursor } = head.json<{ cursor: string }>();
  let n = 0;
  const check = (status: number) => (answer: { statusCode: number }) => {
    if (answer.statusCode !== status) throw new Error(`the short-polling route answered ${answer.statusCode}, not ${status}`);
  };
  return {
    get: () => app.inject({ method: 'GET', url: `/rooms/${ROOM}/messages?cursor=${encodeURIComponent(cursor)}`, headers }).then(check(200)),
    // Into a room of its own: tinybench warms every task up before it measures any, and posts into
    // the polled room would turn its empty poll into a page of messages.
    post: () => app.inject({ method: 'POST', url: `/rooms/${ROOM}-posts/messages`, headers: { ...headers, 'content-type': 'application/json' }, payload: JSON.stringify({ id: `p-${++n}`, from: FROM, body }) }).then(check(201)),
    close: () => app.close(),
  };
}

/** Builds the inputs once, outside the timed calls, and returns one function per task and what to close after. */
async function buildTasks(): Promise<{ tasks: Record<MicroTaskName, () => unknown>; close: () => Promise<void> }> {
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
  const storedText = JSON.stringify(stored);

  // A log whose stored-bytes budget holds half of its rooms' histories: every append drops the
  // oldest message over all rooms and counts both.
  const budgeted = new RoomLog({ historySize: HISTORY_SIZE, maxStoredBytes: (BUDGET_ROOMS * HISTORY_SIZE * messageCost(posts[0] as PostRequest)) / 2 });
  for (let i = 0; i < BUDGET_ROOMS * HISTORY_SIZE; i++) budgeted.append(`room-${i % BUDGET_ROOMS}`, posts[i % posts.length] as PostRequest);
  let budgetedNext = 0;
  const routes = await shortPollRoutes(body);

  const tasks: Record<MicroTaskName, () => unknown> = {
    'encode messages frame': () => JSON.stringify(frame),
    'encode SSE event': () => messagesEvent(ROOM, [storedText], frame.cursor),
    'decode send frame': () => parseClientFrame(sendText, MAX_BODY_BYTES),
    'decode post body': () => checkPost(JSON.parse(postText), MAX_BODY_BYTES),
    'room-log append': () => {
      const post = posts[next % posts.length] as PostRequest;
      next++;
      return appendRoom.append(post, next);
    },
    'room-log append of a retry': () => {
      // The newest message sent again: found by its sender and id, answered with the original.
      const last = appendRoom.at(appendRoom.head) as PostRequest;
      const result = appendRoom.append({ id: last.id, from: last.from, body: last.body }, 0);
      if (result.stored) throw new Error('a retry was stored again');
      return result;
    },
    'room-log append past the stored-bytes budget': () => {
      const i = budgetedNext++;
      return budgeted.append(`room-${i % BUDGET_ROOMS}`, { id: `b-${i}`, from: FROM, body });
    },
    'room-log read 100 after cursor': () => readRoom.after(readAfter, READ_LIMIT),
    'cursor resolve': () => readRoom.resolve(cursor),
    'short-poll GET route (empty poll, injected)': routes.get,
    'short-poll POST route (injected)': routes.post,
  };
  return { tasks, close: routes.close };
}

const NS_PER_MS = 1e6;

function toMicroResult(task: Task, batch: number): MicroResult {
  const result = task.result;
  if (result.state !== 'completed') {
    const why = result.state === 'errored' ? `: ${result.error.message}` : '';
    throw new Error(`micro benchmark "${task.name}" ended ${result.state}${why}`);
  }
  // A sample times `batch` calls: each figure per call.
  return {
    name: task.name,
    opsPerSecond: result.throughput.mean * batch,
    meanNs: (result.latency.mean * NS_PER_MS) / batch,
    p99Ns: (result.latency.p99 * NS_PER_MS) / batch,
    rme: result.latency.rme,
    samples: result.latency.samplesCount,
    ...(batch > 1 ? { batch } : {}),
  };
}

/**
 * Runs every hot-path task one after the other and returns one result per task, in
 * `MICRO_TASKS` order. Times come from `process.hrtime` with the timer's own cost subtracted, over
 * `MICRO_BATCH` calls a sample, as most of these calls take well under a microsecond. Throws when
 * a task throws.
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
  const { tasks, close } = await buildTasks();
  try {
    for (const name of MICRO_TASKS) bench.add(name, batched(tasks[name], MICRO_BATCH[name]));
    const { onMeasuring } = options;
    if (onMeasuring) bench.addEventListener('start', () => onMeasuring(), { once: true });
    await bench.run();
  } finally {
    await close();
  }
  return bench.tasks.map((task) => toMicroResult(task, MICRO_BATCH[task.name as MicroTaskName]));
}
