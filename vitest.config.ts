import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    isolate: false,
    // the daemon's pino logs would drown the test report
    env: { LOG_LEVEL: 'silent' },
  },
});
