import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// `npm run dev -w @cairn/web` proxies the API to a running Cairn (CAIRN_DEV_SERVER, default localhost:8080).
const target = process.env.CAIRN_DEV_SERVER ?? 'http://localhost:8080';

export default defineConfig({
  plugins: [react()],
  // The shared package's sources, so the UI never needs its build output (and gets only what it imports).
  resolve: { alias: { '@cairn/shared': fileURLToPath(new URL('../shared/src/index.ts', import.meta.url)) } },
  build: { outDir: 'dist', emptyOutDir: true, assetsDir: 'assets', sourcemap: true },
  server: { proxy: { '/api': target, '/graphql': target } },
});
