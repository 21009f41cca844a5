// The web pages qadam-server serves, built into dist-dashboard/: the public
// map and place pages at `/` (dashboard/index.html → site/) and the
// coordinator dashboard at `/coordinator/` (dashboard/coordinator/). Two
// entries, so the public pages load none of the dashboard's code.
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { resolve } from 'node:path';

export default defineConfig({
  root: 'dashboard',
  plugins: [svelte()],
  base: '/',
  clearScreen: false,
  build: {
    outDir: '../dist-dashboard',
    emptyOutDir: true,
    target: 'es2020',
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      input: {
        site: resolve(import.meta.dirname, 'dashboard/index.html'),
        coordinator: resolve(import.meta.dirname, 'dashboard/coordinator/index.html'),
      },
      // The maps' libraries in a chunk of their own, loaded only by a page
      // that shows a map (a public place's page does not).
      output: {
        manualChunks: (id: string) => (/node_modules\/(leaflet|protomaps-leaflet|pmtiles|supercluster)\//.test(id) ? 'maps' : undefined),
      },
    },
  },
});
