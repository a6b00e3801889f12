import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests wait for events; these bounds only turn a hang into a failure.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // One test file per core: vitest's default leaves one core free (1 worker on a 2-core machine),
    // while most files here spend their time waiting on a server in another process or on the
    // network. On this 2-core machine the unit tier took 6 min 32 s with 1 worker, 4 min 42 s with
    // 2 and 4 min 31 s with 3 (2026-12-07): past 2 it is bound by the CPU its tests use.
    maxWorkers: Math.max(2, availableParallelism()),
  },
});
