import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("..", import.meta.url));

// Two projects: Node-side tests (training, preprocessing, scripts) and tests that run inside workerd.
export default defineConfig({
  root,
  test: {
    projects: [
      {
        test: {
          name: "node",
          root,
          include: ["test/*.test.ts"],
          // The load-test smoke run is not part of `npm test`: against wrangler dev it fails intermittently
          // (connection errors when a body is refused before it is fully sent, inspector timeouts) while every
          // answer is right. Run it with `npm run test:load`; `npm run load-test` is the full benchmark.
          exclude: process.env.LOAD_TEST_SMOKE ? [] : ["test/load-test.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
      "test/worker/vitest.config.ts",
    ],
  },
});
