import { defineConfig } from 'vitest/config';

/** The UI end-to-end suite: real `cairn serve`, real wandb SDK, real headless Chromium. Run by scripts/test.sh. */
export default defineConfig({
  test: {
    root: new URL('.', import.meta.url).pathname,
    include: ['**/*.test.ts'],
    environment: 'node',
    // One server and one browser for the file; tests run in order.
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 300_000,
  },
});
