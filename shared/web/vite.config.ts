import path from "node:path";
import { defineConfig } from "vite";

/**
 * Three pages from one build: the web client (`index.html`), the operator page (`operator.html`)
 * and the API reference (`api.html`, rendered from the API's `/openapi.json`).
 * Vite reads this file for `vite build shared/web` (it looks in the root it is given) and the
 * local stack names it (`tests/tools/stack/web-server.ts`).
 */
export default defineConfig({
  build: {
    rolldownOptions: {
      input: {
        main: path.join(import.meta.dirname, "index.html"),
        operator: path.join(import.meta.dirname, "operator.html"),
        api: path.join(import.meta.dirname, "api.html"),
      },
    },
  },
});
