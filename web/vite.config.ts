import { defineConfig } from "vite";
import preact from "@preact/preset-vite";

// Built into dist/ by deploy/local/bin/install; the gateway serves dist/index.html for every
// page of pages.json and dist/assets/ (hashed names) with a long cache. Nothing from a CDN.
export default defineConfig({
  plugins: [preact()],
  build: {
    outDir: "dist",
    assetsDir: "assets",
    target: "es2020",
    sourcemap: false,
    // No inline script or style: the gateway's Content-Security-Policy allows only 'self'.
    assetsInlineLimit: 0,
  },
});
