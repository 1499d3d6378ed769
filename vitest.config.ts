import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    hookTimeout: 60_000,
    testTimeout: 30_000,
    // 2 cores: the emulators, the servers under test and the workers share them.
    maxWorkers: 2,
    env: { METADATA_SERVER_DETECTION: 'none', LOG_LEVEL: 'silent' },
  },
});
