// Per-client rate limiting of /classify with Cloudflare's Rate Limiting binding (wrangler.toml [[ratelimits]]),
// keyed by CF-Connecting-IP, which Cloudflare sets (and overwrites) on every request from the internet. Not
// limited: requests without it (service bindings, in-process tests) and from loopback addresses, which only
// occur locally (`wrangler dev` sets 127.0.0.1 for local clients: evaluation scripts, the browser test).
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./bindings.ts";
import { ApiError } from "./errors.ts";

/** The binding's window, wrangler.toml `simple.period`; also the Retry-After of a 429. */
export const RATE_LIMIT_PERIOD_SECONDS = 10;

export function isLoopback(address: string): boolean {
  return /^(127\.|::1$|::ffff:127\.)/i.test(address.trim());
}

export function classifyRateLimit(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const limiter = c.env?.CLASSIFY_RATE_LIMITER;
    const client = c.req.header("cf-connecting-ip");
    if (!limiter || !client || isLoopback(client)) return next();
    let allowed = true;
    try {
      allowed = (await limiter.limit({ key: client })).success;
    } catch (err) {
      // The limiter is a best-effort guard; its failure must not take the classifier down with it.
      console.error("rate limiter unavailable, request let through", err);
    }
    if (!allowed) {
      throw new ApiError(
        429,
        "rate_limited",
        `Too many requests from your address. Retry in ${RATE_LIMIT_PERIOD_SECONDS} seconds.`,
        { "retry-after": String(RATE_LIMIT_PERIOD_SECONDS) },
      );
    }
    return next();
  };
}
