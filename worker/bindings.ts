// What the app reads from the Worker's environment. All optional: without them (tests, `app.request`) the
// app runs open, without CORS and without rate limiting.
export interface AppBindings {
  /** Secret (`wrangler secret put CLASSIFY_TOKEN`, locally `.dev.vars`): when set, POST /classify needs `Authorization: Bearer <it>`. */
  CLASSIFY_TOKEN?: string;
  /** wrangler.toml var: "" = same origin only (no CORS headers), "*" = any origin, or a comma-separated list of origins. */
  CORS_ORIGINS?: string;
  /** Cloudflare Rate Limiting binding ([[ratelimits]] in wrangler.toml), keyed by the client's address. */
  CLASSIFY_RATE_LIMITER?: RateLimit;
}

export type AppEnv = { Bindings: AppBindings };
