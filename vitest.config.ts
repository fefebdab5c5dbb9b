import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests run against the sources, so they need no build first.
    alias: [
      { find: '@cairn/shared', replacement: fileURLToPath(new URL('./packages/shared/src/index.ts', import.meta.url)) },
      // Node resolves `graphql` to its CommonJS build, Vite to its .mjs one: two copies make graphql-js refuse
      // the schema ("from another module or realm"). Pin the one Node (and @graphql-tools) loads.
      { find: /^graphql$/, replacement: 'graphql/index.js' },
    ],
  },
  test: {
    // Conformance suites open real databases (PostgreSQL setup creates a database per file).
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: 'node', include: ['packages/*/src/**/*.test.ts'], exclude: ['packages/web/**'], environment: 'node' },
      },
      // The web UI's component and chart-math tests, in jsdom (its own config).
      'packages/web/vitest.config.ts',
    ],
  },
});
