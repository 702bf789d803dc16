// Access control and response hardening: security headers on every answer, CORS only when configured, the
// optional bearer token, per-client rate limiting with the real Rate Limiting binding, no internals in errors.
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { createApp } from "../../worker/app.ts";
import type { AppBindings } from "../../worker/bindings.ts";
import { createSessionCache } from "../../worker/classifier.ts";
import { call, expectError, fixture, multipartUpload } from "./helpers.ts";

const digit = () => fixture("digit-7-mnist-t10k-0000.png");
const classifyInit = (headers: Record<string, string> = {}): RequestInit => ({ method: "POST", body: multipartUpload(digit()), headers });
/** A request through a fresh app with the given bindings (vars, secrets) instead of wrangler.toml's. */
const callWith = (bindings: AppBindings, path: string, init?: RequestInit) =>
  createApp().request(`http://digits.test${path}`, init, bindings);

function expectSecurityHeaders(res: Response): void {
  const csp = res.headers.get("content-security-policy") ?? "";
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toMatch(/https?:|unsafe-inline|unsafe-eval|\*/); // no other hosts, no inline code
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  expect(res.headers.get("x-frame-options")).toBe("DENY");
  expect(res.headers.get("referrer-policy")).toBe("no-referrer");
  expect(res.headers.get("cross-origin-resource-policy")).toBe("same-origin");
}

describe("security headers on every answer", () => {
  it.each<[string, string, RequestInit | undefined, number]>([
    ["the health check", "/health", undefined, 200],
    ["the model card", "/model", undefined, 200],
    ["a classification", "/classify", classifyInit(), 200],
    ["a 404", "/nowhere", undefined, 404],
    ["a 405", "/classify", { method: "GET" }, 405],
    ["a 415", "/classify", { method: "POST", body: "7", headers: { "content-type": "text/plain" } }, 415],
  ])("%s", async (_, path, init, status) => {
    const res = await call(path, init);
    expect(res.status).toBe(status);
    expectSecurityHeaders(res);
  });

  it("the drawing page's HTML loads its script and style from this origin only, which the policy allows", async () => {
    const res = await call("/");
    expect(res.status).toBe(200);
    expectSecurityHeaders(res);
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i); // no inline <script>
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i); // no inline style or event handlers
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i); // nothing from other hosts
  });

  it("a forced internal error answers a generic 500: no stack, no paths, headers still set", async () => {
    const app = createApp({
      model: createSessionCache(async () => ({
        run: () => Promise.reject(new Error("boom at Object.run (/work/main/worker/classifier.ts:86:33)")),
      })),
    });
    const res = await app.request("/classify", classifyInit());
    expectSecurityHeaders(res);
    const body = await expectError(res, 500, "internal_error");
    expect(JSON.stringify(body)).not.toMatch(/boom|\/work\/|classifier|\.ts/);
  });
});

