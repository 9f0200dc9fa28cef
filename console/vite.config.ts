import { defineConfig } from 'vite';

// The broker serves dist/index.html for every console route and dist/assets/* under /assets/,
// so the base must be absolute. In development Vite proxies the API and /metrics to a running
// broker's HTTP listener (FJORD_HTTP, default http://127.0.0.1:8080).
const target = process.env.FJORD_HTTP ?? 'http://127.0.0.1:8080';

export default defineConfig({
    base: '/',
    oxc: {
        jsx: { runtime: 'automatic', importSource: 'preact' },
    },
    build: {
        outDir: 'dist',
        assetsDir: 'assets',
        emptyOutDir: true,
        sourcemap: false,
        chunkSizeWarningLimit: 400,
    },
    server: {
        proxy: {
            '/api': { target, changeOrigin: true },
            '/metrics': { target, changeOrigin: true },
            '/healthz': { target, changeOrigin: true },
            '/readyz': { target, changeOrigin: true },
        },
    },
});
