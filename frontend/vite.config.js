// Builds the web app into the Python package (src/distillr/server/static), where it ships in
// the wheel. Rebuild with `make frontend`; tests/web/test_build.py checks it matches frontend/.
import { defineConfig } from "vite";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// Swagger UI for the API docs at /docs, served from the package (no CDN: works offline).
// Copied as-is under static/swagger-ui/ (fixed names: the server sends them with no-cache).
function swaggerUi() {
  const dist = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  const files = ["swagger-ui-bundle.js", "swagger-ui.css", "LICENSE", "NOTICE"];
  return {
    name: "distillr-swagger-ui",
    apply: "build",
    generateBundle() {
      for (const file of files) {
        let source = readFileSync(join(dist, file), "utf8");
        // the source maps are not shipped: drop the comments that would ask for them
        source = source.replace(/\n?\/\*# sourceMappingURL=.*?\*\/\s*$/, "\n");
        this.emitFile({ type: "asset", fileName: `swagger-ui/${file}`, source });
      }
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  plugins: [swaggerUi()],
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
