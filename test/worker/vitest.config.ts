// Tests that run inside workerd (the real Workers runtime) through @cloudflare/vitest-pool-workers.
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { heapLimitEnv } from "../helpers/wrangler.ts";

// Nothing here may reach an outside host: no wrangler metrics, no download of the `Request.cf` object.
process.env.WRANGLER_SEND_METRICS = "false";
process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";
process.env.WRANGLER_HIDE_BANNER = "true";
// Every workerd test runs with V8's heap capped at Workers' 128 MB per isolate: a request (or fuzz input) that
// needed more would abort workerd and fail the run. (The runner, the tests and the worker share the isolate.)
process.env.MINIFLARE_WORKERD_V8_FLAGS ??= heapLimitEnv().MINIFLARE_WORKERD_V8_FLAGS;

const root = fileURLToPath(new URL("../..", import.meta.url));

export default defineConfig({
  root,
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      remoteBindings: false,
      miniflare: { cf: false },
    }),
  ],
  test: {
    name: "worker",
    root,
    include: ["test/worker/**/*.test.ts"],
    globalSetup: ["test/worker/global-setup.ts", "test/worker/global-setup-hardening.ts"],
    testTimeout: 60_000,
    // The pool ships a .wasm import to workerd as a JSON number array: ~15 s for ORT's 14 MB binary. Sharing one
    // module graph across test files pays that once; every test builds its own state (apps, session caches).
    isolate: false,
    hookTimeout: 120_000,
  },
});
