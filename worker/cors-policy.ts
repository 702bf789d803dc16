// CORS from the CORS_ORIGINS var: unset or empty = same-origin only (no CORS headers at all, preflights get the
// usual 405), "*" = any origin, otherwise a comma-separated list of allowed origins. Uses Hono's cors middleware.
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "./bindings.ts";

/** The allowed origins from the var's text, or undefined when CORS stays off. */
export function parseCorsOrigins(value: string | undefined): "*" | string[] | undefined {
  const origins = (value ?? "")
    .split(",")
    .map((origin) => origin.trim().replace(/\/+$/, ""))
    .filter((origin) => origin !== "");
  if (origins.length === 0) return undefined;
  return origins.includes("*") ? "*" : origins;
}

function corsFor(origins: "*" | string[]): MiddlewareHandler {
  return cors({
    origin: origins,
    allowMethods: ["GET", "HEAD", "POST", "OPTIONS"],
    allowHeaders: ["Authorization", "Content-Type"],
    exposeHeaders: ["Retry-After"],
    maxAge: 600,
  });
}

export function corsPolicy(): MiddlewareHandler<AppEnv> {
  let cached: { setting: string; handler: MiddlewareHandler | undefined } | undefined;
  return (c, next) => {
    const setting = c.env?.CORS_ORIGINS ?? "";
    if (cached?.setting !== setting) {
      const origins = parseCorsOrigins(setting);
      cached = { setting, handler: origins ? corsFor(origins) : undefined };
    }
    return cached.handler ? cached.handler(c, next) : next();
  };
}
