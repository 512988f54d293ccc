import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The console is built into web/dist and served by the Tenantry server at `/`. `npx vite --config
// web/vite.config.ts` serves it in development, with the API of a server on :8080 (or TENANTRY_URL)
// behind it.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Vite's own esbuild compiles the JSX (React 17+ runtime); no React plugin needed.
  esbuild: { jsx: 'automatic' },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, target: 'es2022' },
  server: {
    // The Host header stays the dev server's, so the API takes the browser's Origin for its own (CSRF).
    proxy: { '/v1': { target: process.env.TENANTRY_URL ?? 'http://127.0.0.1:8080', changeOrigin: false } },
  },
});
