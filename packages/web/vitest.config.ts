import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

export default defineProject({
  plugins: [react()],
  resolve: { alias: { '@cairn/shared': fileURLToPath(new URL('../shared/src/index.ts', import.meta.url)) } },
  test: {
    name: 'web',
    include: ['src/**/*.test.{ts,tsx}'],
    environment: 'jsdom',
    setupFiles: ['src/test-setup.ts'],
    // A limit, not a timing assertion: the first jsdom render warms up slowly when the whole suite runs at once.
    testTimeout: 20_000,
  },
});
