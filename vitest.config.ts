import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests wait for events; these bounds only turn a hang into a failure.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
