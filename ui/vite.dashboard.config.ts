// The coordinator dashboard, built into dist-dashboard/ and served by qadam-server at `/`.
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

export default defineConfig({
  root: 'dashboard',
  plugins: [svelte()],
  base: '/',
  clearScreen: false,
  build: { outDir: '../dist-dashboard', emptyOutDir: true, target: 'es2020', chunkSizeWarningLimit: 1500 },
});
