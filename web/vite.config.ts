// Vite build of the web app: root web/, output web/dist (served by the Koa server), and a dev
// server that proxies the API, tiles and the live stream to a local Misto on port 8080.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const root = fileURLToPath(new URL('.', import.meta.url));
const backend = process.env.MISTO_DEV_BACKEND ?? 'http://localhost:8080';

export default defineConfig({
  root,
  publicDir: 'public',
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: Object.fromEntries(['/api', '/open311', '/tiles', '/style.json', '/health'].map((p) => [p, { target: backend, changeOrigin: false }])),
  },
});
