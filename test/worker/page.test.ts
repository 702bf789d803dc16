// The draw-a-digit page's files (worker/public via the ASSETS binding), through the worker entry in workerd.
// The page itself is exercised in Chromium by test/browser.test.ts.
import { describe, expect, it } from "vitest";
import { PAGE_PATHS } from "../../worker/page.ts";
import { call, expectError } from "./helpers.ts";

describe("GET / and the page's files", () => {
  it("serves the page: one canvas, its script and stylesheet as same-origin files", async () => {
    const res = await call("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html.match(/<canvas\b/g)).toHaveLength(1);
    expect(html).toContain('<script type="module" src="/app.js"></script>');
    expect(html).toContain('<link rel="stylesheet" href="/app.css">');
    expect(html).toContain('data-testid="digit"');
  });

  it("serves every listed file with its type", async () => {
    for (const path of PAGE_PATHS) {
      const res = await call(path);
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      const type = res.headers.get("content-type") ?? "";
      if (path.endsWith(".js")) expect(type).toMatch(/^text\/javascript/);
      if (path.endsWith(".css")) expect(type).toMatch(/^text\/css/);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
  });

  it("answers HEAD without a body and revalidates with the ETag", async () => {
    const head = await call("/", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    const etag = head.headers.get("etag");
    expect(etag).toBeTruthy();
    const again = await call("/", { headers: { "if-none-match": etag! } });
    expect(again.status).toBe(304);
  });

  it("gets the same middleware headers as the API", async () => {
    const [page, health] = [await call("/app.js"), await call("/health")];
    for (const header of ["content-security-policy", "x-content-type-options", "x-frame-options"]) {
      expect({ header, value: page.headers.get(header) }).toEqual({ header, value: health.headers.get(header) });
    }
  });

  it("keeps JSON 405 and 404 around the page", async () => {
    const post = await call("/", { method: "POST" });
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    await expectError(post, 405, "method_not_allowed");

    const unknown = await expectError(await call("/index.html"), 404, "not_found");
    expect(unknown.message).toContain("GET / (drawing page)");
    await expectError(await call("/wrangler.toml"), 404, "not_found");
  });
});
