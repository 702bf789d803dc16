// Running the wrangler CLI from Node-side tests without it reaching any outside host.
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The project's wrangler, run with the current Node (no npx, no network look-up). */
export const WRANGLER_CLI = "node_modules/wrangler/bin/wrangler.js";

/** No metrics, no `Request.cf` download, no banner (whose update check asks the npm registry). */
export const OFFLINE_WRANGLER_ENV = {
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
  CI: "true",
};
