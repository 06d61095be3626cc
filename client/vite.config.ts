// Vite builds the client into the Python package, where the wheel picks it up.
import { defineConfig } from "vite";

export default defineConfig({
  // Relative asset URLs: the server writes a <base> at the client's root, so the same
  // build works at "/" (the reference server) and under a host's prefix.
  base: "./",
  build: {
    outDir: "../src/taskflow/adapters/web/client_dist",
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    // One module preload polyfill less: every browser the client supports has it.
    modulePreload: { polyfill: false },
  },
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
});
