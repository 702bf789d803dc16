// Values global-setup-hardening.ts provides to the workerd tests.
declare module "vitest" {
  interface ProvidedContext {
    /** How many generated inputs each fuzz property runs (FUZZ_RUNS, default CI-sized). */
    fuzzRuns: number;
    /** FUZZ_SEED to replay a run; undefined = a fresh random seed (printed on failure). */
    fuzzSeed: number | undefined;
    /** wrangler.toml's CLASSIFY_RATE_LIMITER `simple` settings. */
    classifyRateLimit: { limit: number; period: number };
  }
}

export {};
