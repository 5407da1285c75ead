// Builds the web app into the Python package (src/distillr/server/static), where it ships in
// the wheel. Rebuild with `make frontend`; tests/web/test_build.py checks it matches frontend/.
import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  build: {
    outDir: fileURLToPath(new URL("../src/distillr/server/static", import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 2500,
    rollupOptions: {
      output: {
        manualChunks: {
          editor: ["codemirror", "@codemirror/lang-sql"],
          grid: ["tabulator-tables"],
          arrow: ["apache-arrow"],
          chart: ["chart.js"],
        },
      },
    },
  },
  server: { proxy: { "/api": "http://127.0.0.1:8000" } },
});
