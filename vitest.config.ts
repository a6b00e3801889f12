import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Files that mock modules, count the process's listeners or warnings, or hold process-wide state
 * (an abort listener count, werift's globals): each runs in a fresh process of its own.
 */
const ALONE = [
  'test/bench/bench-pure.test.ts',
  'test/bench/lossy.test.ts',
  'test/servers/hardening-conn-self-report.test.ts',
  'test/servers/issue-23-slot-leak.test.ts',
  'test/servers/issue-23-webrtc-offers.test.ts',
  'test/servers/webrtc-lossy.test.ts',
];

export default defineConfig({
  test: {
    // Tests wait for events; these bounds only turn a hang into a failure.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // One test file per core: vitest's default leaves one core free (1 worker on a 2-core machine),
    // while most files here spend their time waiting on a server in another process or on the
    // network. On this 2-core machine the unit tier took 6 min 32 s with 1 worker, 4 min 42 s with
    // 2 and 4 min 31 s with 3 (2026-12-07): past 2 it is bound by the CPU its tests use.
    maxWorkers: Math.max(2, availableParallelism()),
    // The conformance helpers' cleanup, registered in every file (see the file).
    setupFiles: ['servers/contract/conformance/setup.ts'],
    // `npm test` runs unit, alone and e2e; `npm run test:e2e` runs e2e-long.
    projects: [
      // The unit files share their worker's modules (isolate: false): a fresh process per file loaded
      // vitest, tsx's transforms and the servers' packages again each time. `npm test` took 470 s of
      // CPU (263 s) that way and 309 s (178 s) shared, on this 2-core machine (2026-12-07).
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...ALONE, 'test/e2e/**'], isolate: false } },
      { extends: true, test: { name: 'alone', include: ALONE } },
      // A tiny real benchmark and the bench command; over TLS and HTTP/2. Each file in its own process:
      // they count the harness's children.
      { extends: true, test: { name: 'e2e', include: ['test/e2e/*.test.ts'] } },
      { extends: true, test: { name: 'e2e-long', include: ['test/e2e/long/**/*.test.ts'] } },
    ],
  },
});
