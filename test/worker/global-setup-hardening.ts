// Node-side setup for the hardening tests. Runs wrangler's [build] command (the model integrity check) exactly
// as `wrangler dev`/`deploy` do, since the test pool itself does not run it: a model that does not match its
// card stops the workerd tests before they start. Also hands the tests the fuzz run count and the configured
// rate limit.
import { execSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { unstable_readConfig } from "wrangler";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** CI-sized default; `FUZZ_RUNS=10000 npm test -- fuzz` or `npm run fuzz` for a full run. */
const DEFAULT_FUZZ_RUNS = 2000;

function positiveInteger(name: string, fallback: number | undefined): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(text)}`);
  return value;
}

export default function setup(project: TestProject): void {
  const config = unstable_readConfig({ config: `${ROOT}wrangler.toml` });
  const command = config.build.command;
  if (!command) throw new Error("wrangler.toml has no [build] command: the model integrity check would not run");
  try {
    execSync(command, { cwd: ROOT, encoding: "utf8", stdio: "pipe" });
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`wrangler's build command \`${command}\` failed:\n${stderr || stdout || String(error)}`);
  }

  const bindings: Array<{ name: string; simple: { limit: number; period: number } }> = config.ratelimits;
  const limiter = bindings.find((binding) => binding.name === "CLASSIFY_RATE_LIMITER");
  if (!limiter) throw new Error("wrangler.toml has no CLASSIFY_RATE_LIMITER rate limit binding");
  project.provide("classifyRateLimit", { limit: limiter.simple.limit, period: limiter.simple.period });
  project.provide("fuzzRuns", positiveInteger("FUZZ_RUNS", DEFAULT_FUZZ_RUNS)!);
  project.provide("fuzzSeed", positiveInteger("FUZZ_SEED", undefined));
}
