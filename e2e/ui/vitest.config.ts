import { defineConfig } from 'vitest/config';

/** The UI end-to-end suite: real `cairn serve`, real wandb SDK, real headless Chromium. Run by scripts/test.sh. */
export default defineConfig({
  test: {
    root: new URL('.', import.meta.url).pathname,
    include: ['**/*.test.ts'],
    environment: 'node',
    // Each file has its own server and browser and its tests run in order; two files run side by side (most of
    // their time is the SDK populating and the browser waiting).
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 90_000,
    hookTimeout: 300_000,
  },
});
