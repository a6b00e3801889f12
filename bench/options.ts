import type { OptionTable, OptionValues } from '../servers/contract/index.ts';

const SCENARIOS_DEFAULT = "the scenario's";

/** Every option of `npm run bench`, with its default; `--help` prints this table. */
export const BENCH_OPTIONS = {
  scenario: { kind: 'string', default: 'default', doc: 'a named scenario (default, scale, interval, fanout, handshake, soak) or a JSON file' },
  quick: { kind: 'boolean', default: false, doc: 'the quick preset: 2 short rounds, short ceilings and micro-benchmarks (under a minute for the default scenario)' },
  list: { kind: 'boolean', default: false, doc: 'list the named scenarios and exit' },
  transports: { kind: 'list', default: [], doc: 'run only these transports: short-polling, long-polling, websocket, raw-ws; none given runs all the scenario has' },
  rounds: { kind: 'int', default: 0, shownDefault: SCENARIOS_DEFAULT, min: 1, max: 100, doc: 'rounds of every step; the order of transports rotates each round' },
  durationMs: { kind: 'int', default: 0, shownDefault: SCENARIOS_DEFAULT, min: 100, max: 3_600_000, doc: 'measured window of every trial, ms' },
  warmupMs: { kind: 'int', default: 0, shownDefault: SCENARIOS_DEFAULT, min: 0, max: 600_000, doc: 'discarded warm-up before the window, ms' },
  rooms: { kind: 'int', default: 0, shownDefault: SCENARIOS_DEFAULT, min: 1, max: 10_000, doc: 'rooms in the chat' },
  members: { kind: 'int', default: 0, shownDefault: SCENARIOS_DEFAULT, min: 1, max: 10_000, doc: 'members per room (clients = rooms × members)' },
  rate: { kind: 'number', default: 0, shownDefault: SCENARIOS_DEFAULT, min: 0.0001, max: 1000, doc: 'messages per second each member sends' },
  bodyBytes: { kind: 'int', default: 0, shownDefault: SCENARIOS_DEFAULT, min: 1, max: 4096, doc: 'size of each message body, bytes' },
  pollIntervalMs: { kind: 'int', default: 0, shownDefault: SCENARIOS_DEFAULT, min: 10, max: 600_000, doc: 'short polling: ms between two polls of a client' },
  waitMs: { kind: 'int', default: 0, shownDefault: SCENARIOS_DEFAULT, min: 0, max: 3_600_000, doc: 'long polling: the wait each poll asks for, ms' },
  generators: { kind: 'int', default: 0, shownDefault: SCENARIOS_DEFAULT, min: 1, max: 16, doc: 'load-generator processes the clients are spread over' },
  seed: { kind: 'int', default: 1, min: 0, max: 2 ** 31 - 1, doc: 'seed of the random send and poll phases; the same seed repeats a schedule' },
  out: { kind: 'string', default: '', shownDefault: 'results/<time>-<scenario>.json', doc: 'results file to write; latest.json in the same folder is always a copy of the newest' },
  json: { kind: 'boolean', default: false, doc: 'print the results JSON to stdout (progress stays on stderr)' },
  skipCeiling: { kind: 'boolean', default: false, doc: 'skip the autocannon route ceilings' },
  skipMicro: { kind: 'boolean', default: false, doc: 'skip the tinybench hot-path micro-benchmarks' },
  ceilingMs: { kind: 'int', default: 2000, min: 100, max: 600_000, doc: 'autocannon: measured time per route and round, ms (after a 1 s warm-up in the first round)' },
  ceilingRounds: { kind: 'int', default: 3, min: 1, max: 100, doc: 'autocannon: rounds over every route, in rotated order; the median is kept' },
  ceilingConnections: { kind: 'int', default: 100, min: 1, max: 5000, doc: 'autocannon: concurrent connections' },
  microMs: { kind: 'int', default: 300, min: 10, max: 60_000, doc: 'tinybench: time per hot path, ms' },
  pin: { kind: 'boolean', default: false, doc: 'pin the server to CPU 0 and the generators to CPU 1 (taskset)' },
} as const satisfies OptionTable;

export type BenchOptions = OptionValues<typeof BENCH_OPTIONS>;

/** What `--quick` sets, before any option given explicitly. */
export const QUICK_PRESET = { rounds: 2, durationMs: 2500, warmupMs: 500, ceilingMs: 700, ceilingRounds: 2, microMs: 50 } as const;
/** The warm-up autocannon runs before each measured ceiling (shorter with --quick). */
export const CEILING_WARMUP_MS = { normal: 1000, quick: 300 } as const;
