// The draw-a-digit page: the files of worker/public (wrangler [assets]), served through the app so that they get
// the same middleware (security headers) as the API and anything else keeps the API's JSON 404/405 answers.
import { Hono } from "hono";

/** The URL of every file in worker/public ("/" is index.html). */
export const PAGE_PATHS = [
  "/",
  "/app.css",
  "/app.js",
  "/classify-client.js",
  "/dom.js",
  "/drawing-pad.js",
  "/result-view.js",
  "/token-box.js",
  "/favicon.svg",
] as const;

export function pageRoutes() {
  const page = new Hono<{ Bindings: Env }>();
  for (const path of PAGE_PATHS) {
    page.get(path, async (c) => {
      const asset = await c.env.ASSETS.fetch(c.req.raw);
      return new Response(asset.body, asset); // a fetched Response's headers are immutable; middleware may add some
    });
  }
  return page;
}
