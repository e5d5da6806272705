import path from "node:path";
import { defineConfig } from "vite";

/**
 * Two pages from one build: the web client (`index.html`) and the operator page (`operator.html`).
 * Vite reads this file for `vite build shared/web` (it looks in the root it is given) and the
 * local stack names it (`tests/tools/stack/web-server.ts`).
 */
export default defineConfig({
  build: {
    rolldownOptions: {
      input: {
        main: path.join(import.meta.dirname, "index.html"),
        operator: path.join(import.meta.dirname, "operator.html"),
      },
    },
  },
});
