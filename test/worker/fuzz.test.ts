// Property-based fuzzing of POST /classify through the worker's entry module (its default export, with the
// bindings of wrangler.toml) in workerd. Whatever arrives (see
// fuzz-inputs.ts), the answer is a 2xx classification with finite probabilities summing to 1, or a 4xx JSON
// { error, message } without internals; never a 5xx, never an exception, never a hang. Run count: FUZZ_RUNS
// (CI default from global-setup-hardening.ts); `npm run fuzz` does a full run and records it in BENCHMARKS.md.
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { preprocessesCleanly, rgbaImages, uploads, type FuzzStats, type FuzzUpload } from "./fuzz-inputs.ts";
import worker from "../../worker/index.ts";
import { ortWasmMemoryBytes } from "../../worker/ort-runtime.ts";
import { fixture, fixtureNames } from "./helpers.ts";

const RUNS = inject("fuzzRuns");
/** Always a known seed, printed first, so that any run (even one that hangs) can be replayed with FUZZ_SEED. */
const SEED = inject("fuzzSeed") ?? Math.floor(Math.random() * 2 ** 31);
/** A hang detector, not a performance target: answers here take milliseconds. */
const ANSWER_TIME_LIMIT_MS = 10_000;

// workerd reports no heap figures to the isolate (process.memoryUsage() gives zeros), so memory is measured
// from outside: scripts/fuzz.ts reads this isolate's heap over the inspector during the run.
const stats: FuzzStats = { runs: 0, seed: SEED, statuses: {}, errors: {}, maxMs: 0, maxMsKind: "", totalMs: 0, largestBody: 0, meanMsPer100: [] };
let blockMs = 0;

/**
 * One request to the worker's fetch handler. Not helpers.call(): the test pool's self-call (exports.default.fetch)
 * gets slower with every call (measured: 8 ms per trivial request after 100 calls, 210 ms after 600, while the
 * same handler called directly stays at 0.2 ms), which would swamp thousands of fuzz inputs.
 */
const dispatch = (path: string, init: RequestInit) => worker.fetch(new Request(`http://digits.test${path}`, init), env);

const count = (table: Record<string, number>, key: string) => (table[key] = (table[key] ?? 0) + 1);
const describeUpload = (u: FuzzUpload) => `${u.kind} [${u.body.length} bytes, content-type ${JSON.stringify(u.contentType ?? null)}]`;

function expectClassification(body: Record<string, unknown>, context: string): void {
  const probabilities = body.probabilities as number[];
  expect(probabilities, context).toHaveLength(10);
  for (const p of probabilities) expect(Number.isFinite(p) && p >= 0 && p <= 1, `${context}: probability ${p}`).toBe(true);
  expect(Math.abs(probabilities.reduce((a, b) => a + b, 0) - 1), context).toBeLessThan(1e-4);
  expect(Number.isInteger(body.digit) && (body.digit as number) >= 0 && (body.digit as number) <= 9, context).toBe(true);
  expect(body.confidence, context).toBe(probabilities[body.digit as number]);
}

function expectCleanError(body: Record<string, unknown>, context: string): void {
  expect(Object.keys(body).sort(), context).toEqual(["error", "message"]);
  expect(typeof body.error === "string" && typeof body.message === "string" && (body.message as string).length > 0, context).toBe(true);
  // No stack frames, source paths or module names in what a client sees.
  expect(body.message as string, context).not.toMatch(/\bat .+:\d+:\d+|\/work\/|node_modules|\.ts\b|\.js:\d/);
}

async function checkAnswer(upload: FuzzUpload): Promise<void> {
  const context = describeUpload(upload);
  const headers: Record<string, string> = upload.contentType === undefined ? {} : { "content-type": upload.contentType };
  const started = performance.now();
  // A stuck request must fail this input (with its description), not just time the whole test out.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const noAnswer = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${context}: no answer within ${ANSWER_TIME_LIMIT_MS} ms`)), ANSWER_TIME_LIMIT_MS);
  });
  const answer = (async () => {
    const res = await dispatch("/classify", { method: "POST", body: upload.body, headers });
    return { res, text: await res.text() };
  })();
  const { res, text } = await Promise.race([answer, noAnswer]).finally(() => clearTimeout(timer));
  const ms = performance.now() - started;

  stats.runs++;
  stats.totalMs += ms;
  blockMs += ms;
  if (stats.runs % 100 === 0) {
    stats.meanMsPer100.push(Math.round(blockMs / 100));
    blockMs = 0;
  }
  // In-process fetches never leave the isolate; a timer turn now and then lets workerd serve the inspector
  // that scripts/fuzz.ts reads the isolate's memory through (and run the collections it asks for).
  if (stats.runs % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  stats.largestBody = Math.max(stats.largestBody, upload.body.length);
  if (ms > stats.maxMs) {
    stats.maxMs = ms;
    stats.maxMsKind = context;
  }
  count(stats.statuses, String(res.status));

  expect(ms, `${context}: answered after ${ms.toFixed(0)} ms`).toBeLessThan(ANSWER_TIME_LIMIT_MS);
  expect(res.status >= 200 && res.status < 500, `${context}: status ${res.status} ${text.slice(0, 200)}`).toBe(true);
  expect(res.headers.get("content-type"), context).toMatch(/^application\/json/);
  const body = JSON.parse(text) as Record<string, unknown>;
  if (res.status < 300) {
    expectClassification(body, context);
    return;
  }
  expectCleanError(body, context);
  count(stats.errors, `${res.status} ${body.error}`);
  if (upload.allowedErrors) expect(upload.allowedErrors, `${context}: ${body.error}: ${body.message}`).toContain(body.error);
}

const fixtures = () => Object.fromEntries(fixtureNames().map((name) => [name, fixture(name)]));
const labelled = (arbitrary: fc.Arbitrary<FuzzUpload>) =>
  arbitrary.map((upload) => Object.assign(upload, { [fc.toStringMethod]: () => describeUpload(upload) }));

beforeAll(async () => {
  console.log(`fuzz seed ${SEED} (replay: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS})`);
  // Load the model first: the isolate's first session creation is not what is measured here.
  const res = await dispatch("/classify", { method: "POST", body: fixture("digit-7-mnist-t10k-0000.png"), headers: { "content-type": "image/png" } });
  expect(res.status).toBe(200);
}, 120_000);

describe(`fuzzing POST /classify (${RUNS} runs)`, () => {
  it(
    "answers every generated upload with a 2xx classification or a clean 4xx JSON error, in bounded time",
    async () => {
      await fc.assert(fc.asyncProperty(labelled(uploads(fixtures())), checkAnswer), {
        numRuns: RUNS,
        seed: SEED,
        endOnFailure: true, // shrinking multi-MiB inputs would take long; the label says what the input was
      });
      stats.wasmMemoryBytes = ortWasmMemoryBytes();
      console.log(`FUZZ-RESULT ${JSON.stringify(stats)}`);
      // The generators must reach both outcomes and many distinct refusals, or the property says little.
      expect(stats.statuses["200"] ?? 0).toBeGreaterThan(0);
      expect(Object.keys(stats.errors).length).toBeGreaterThanOrEqual(6);
    },
    RUNS * 400 + 120_000, // far above the ~30–60 ms a run takes; the per-answer limit is what catches a hang
  );

  it("preprocessing any RGBA image yields 784 finite values in [0, 1] or 'no digit', never NaN", () => {
    fc.assert(fc.property(rgbaImages, preprocessesCleanly), { numRuns: RUNS, seed: SEED });
  }, RUNS * 20 + 60_000);
});
