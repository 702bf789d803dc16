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
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
      "test/worker/vitest.config.ts",
    ],
  },
});