describe("CORS (CORS_ORIGINS)", () => {
  const preflight = (origin: string): RequestInit => ({
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
  });

  it("is off by default (wrangler.toml): no CORS headers, preflights are not answered", async () => {
    expect((env as AppBindings).CORS_ORIGINS).toBe("");
    const res = await call("/health", { headers: { origin: "https://elsewhere.example" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    const pre = await call("/classify", preflight("https://elsewhere.example"));
    expect(pre.status).toBe(405);
    expect(pre.headers.get("access-control-allow-origin")).toBeNull();
  });

  it('"*" allows any origin, preflight included (POST with Authorization and Content-Type)', async () => {
    const res = await callWith({ CORS_ORIGINS: "*" }, "/classify", { ...classifyInit(), headers: { origin: "https://a.example" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const pre = await callWith({ CORS_ORIGINS: "*" }, "/classify", preflight("https://a.example"));
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("*");
    expect(pre.headers.get("access-control-allow-methods")).toContain("POST");
    expect(pre.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    expectSecurityHeaders(pre);
  });

  it("a list allows exactly its origins", async () => {
    const bindings = { CORS_ORIGINS: " https://a.example/ , https://b.example" };
    for (const origin of ["https://a.example", "https://b.example"]) {
      const res = await callWith(bindings, "/health", { headers: { origin } });
      expect(res.headers.get("access-control-allow-origin")).toBe(origin);
      expect(res.headers.get("vary")).toContain("Origin");
    }
    const other = await callWith(bindings, "/health", { headers: { origin: "https://a.example.evil" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const pre = await callWith(bindings, "/classify", preflight("https://evil.example"));
    expect(pre.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("bearer token (CLASSIFY_TOKEN)", () => {
  const TOKEN = "s3cret-Token_with.chars~+/";
  const withToken = (headers: Record<string, string>) => callWith({ CLASSIFY_TOKEN: TOKEN }, "/classify", classifyInit(headers));

  it("without the secret, /classify is open (as configured for these tests)", async () => {
    expect((env as AppBindings).CLASSIFY_TOKEN).toBeUndefined();
    expect((await call("/classify", classifyInit())).status).toBe(200);
  });

  it("no Authorization header: 401 JSON with WWW-Authenticate: Bearer", async () => {
    const res = await withToken({});
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm="edge-digits"/);
    expectSecurityHeaders(res);
    const body = await expectError(res, 401, "unauthorized");
    expect(body.message).toContain("Authorization: Bearer");
  });

  it.each([
    ["a wrong token", `Bearer not-${TOKEN}`],
    ["a prefix of the token", `Bearer ${TOKEN.slice(0, -1)}`],
    ["the token with a suffix", `Bearer ${TOKEN}x`],
  ])("%s: 401 with error=invalid_token", async (_, authorization) => {
    const res = await withToken({ authorization });
    expect(res.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
    await expectError(res, 401, "unauthorized");
  });

  it("a header that is not 'Bearer <token>': 400 with error=invalid_request", async () => {
    for (const authorization of [`Basic ${btoa(`user:${TOKEN}`)}`, "Bearer", "Bearer two words"]) {
      const res = await withToken({ authorization });
      expect(res.headers.get("www-authenticate")).toBe('Bearer error="invalid_request"');
      await expectError(res, 400, "invalid_authorization");
    }
  });

  it("the right token classifies; other routes need none", async () => {
    const res = await withToken({ authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { digit: number }).digit).toBe(7);
    expect((await callWith({ CLASSIFY_TOKEN: TOKEN }, "/health")).status).toBe(200);
  });

  it("the OpenAPI description marks POST /classify's bearer token as optional", async () => {
    const doc = (await (await call("/openapi.json")).json()) as {
      components: { securitySchemes: Record<string, unknown> };
      paths: Record<string, Record<string, { security?: unknown }>>;
    };
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.paths["/classify"]!.post!.security).toEqual([{}, { bearerAuth: [] }]);
  });

  it("a secret no client could send (a space in it) fails closed with a generic 500", async () => {
    const res = await callWith({ CLASSIFY_TOKEN: "two words" }, "/classify", classifyInit({ authorization: "Bearer two" }));
    await expectError(res, 500, "internal_error");
  });
});

describe("rate limiting (CLASSIFY_RATE_LIMITER, keyed by CF-Connecting-IP)", () => {
  const { limit, period } = inject("classifyRateLimit");
  const cheapRequest = (ip?: string) =>
    call("/classify", { method: "POST", body: "7", headers: { "content-type": "text/plain", ...(ip ? { "cf-connecting-ip": ip } : {}) } });
  /** A fresh documentation-range IPv6 address per call, so runs never share a counter. */
  const randomIp = () => `2001:db8:${crypto.randomUUID().slice(0, 4)}:${crypto.randomUUID().slice(0, 4)}::1`;

  it(`allows ${limit} requests per ${period} s per client, then answers 429 JSON with Retry-After`, async () => {
    // The local limiter counts in wall-clock windows: start early in one so all requests fall into it.
    const windowMs = period * 1000;
    const leftInWindow = windowMs - (Date.now() % windowMs);
    if (leftInWindow < windowMs / 2) await new Promise((resolve) => setTimeout(resolve, leftInWindow + 50));

    const client = randomIp();
    for (let i = 0; i < limit; i++) expect((await cheapRequest(client)).status, `request ${i + 1}`).toBe(415);
    const limited = await cheapRequest(client);
    expect(limited.headers.get("retry-after")).toBe(String(period));
    expectSecurityHeaders(limited);
    const body = await expectError(limited, 429, "rate_limited");
    expect(body.message).toContain(`${period} seconds`);

    expect((await cheapRequest(randomIp())).status).toBe(415); // another client is not affected
    expect((await cheapRequest()).status).toBe(415); // in-process calls carry no client address and are not limited
  }, 60_000);

  it("local clients (loopback addresses, only ever set by wrangler dev) are not limited", async () => {
    for (const ip of ["127.0.0.1", "::1"]) {
      const statuses = new Set<number>();
      for (let i = 0; i <= limit; i++) statuses.add((await cheapRequest(ip)).status);
      expect([...statuses]).toEqual([415]);
    }
  }, 60_000);

  it("a failing limiter lets requests through instead of failing them", async () => {
    const broken: RateLimit = { limit: () => Promise.reject(new Error("limiter down")) };
    const res = await callWith({ CLASSIFY_RATE_LIMITER: broken }, "/classify", classifyInit({ "cf-connecting-ip": "203.0.113.9" }));
    expect(res.status).toBe(200);
  });

  it("the limiter is asked before the token is checked, so guessing tokens is rate limited too", async () => {
    const keys: string[] = [];
    const counting: RateLimit = {
      limit: async ({ key }) => {
        keys.push(key);
        return { success: false };
      },
    };
    const res = await callWith({ CLASSIFY_RATE_LIMITER: counting, CLASSIFY_TOKEN: "abc" }, "/classify", classifyInit({ "cf-connecting-ip": "203.0.113.7" }));
    await expectError(res, 429, "rate_limited");
    expect(keys).toEqual(["203.0.113.7"]);
  });
});
