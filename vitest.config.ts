import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // files share worker processes: each fresh fork re-imported onnxruntime, sharp and msw (58 s → 32 s)
    isolate: false,
    // vitest's default is one worker fewer than the cores, i.e. a single worker on our 2-core machines
    maxWorkers: 2,
    // as npm start and the container run node: decodeImage's collection hint (src/perception/image/pixel-memory.ts)
    execArgv: ['--expose-gc'],
    // the daemon's pino logs would drown the test report
    env: { LOG_LEVEL: 'silent' },
  },
});
